"""A stand-in for the Lambda python3.13 runtime on this machine, to run the package as Lambda runs it.

On Lambda the zip is unpacked into /var/task, the runtime's own site-packages (boto3 and its
pure-Python dependencies) follow it on sys.path, and nothing else is importable. Here: the zip
unpacked into a fresh directory, the SDK copied from this venv (installed from the same pins as
requirements-dev.txt) into another, and an isolated interpreter (`-I -S`: no venv site-packages, no
PYTHONPATH, no user site) whose path holds those two before the standard library.

Shared by tests/artifact (the handlers against the local emulator) and bench/bench_cold_start.py
(the cold start of the package as shipped), which may not import each other.
"""
from __future__ import annotations

import importlib.metadata
import shutil
import sys
import zipfile
from collections.abc import Iterable
from pathlib import Path

from tools.check_package import SYSTEM_LIBRARIES, Elf, ElfError, read_elf

# What the python3.13 runtime has on its path besides the standard library (AWS ships boto3 with it).
RUNTIME_DISTRIBUTIONS = ("boto3", "botocore", "jmespath", "s3transfer", "python-dateutil", "six", "urllib3")


def unpack(package: Path, task_root: Path) -> Path:
    """The package's files in `task_root`, as Lambda unpacks them into /var/task."""
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task_root)
    return task_root


def provide_runtime_sdk(directory: Path) -> Path:
    """Copy the runtime's SDK distributions from this venv into `directory`, with their metadata and bytecode."""
    for name in RUNTIME_DISTRIBUTIONS:
        distribution = importlib.metadata.distribution(name)
        for file in distribution.files or ():
            if file.parts[0] == "..":  # console scripts, outside site-packages
                continue
            target = directory / file
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(Path(str(distribution.locate_file(file))), target)  # keeps mtimes: the .pyc stay valid
    return directory


def isolated_python(task_root: Path, runtime_sdk: Path, code: str, *, write_bytecode: bool = True) -> list[str]:
    """The command that runs `code` in an interpreter seeing only `task_root`, `runtime_sdk` and the stdlib.

    `-I` drops PYTHONPATH, the user site and the current directory; `-S` the site module, hence the
    venv's site-packages. The two directories come in as arguments and go first on sys.path. Without
    `write_bytecode` (`-B`) every import of the package compiles its source, as on Lambda, where the zip
    holds no .pyc and /var/task is read-only.
    """
    prelude = "import sys; sys.path[:0] = sys.argv[1:3]\n"
    flags = ["-I", "-S"] if write_bytecode else ["-I", "-S", "-B"]
    return [sys.executable, *flags, "-c", prelude + code, str(task_root), str(runtime_sdk)]


def foreign_libraries(loaded: Iterable[str], task_root: Path) -> dict[str, str]:
    """System libraries a process mapped (from /proc/<pid>/maps) that the package relies on, by soname.

    A library from outside the package and the interpreter's installation counts unless manylinux
    wheels may take it from the system, when the package's native code names it (DT_NEEDED: a Pillow
    built from source pulls in Debian's libjpeg.so.62) or nothing mapped names it (it was opened with
    dlopen()). What only the interpreter's own modules need is the runtime's business, not the package's.
    """
    task_root, interpreter = task_root.resolve(), Path(sys.base_prefix).resolve()
    elves: dict[Path, Elf] = {}
    for name in set(loaded):
        path = Path(name).resolve()
        try:
            elves[path] = read_elf(path.read_bytes())
        except (OSError, ElfError):
            continue
    named_by_package = {library for path, elf in elves.items() if path.is_relative_to(task_root)
                        for library in elf.needed}
    named = {library for elf in elves.values() for library in elf.needed}
    return {soname: str(path) for path, elf in sorted(elves.items())
            if not path.is_relative_to(task_root) and not path.is_relative_to(interpreter)
            and (soname := elf.soname or path.name) not in SYSTEM_LIBRARIES
            and (soname in named_by_package or soname not in named)}
