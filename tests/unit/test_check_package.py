"""tools/check_package.py on small packages built here: what it lets ship to python3.13 x86_64, and what not.

The native libraries are tiny ELF files written by `make_elf` (a header, a loadable segment and a
dynamic section with DT_NEEDED and glibc version needs), plus one real extension from the venv's
Pillow, so the reader is held to both a file we control and one a compiler made.
"""
from __future__ import annotations

import importlib.metadata
import importlib.util
import struct
import zipfile
from pathlib import Path

import pytest

from tools.check_package import (
    DT_NEEDED,
    DT_NULL,
    DT_STRTAB,
    DT_VERNEED,
    DT_VERNEEDNUM,
    EM_X86_64,
    MIB,
    PT_DYNAMIC,
    PT_LOAD,
    SYSTEM_LIBRARIES,
    ElfError,
    check,
    main,
    read_elf,
    tag_accepted,
    wheel_tags,
)

EM_AARCH64 = 183
DT_STRSZ = 10
MANYLINUX = "cp313-cp313-manylinux_2_28_x86_64"


def make_elf(needed: tuple[str, ...] = ("libc.so.6",), glibc: str | None = "2.17", machine: int = EM_X86_64) -> bytes:
    """A minimal ELF64 shared object whose dynamic section needs `needed` and, with `glibc`, GLIBC_<glibc>."""
    strings = bytearray(b"\0")
    offsets: dict[str, int] = {}
    for text in (*needed, *(("libc.so.6", f"GLIBC_{glibc}") if glibc else ())):
        if text not in offsets:
            offsets[text] = len(strings)
            strings += text.encode() + b"\0"
    strings += bytes(-len(strings) % 8)
    strtab = 64 + 2 * 56
    verneed_at = strtab + len(strings)
    verneed = b""
    if glibc is not None:  # one Verneed (libc.so.6) with one Vernaux (the version)
        verneed = (struct.pack("<HHIII", 1, 1, offsets["libc.so.6"], 16, 0)
                   + struct.pack("<IHHII", 0, 0, 2, offsets[f"GLIBC_{glibc}"], 0))
    entries = [(DT_NEEDED, offsets[name]) for name in needed] + [(DT_STRTAB, strtab), (DT_STRSZ, len(strings))]
    if glibc is not None:
        entries += [(DT_VERNEED, verneed_at), (DT_VERNEEDNUM, 1)]
    dynamic = b"".join(struct.pack("<qQ", tag, value) for tag, value in [*entries, (DT_NULL, 0)])
    dynamic_at = verneed_at + len(verneed)
    total = dynamic_at + len(dynamic)
    header = struct.pack("<16sHHIQQQIHHHHHH", b"\x7fELF\x02\x01\x01", 3, machine, 1, 0, 64, 0, 0, 64, 56, 2, 64, 0, 0)
    segments = (struct.pack("<IIQQQQQQ", PT_LOAD, 5, 0, 0, 0, total, total, 0x1000)
                + struct.pack("<IIQQQQQQ", PT_DYNAMIC, 6, dynamic_at, dynamic_at, dynamic_at, len(dynamic),
                              len(dynamic), 8))
    return header + segments + bytes(strings) + verneed + dynamic


def wheel(name: str, tags: list[str], files: dict[str, bytes], record: bool = True) -> dict[str, bytes]:
    """An installed wheel as chalice leaves it: its files, WHEEL and (unless told not to) RECORD listing them."""
    dist = f"{name}-1.0.dist-info"
    installed = {**files, f"{dist}/WHEEL": ("Wheel-Version: 1.0\n" + "".join(f"Tag: {t}\n" for t in tags)).encode()}
    if record:
        listed = [*installed, f"{dist}/RECORD"]
        installed[f"{dist}/RECORD"] = "".join(f"{path},sha256=x,1\n" for path in listed).encode()
    return installed


def package(tmp_path: Path, *contents: dict[str, bytes]) -> Path:
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("app.py", "from chalice import Chalice\n")
        for content in contents:
            for name, data in content.items():
                archive.writestr(name, data)
    return path


def good_native_wheel() -> dict[str, bytes]:
    """A manylinux wheel whose extension links a library it bundles (auditwheel style) and libc."""
    return wheel("imaging", [MANYLINUX], {
        "imaging/_core.cpython-313-x86_64-linux-gnu.so": make_elf(("libjpeg-6dc8d115.so.62.4.0", "libc.so.6")),
        "imaging.libs/libjpeg-6dc8d115.so.62.4.0": make_elf(("libc.so.6",), glibc="2.34"),
    })


@pytest.mark.parametrize("tag", [
    "py3-none-any", "cp313-none-any", "cp313-cp313-manylinux1_x86_64", "cp313-cp313-manylinux2010_x86_64",
    "cp313-cp313-manylinux2014_x86_64", "cp313-cp313-manylinux_2_34_x86_64", "cp311-abi3-manylinux_2_34_x86_64",
    "cp313-abi3-manylinux_2_17_x86_64",
])
def test_tags_the_runtime_installs(tag: str) -> None:
    assert tag_accepted(tag)


@pytest.mark.parametrize("tag", [
    "cp313-cp313-linux_x86_64",            # built from source on some machine
    "cp313-cp313-manylinux_2_35_x86_64",   # newer glibc than Amazon Linux 2023's 2.34
    "cp313-cp313-musllinux_1_2_x86_64", "cp313-cp313-manylinux_2_28_aarch64", "cp313-cp313-macosx_11_0_arm64",
    "cp313-cp313-win_amd64", "cp311-cp311-manylinux_2_17_x86_64", "cp314-cp314-manylinux_2_17_x86_64",
    "cp314-abi3-manylinux_2_17_x86_64", "cp313-cp313t-manylinux_2_17_x86_64", "py2-none-any", "not-a-tag",
])
def test_tags_the_runtime_refuses(tag: str) -> None:
    assert not tag_accepted(tag)


