"""toolkit.driver.elfmodinfo: the .modinfo of .ko files made by gcc or crafted here (and read by readelf too),
and the errors of files that are not such modules.
"""

from __future__ import annotations

import platform
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.driver_rpms import VERMAGIC, craft_elf, gcc_module
from toolkit.driver.elfmodinfo import ModinfoError, kernel_release, read_modinfo

NATIVE = {"x86_64": (64, "x86-64"), "aarch64": (64, "aarch64")}.get(platform.machine())


@pytest.mark.integration
def test_gcc_module_modinfo(tmp_path: Path) -> None:
    info = read_modinfo(gcc_module(tmp_path))
    assert info.vermagic == VERMAGIC.strip()
    assert info.fields["license"] == ("GPL",)
    assert info.fields["alias"] == ("scsi:t-0x00", "scsi:t-0x0d")
    assert info.relocatable and not info.big_endian
    if NATIVE is not None:
        assert (info.elf_class, info.machine) == NATIVE


@pytest.mark.integration
def test_32bit_module_modinfo(tmp_path: Path) -> None:
    info = read_modinfo(gcc_module(tmp_path, m32=True))
    assert (info.elf_class, info.machine, info.vermagic) == (32, "i386", VERMAGIC.strip())


@pytest.mark.parametrize(("bits", "big_endian", "machine", "name"),
                         [(32, False, 3, "i386"), (32, True, 20, "ppc"), (64, False, 62, "x86-64"),
                          (64, True, 22, "s390")])
def test_crafted_elf_modinfo_also_read_by_readelf(
    tmp_path: Path, bits: int, big_endian: bool, machine: int, name: str
) -> None:
    elf = craft_elf(bits, big_endian, machine, b"\0license=GPL\0\0\0vermagic=2.6.32.43-0.4.1.xs1.8.0.835.170778xen "
                    b"SMP mod_unload 686 \0alias=x\0")
    info = read_modinfo(elf)
    assert (info.elf_class, info.big_endian, info.machine, info.relocatable) == (bits, big_endian, name, True)
    assert info.vermagic == "2.6.32.43-0.4.1.xs1.8.0.835.170778xen SMP mod_unload 686"
    assert kernel_release(info.vermagic) == "2.6.32.43-0.4.1.xs1.8.0.835.170778xen"
    readelf = require_program("readelf")
    (tmp_path / "crafted.ko").write_bytes(elf)
    shown = subprocess.run([readelf, "-W", "-h", "-p", ".modinfo", str(tmp_path / "crafted.ko")], capture_output=True,
                           text=True, check=True)
    assert "vermagic=2.6.32.43-0.4.1.xs1.8.0.835.170778xen" in shown.stdout, shown.stdout + shown.stderr
    assert f"ELF{bits}" in shown.stdout and ("big endian" in shown.stdout) == big_endian
    assert shown.stderr == ""


@pytest.mark.parametrize(("data", "reason"), [
    (b"", "not an ELF file"),
    (b"#!/bin/sh\necho not a module\n", "not an ELF file"),
    (craft_elf(64, False, 62, b"license=GPL\0"), "no vermagic"),
    (craft_elf(64, False, 62, b"vermagic=1\0", section=".text"), "no .modinfo section"),
    (b"\x7fELF\x03\x01\x01" + bytes(60), "ELF class 3"),
])
def test_modinfo_errors(data: bytes, reason: str) -> None:
    with pytest.raises(ModinfoError, match=reason):
        read_modinfo(data).vermagic  # noqa: B018


@pytest.mark.parametrize(("bits", "big_endian"), [(32, False), (64, True)])
def test_every_truncation_is_a_modinfo_error(bits: int, big_endian: bool) -> None:
    elf = craft_elf(bits, big_endian, 3, b"vermagic=5.10.0 SMP\0")
    for size in range(len(elf)):
        with pytest.raises(ModinfoError):
            read_modinfo(elf[:size]).vermagic  # noqa: B018


def test_kernel_release() -> None:
    assert kernel_release("5.10.0-xen SMP mod_unload ") == "5.10.0-xen"
    assert kernel_release("  ") == ""
