"""Refuse a Lambda package that would not run on python3.13 x86_64 (Amazon Linux 2023, glibc 2.34).

`chalice package` takes the runtime from the Python that runs it and counts a wheel it built from
source (`linux_x86_64`) as compatible, so a package can look fine here and fail to import on Lambda
(a Pillow compiled against this machine's libjpeg.so.62 did). This reads the zip itself and exits 1,
naming each problem, when:

- a `*.dist-info/WHEEL` has no tag that the runtime accepts: `py3-none-any`, `cp313`, `abi3` from
  CPython <= 3.13, on `any` or manylinux x86_64 up to glibc 2.34 (`linux_x86_64`, musllinux, aarch64,
  macOS, Windows and other CPython versions are refused);
- an ELF file in the zip is listed in no accepted wheel's RECORD, is not x86-64, or needs a glibc
  symbol version newer than 2.34;
- an ELF file needs a shared library (DT_NEEDED) that is neither in the zip nor one that manylinux
  wheels may take from the system;
- the unzipped size is over the budget (Lambda refuses more than 250 MiB unzipped).

Usage: python tools/check_package.py [build/deployment.zip]
"""
from __future__ import annotations

import argparse
import csv
import io
import itertools
import posixpath
import re
import struct
import sys
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

RUNTIME = "python3.13"
PYTHON_MINOR = 13
GLIBC = (2, 34)
MACHINE = "x86_64"
EM_X86_64 = 62
MIB = 1024 * 1024
# Lambda's own limits: 250 MiB unzipped (the hard one: CloudFormation deploys the zip through S3),
# 50 MiB for a zip uploaded straight to Lambda.
LAMBDA_UNZIPPED_LIMIT = 250 * MIB
LAMBDA_DIRECT_UPLOAD_LIMIT = 50 * MIB
UNZIPPED_BUDGET = 150 * MIB

# What a manylinux wheel may link without bundling it: auditwheel's policy for manylinux2014 and later
# (PEP 599's list plus libz, libexpat, libatomic and libanl, less libcrypt), and the dynamic loader.
SYSTEM_LIBRARIES = frozenset({
    "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1",
    "libutil.so.1", "libpthread.so.0", "libresolv.so.2", "libX11.so.6", "libXext.so.6", "libXrender.so.1",
    "libICE.so.6", "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0",
    "libglib-2.0.so.0", "libexpat.so.1", "libz.so.1", "libatomic.so.1", "libanl.so.1",
    "ld-linux-x86-64.so.2",
})

_LEGACY_MANYLINUX = {"manylinux1": (2, 5), "manylinux2010": (2, 12), "manylinux2014": (2, 17)}
_PERENNIAL_MANYLINUX = re.compile(r"manylinux_(\d+)_(\d+)_(\w+)")
_STABLE_ABI_INTERPRETER = re.compile(r"cp3(\d+)")
_GLIBC_VERSION = re.compile(r"GLIBC_(\d+)\.(\d+)")


def platform_accepted(platform: str) -> bool:
    """`any`, or a manylinux x86_64 tag whose glibc is not newer than the runtime's."""
    if platform == "any":
        return True
    legacy, _, machine = platform.partition("_")
    if legacy in _LEGACY_MANYLINUX:
        return machine == MACHINE
    match = _PERENNIAL_MANYLINUX.fullmatch(platform)
    return match is not None and match[3] == MACHINE and (int(match[1]), int(match[2])) <= GLIBC


def tag_accepted(tag: str) -> bool:
    """Whether the runtime's pip would install a wheel carrying this one `interpreter-abi-platform` tag."""
    parts = tag.split("-")
    if len(parts) != 3 or not platform_accepted(parts[2]):
        return False
    interpreter, abi, _ = parts
    if abi == "abi3":
        match = _STABLE_ABI_INTERPRETER.fullmatch(interpreter)
        return match is not None and int(match[1]) <= PYTHON_MINOR
    if abi == "none":
        return interpreter in {"py3", f"py3{PYTHON_MINOR}", f"cp3{PYTHON_MINOR}"}
    return interpreter == abi == f"cp3{PYTHON_MINOR}"


def wheel_tags(wheel_file: str) -> list[str]:
    """The `Tag:` lines of a WHEEL file, compressed tag sets (PEP 425: `py2.py3-none-any`) expanded."""
    tags: list[str] = []
    for line in wheel_file.splitlines():
        name, _, value = line.partition(":")
        if name.strip() != "Tag":
            continue
        parts = [part.split(".") for part in value.strip().split("-")]
        tags.extend("-".join(combination) for combination in itertools.product(*parts))
    return tags


