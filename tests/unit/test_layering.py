"""The separation ARCHITECTURE.md asks for, checked on the source: what each part of chalicelib may import."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHALICELIB = ROOT / "chalicelib"
AWS_SDKS = {"boto3", "botocore", "pynamodb"}
# Row classes (pynamodb models and indexes) and the module that defines them.
ROWS_MODULE = "tables"


def imports(path: Path) -> list[tuple[int, str, tuple[str, ...]]]:
    """(level, module, names) of every import in a file; level 0 is absolute."""
    found: list[tuple[int, str, tuple[str, ...]]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.extend((0, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or "", tuple(alias.name for alias in node.names)))
    return found


def top_level_imports(path: Path) -> set[str]:
    """Absolute modules a file imports, by their top-level package (relative imports stay inside chalicelib)."""
    return {module.split(".")[0] for level, module, _ in imports(path) if level == 0 and module}


def row_class_names() -> set[str]:
    tree = ast.parse((CHALICELIB / "store" / f"{ROWS_MODULE}.py").read_text(encoding="utf-8"))
    return {node.name for node in tree.body if isinstance(node, ast.ClassDef)}


def touches_rows(path: Path) -> bool:
    """Imports the row module, or names a row class from anywhere."""
    rows = row_class_names()
    for _, module, names in imports(path):
        if module.split(".")[-1] == ROWS_MODULE or ROWS_MODULE in names or rows & set(names):
            return True
    return False


MODULES = sorted(CHALICELIB.rglob("*.py"))
OUTSIDE_STORE = [path for path in MODULES if path.relative_to(CHALICELIB).parts[0] != "store"]


def _id(path: Path) -> str:
    return str(path.relative_to(CHALICELIB))


@pytest.mark.parametrize("path", MODULES, ids=_id)
def test_chalicelib_never_imports_the_web_framework(path: Path) -> None:
    assert "chalice" not in top_level_imports(path)


@pytest.mark.parametrize("path", OUTSIDE_STORE, ids=_id)
def test_only_store_imports_an_aws_sdk(path: Path) -> None:
    assert not top_level_imports(path) & AWS_SDKS, f"{_id(path)} imports an AWS SDK"


@pytest.mark.parametrize("path", OUTSIDE_STORE, ids=_id)
def test_no_row_class_outside_store(path: Path) -> None:
    assert not touches_rows(path), f"{_id(path)} uses pynamodb rows; services take and give plain values"


def test_config_does_not_reach_into_the_store() -> None:
    assert not any("store" in module.split(".") for _, module, _ in imports(CHALICELIB / "config.py"))


def test_the_checks_see_what_they_look_for(tmp_path: Path) -> None:
    assert {"botocore", "boto3"} <= top_level_imports(CHALICELIB / "store" / "clients.py")
    service = tmp_path / "service.py"
    service.write_text("from ..store.tables import ListingItem\n", encoding="utf-8")
    assert touches_rows(service)
    service.write_text("from ..store import tables\n", encoding="utf-8")
    assert touches_rows(service)
    service.write_text("from ..store.records import Listing\n", encoding="utf-8")
    assert not touches_rows(service)
    assert "ListingItem" in row_class_names()


def test_bench_never_imports_tests() -> None:
    for path in sorted((ROOT / "bench").glob("*.py")):
        assert "tests" not in top_level_imports(path), f"{path.name} imports tests/ (use harness/)"
