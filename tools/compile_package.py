"""Add the bytecode of every module to the Lambda package, so a cold start does not compile the package.

Lambda unpacks the zip into /var/task, which is read-only: without .pyc files in the zip, every cold
start compiles every module it imports (pynamodb, pydantic, powertools, our code, and the botocore
that pynamodb's pin puts in the package). Measured with bench/bench_cold_start.py: the package as
Chalice zips it took 4.8x `import boto3` for the first request, against 1.7x with bytecode.

The bytecode is compiled by this interpreter, which must be the runtime's version (the Makefile
builds the venv and the package with python3.13), as unchecked hash-based .pyc (PEP 552): Python
uses them without comparing the source's mtime, which a zip does not keep exactly. A .py that does
not compile (a test file of a dependency written for another Python) is left without bytecode.
"""
from __future__ import annotations

import compileall
import py_compile
import sys
import tempfile
import zipfile
from pathlib import Path

SUFFIX = f".{sys.implementation.cache_tag}.pyc"


def compile_package(package: Path) -> tuple[int, int]:
    """Append `__pycache__/<module>.<tag>.pyc` for each `.py` in `package`; returns (compiled, failed)."""
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        with zipfile.ZipFile(package) as archive:
            sources = [name for name in archive.namelist() if name.endswith(".py")]
            existing = set(archive.namelist())
            for name in sources:
                archive.extract(name, root)
        compileall.compile_dir(root, quiet=2, workers=0, legacy=False,
                               invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        compiled = 0
        with zipfile.ZipFile(package, "a", compression=zipfile.ZIP_DEFLATED) as archive:
            for name in sources:
                source = Path(name)
                cached = source.parent / "__pycache__" / (source.stem + SUFFIX)
                if (root / cached).exists() and cached.as_posix() not in existing:
                    archive.write(root / cached, cached.as_posix())
                    compiled += 1
    return compiled, len(sources) - compiled


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: compile_package.py build/deployment.zip", file=sys.stderr)
        return 2
    compiled, failed = compile_package(Path(argv[0]))
    print(f"compile_package: {compiled} modules compiled into {argv[0]}, {failed} left as source")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