# --- ELF: just enough of the dynamic section to see what a library needs ------------------------

PT_LOAD, PT_DYNAMIC = 1, 2
DT_NULL, DT_NEEDED, DT_STRTAB, DT_SONAME = 0, 1, 5, 14
DT_VERNEED, DT_VERNEEDNUM = 0x6FFFFFFE, 0x6FFFFFFF


class ElfError(ValueError):
    """The bytes are not an ELF file this reader can follow."""


@dataclass(frozen=True)
class Elf:
    """What the dynamic loader will ask of the system for one shared object."""

    machine: int
    needed: tuple[str, ...]
    glibc: tuple[int, int] | None  # the newest GLIBC_x.y symbol version it needs
    soname: str | None = None  # the name other objects ask for it by


def read_elf(data: bytes) -> Elf:
    """Read DT_NEEDED, DT_SONAME and the glibc symbol versions (DT_VERNEED) through the program headers.

    The program headers, not the section headers, because they are what the loader reads (a
    stripped library may lack sections). Only 64-bit little-endian files: everything else is
    wrong for x86_64 anyway.
    """
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4:6] != b"\x02\x01":
        raise ElfError("not a 64-bit little-endian ELF file")
    try:
        return _read_elf64(data)
    except (struct.error, ValueError, UnicodeDecodeError, StopIteration) as error:
        raise ElfError(f"unreadable dynamic section ({error})") from None


def _read_elf64(data: bytes) -> Elf:
    (machine,) = struct.unpack_from("<H", data, 18)
    (phoff,) = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    headers = [struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize) for i in range(phnum)]
    loads = [(vaddr, offset, filesz) for kind, _, offset, vaddr, _, filesz, _, _ in headers if kind == PT_LOAD]
    dynamic = [(offset, filesz) for kind, _, offset, _, _, filesz, _, _ in headers if kind == PT_DYNAMIC]
    if not dynamic:
        return Elf(machine, (), None)

    def file_offset(address: int) -> int:
        for vaddr, offset, filesz in loads:
            if vaddr <= address < vaddr + filesz:
                return address - vaddr + offset
        raise ValueError(f"address {address:#x} is in no loaded segment")

    entries: list[tuple[int, int]] = []
    start, size = dynamic[0]
    for position in range(start, start + size, 16):
        tag, value = struct.unpack_from("<qQ", data, position)
        if tag == DT_NULL:
            break
        entries.append((tag, value))
    values = dict(entries)
    strings = file_offset(values[DT_STRTAB])

    def string(index: int) -> str:
        begin = strings + index
        return data[begin:data.index(b"\0", begin)].decode()

    needed = tuple(string(value) for tag, value in entries if tag == DT_NEEDED)
    versions: list[tuple[int, int]] = []
    if DT_VERNEED in values:
        position = file_offset(values[DT_VERNEED])
        for _ in range(values.get(DT_VERNEEDNUM, 0)):
            _, count, _, aux, following = struct.unpack_from("<HHIII", data, position)
            aux_position = position + aux
            for _ in range(count):
                _, _, _, name, aux_following = struct.unpack_from("<IHHII", data, aux_position)
                match = _GLIBC_VERSION.match(string(name))
                if match:
                    versions.append((int(match[1]), int(match[2])))
                aux_position += aux_following
            position += following
    soname = string(values[DT_SONAME]) if DT_SONAME in values else None
    return Elf(machine, needed, max(versions, default=None), soname)


# --- the package ---------------------------------------------------------------------------------


@dataclass
class Report:
    """The figures printed whatever the outcome, and the problems that fail the check."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _mib(size: int) -> str:
    return f"{size / MIB:.1f} MiB"


def _record_paths(record: str) -> list[str]:
    """The installed files a RECORD lists, relative to the zip's root (scripts outside it dropped)."""
    paths = [posixpath.normpath(row[0]) for row in csv.reader(io.StringIO(record)) if row]
    return [path for path in paths if not path.startswith("../")]


