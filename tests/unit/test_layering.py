"""The separation ARCHITECTURE.md asks for, checked on the source: what each part of chalicelib may import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
AWS_SDKS = {"boto3", "botocore", "pynamodb"}
# Only these talk to AWS (store/ holds DynamoDB and the SSM parameters; blobs.py holds S3).
AWS_ALLOWED = {"blobs.py"}


def top_level_imports(path: Path) -> set[str]:
    """Absolute modules a file imports, by their top-level package (relative imports stay inside chalicelib)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


MODULES = sorted(CHALICELIB.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(CHALICELIB)))
def test_chalicelib_never_imports_the_web_framework(path: Path) -> None:
    assert "chalice" not in top_level_imports(path)


@pytest.mark.parametrize("path", MODULES, ids=lambda path: str(path.relative_to(CHALICELIB)))
def test_only_store_and_blobs_import_an_aws_sdk(path: Path) -> None:
    relative = path.relative_to(CHALICELIB)
    if relative.parts[0] == "store" or str(relative) in AWS_ALLOWED:
        return
    assert not top_level_imports(path) & AWS_SDKS, f"{relative} imports an AWS SDK"


def test_the_check_sees_absolute_imports() -> None:
    imports = top_level_imports(CHALICELIB / "blobs.py")
    assert "botocore" in imports and "boto3" in imports