def test_compressed_tag_sets_are_expanded() -> None:
    assert wheel_tags("Wheel-Version: 1.0\nTag: py2.py3-none-any\n") == ["py2-none-any", "py3-none-any"]


def test_the_reader_follows_the_dynamic_section() -> None:
    elf = read_elf(make_elf(("libjpeg.so.62", "libc.so.6"), glibc="2.28"))
    assert (elf.machine, elf.needed, elf.glibc) == (EM_X86_64, ("libjpeg.so.62", "libc.so.6"), (2, 28))
    with pytest.raises(ElfError):
        read_elf(b"\x7fELF\x01\x01" + bytes(60))


def test_the_reader_on_a_real_extension_from_the_venv() -> None:
    """Pillow's _imaging, as pip installed it here: every library it needs is bundled or a system one."""
    spec = importlib.util.find_spec("PIL._imaging")
    assert spec is not None and spec.origin is not None
    elf = read_elf(Path(spec.origin).read_bytes())
    bundled = {path.name for path in Path(spec.origin).parent.parent.joinpath("pillow.libs").iterdir()}
    assert elf.machine == EM_X86_64 and "libc.so.6" in elf.needed
    assert set(elf.needed) <= bundled | SYSTEM_LIBRARIES
    assert elf.glibc is not None and elf.glibc <= (2, 34)


def test_a_package_of_manylinux_and_pure_wheels_passes(tmp_path: Path) -> None:
    real = importlib.util.find_spec("PIL._imagingmath")
    assert real is not None and real.origin is not None
    pillow = wheel("pillow", wheel_tags(importlib.metadata.distribution("pillow").read_text("WHEEL") or ""),
                   {"PIL/_imagingmath.cpython-313-x86_64-linux-gnu.so": Path(real.origin).read_bytes()})
    pure = wheel("requests", ["py3-none-any"], {"requests/__init__.py": b""})
    report = check(package(tmp_path, good_native_wheel(), pillow, pure))
    assert report.problems == []
    assert any("unzipped" in line and "head-room" in line for line in report.lines)


def test_a_wheel_built_from_source_is_refused_with_its_native_code(tmp_path: Path) -> None:
    built = wheel("pillow", ["cp313-cp313-linux_x86_64"], {"PIL/_imaging.cpython-313-x86_64-linux-gnu.so": make_elf()})
    problems = check(package(tmp_path, built)).problems
    assert any("pillow-1.0.dist-info: wheel tags cp313-cp313-linux_x86_64" in p for p in problems)
    assert any(p.startswith("PIL/_imaging.cpython-313-x86_64-linux-gnu.so: native code from pillow") for p in problems)


def test_a_library_neither_bundled_nor_allowed_is_refused(tmp_path: Path) -> None:
    extension = make_elf(("libjpeg.so.62", "libxcb.so.1", "libz.so.1", "libc.so.6"))
    problems = check(package(tmp_path, wheel("pillow", [MANYLINUX], {"PIL/_imaging.so": extension}))).problems
    assert problems == [
        "PIL/_imaging.so: links libjpeg.so.62, which is neither in the package nor a library manylinux wheels "
        "may take from the system",
        "PIL/_imaging.so: links libxcb.so.1, which is neither in the package nor a library manylinux wheels "
        "may take from the system",
    ]


def test_native_code_from_no_wheel_is_refused(tmp_path: Path) -> None:
    problems = check(package(tmp_path, {"vendor/_speedups.so": make_elf()},
                             wheel("orphan", [MANYLINUX], {"orphan/_c.so": make_elf()}, record=False))).problems
    assert sorted(problems) == ["orphan/_c.so: native code that no *.dist-info/RECORD lists (not from a wheel)",
                                "vendor/_speedups.so: native code that no *.dist-info/RECORD lists (not from a wheel)"]


def test_a_newer_glibc_or_another_machine_is_refused(tmp_path: Path) -> None:
    files = {"fast/_a.so": make_elf(glibc="2.38"), "fast/_b.so": make_elf(machine=EM_AARCH64)}
    problems = check(package(tmp_path, wheel("fast", [MANYLINUX], files))).problems
    assert problems == ["fast/_a.so: needs GLIBC_2.38, newer than the runtime's 2.34",
                        f"fast/_b.so: built for ELF machine {EM_AARCH64}, not x86-64 ({EM_X86_64})"]


def test_a_package_over_the_budget_fails(tmp_path: Path) -> None:
    path = package(tmp_path, wheel("big", ["py3-none-any"], {"big/data.bin": bytes(2 * MIB)}))
    assert check(path, budget=MIB).problems == ["unzipped size 2.0 MiB is over the budget of 1.0 MiB"]
    assert check(path).problems == []


def test_the_command_prints_figures_and_exits_1_on_problems(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    good = package(tmp_path, good_native_wheel())
    assert main([str(good)]) == 0
    assert "OK:" in capsys.readouterr().out
    bad = tmp_path / "bad" / "deployment.zip"
    bad.parent.mkdir()
    package(bad.parent, wheel("pillow", ["cp311-cp311-linux_x86_64"], {}))
    assert main([str(bad)]) == 1
    out = capsys.readouterr().out
    assert "zipped" in out and "FAILED: 1 problem(s)" in out and "cp311-cp311-linux_x86_64" in out
    assert main([str(tmp_path / "missing.zip")]) == 1