def check(path: Path, budget: int = UNZIPPED_BUDGET) -> Report:
    """Check the package at `path` against the runtime; see the module docstring for the rules."""
    report = Report()
    with zipfile.ZipFile(path) as archive:
        files = [info for info in archive.infolist() if not info.is_dir()]
        unzipped = sum(info.file_size for info in files)
        zipped = path.stat().st_size
        report.lines += [
            f"{path}: {len(files)} files",
            f"  zipped    {_mib(zipped):>10}  (Lambda's direct-upload limit {_mib(LAMBDA_DIRECT_UPLOAD_LIMIT)}: "
            f"{_mib(LAMBDA_DIRECT_UPLOAD_LIMIT - zipped)} head-room; CloudFormation deploys it through S3)",
            f"  unzipped  {_mib(unzipped):>10}  (budget {_mib(budget)}: {_mib(budget - unzipped)} head-room; "
            f"Lambda's limit {_mib(LAMBDA_UNZIPPED_LIMIT)}: {_mib(LAMBDA_UNZIPPED_LIMIT - unzipped)} head-room)",
        ]
        if unzipped > budget:
            report.problems.append(f"unzipped size {_mib(unzipped)} is over the budget of {_mib(budget)}")

        accepted: dict[str, bool] = {}
        owner: dict[str, str] = {}
        for info in files:
            directory, _, name = info.filename.rpartition("/")
            if not directory.endswith(".dist-info"):
                continue
            if name == "WHEEL":
                tags = wheel_tags(archive.read(info).decode())
                accepted[directory] = any(tag_accepted(tag) for tag in tags)
                if not accepted[directory]:
                    report.problems.append(f"{directory}: wheel tags {', '.join(tags) or '(none)'} do not run on "
                                           f"{RUNTIME} {MACHINE} (glibc {GLIBC[0]}.{GLIBC[1]})")
            elif name == "RECORD":
                owner.update(dict.fromkeys(_record_paths(archive.read(info).decode()), directory))

        bundled = {PurePosixPath(info.filename).name for info in files}
        system: set[str] = set()
        newest_glibc = (0, 0)
        native = 0
        native_owners: set[str] = set()
        for info in files:
            with archive.open(info) as handle:
                if handle.read(4) != b"\x7fELF":
                    continue
            native += 1
            name = info.filename
            dist = owner.get(name)
            native_owners.add(dist or "(no wheel)")
            if dist is None:
                report.problems.append(f"{name}: native code that no *.dist-info/RECORD lists (not from a wheel)")
            elif not accepted.get(dist, False):
                report.problems.append(f"{name}: native code from {dist}, whose wheel the runtime refuses")
            try:
                elf = read_elf(archive.read(info))
            except ElfError as error:
                report.problems.append(f"{name}: {error}")
                continue
            if elf.machine != EM_X86_64:
                report.problems.append(f"{name}: built for ELF machine {elf.machine}, not x86-64 ({EM_X86_64})")
            if elf.glibc is not None:
                newest_glibc = max(newest_glibc, elf.glibc)
                if elf.glibc > GLIBC:
                    report.problems.append(f"{name}: needs GLIBC_{elf.glibc[0]}.{elf.glibc[1]}, newer than the "
                                           f"runtime's {GLIBC[0]}.{GLIBC[1]}")
            for library in elf.needed:
                if library in bundled:
                    continue
                if library in SYSTEM_LIBRARIES:
                    system.add(library)
                else:
                    report.problems.append(f"{name}: links {library}, which is neither in the package "
                                           "nor a library manylinux wheels may take from the system")

    report.lines += [
        f"  wheels    {len(accepted)} dist-infos, {sum(accepted.values())} accepted by {RUNTIME} {MACHINE} "
        f"(glibc {GLIBC[0]}.{GLIBC[1]}); native code from {len(native_owners)}",
        f"  native    {native} ELF files; newest glibc symbol version needed: {newest_glibc[0]}.{newest_glibc[1]}",
        f"  system    {', '.join(sorted(system)) or '(none)'}",
    ]
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("package", nargs="?", type=Path, default=Path("build/deployment.zip"))
    args = parser.parse_args(argv)
    if not args.package.is_file():
        print(f"{args.package}: no such file (run `make package` first)", file=sys.stderr)
        return 1
    report = check(args.package)
    print("\n".join(report.lines))
    if report.problems:
        print(f"FAILED: {len(report.problems)} problem(s) in what would ship to {RUNTIME} {MACHINE}:")
        print("\n".join(f"  - {problem}" for problem in report.problems))
        return 1
    print(f"OK: every wheel and native library in the package runs on {RUNTIME} {MACHINE} "
          f"(glibc {GLIBC[0]}.{GLIBC[1]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
