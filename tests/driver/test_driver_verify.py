"""`xenkit driver verify`: real RPMs built here with rpmbuild, holding .ko files made by gcc (or crafted ELF)."""

from __future__ import annotations

import gzip
import itertools
import json
import lzma
import platform
import struct
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Xenkit, require_program
from toolkit.driver.elfmodinfo import ModinfoError, kernel_release, read_modinfo
from toolkit.driver.rpm_inspect import inspect_rpm, verify
from toolkit.errors import UsageError

KVER = "5.10.0-xen"
OTHER = "4.19.0+1"
VERMAGIC = f"{KVER} SMP mod_unload "
EXTRA = f"/lib/modules/{KVER}/extra"
NATIVE = {"x86_64": (64, "x86-64"), "aarch64": (64, "aarch64")}.get(platform.machine())
_counter = itertools.count()

MODULE_C = """\
static const char __mod_vermagic[] __attribute__((section(".modinfo"), used)) = "vermagic=%s";
static const char __mod_license[] __attribute__((section(".modinfo"), used)) = "license=GPL";
static const char __mod_alias1[] __attribute__((section(".modinfo"), used)) = "alias=scsi:t-0x00";
static const char __mod_alias2[] __attribute__((section(".modinfo"), used)) = "alias=scsi:t-0x0d";
int xenkit_test_init(void) { return 0; }
"""


# --- .ko files ---------------------------------------------------------------------------------------------------

def gcc_module(tmp_path: Path, vermagic: str = VERMAGIC, m32: bool = False) -> bytes:
    """A relocatable object with a .modinfo section, as kbuild makes one (gcc -c)."""
    gcc = require_program("gcc")
    number = next(_counter)
    source, obj = tmp_path / f"mod{number}.c", tmp_path / f"mod{number}.ko"
    source.write_text(MODULE_C % vermagic, encoding="ascii")
    result = subprocess.run([gcc, *(["-m32"] if m32 else []), "-c", str(source), "-o", str(obj)],
                            capture_output=True, text=True, check=False)
    if result.returncode != 0:
        if m32:  # no multilib: a hand-made ELF32 i386 object stands in
            return craft_elf(32, False, 3, f"vermagic={vermagic}\0license=GPL\0".encode())
        pytest.fail(result.stderr)
    return obj.read_bytes()


def craft_elf(bits: int, big_endian: bool, machine: int, modinfo: bytes, *, e_type: int = 1,
              section: str = ".modinfo") -> bytes:
    """A minimal ELF: sections null, `section` (holding `modinfo`), .shstrtab; no program headers."""
    order = ">" if big_endian else "<"
    header = struct.Struct(order + ("HHIIIIIHHHHHH" if bits == 32 else "HHIQQQIHHHHHH"))
    shdr = struct.Struct(order + ("IIIIIIIIII" if bits == 32 else "IIQQQQIIQQ"))
    names = b"\0" + section.encode() + b"\0.shstrtab\0"
    ehsize = 16 + header.size
    modinfo_at = ehsize
    names_at = modinfo_at + len(modinfo)
    shoff = (names_at + len(names) + 7) // 8 * 8
    ident = b"\x7fELF" + bytes([1 if bits == 32 else 2, 2 if big_endian else 1, 1]) + bytes(9)
    elf = bytearray(ident + header.pack(e_type, machine, 1, 0, 0, shoff, 0, ehsize, 0, 0, shdr.size, 3, 2))
    elf += modinfo + names
    elf += bytes(shoff - len(elf))
    elf += shdr.pack(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    elf += shdr.pack(1, 1, 2, 0, modinfo_at, len(modinfo), 0, 0, 1, 0)  # PROGBITS, ALLOC
    elf += shdr.pack(2 + len(section), 3, 0, 0, names_at, len(names), 0, 0, 1, 0)  # STRTAB
    return bytes(elf)


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


# --- RPMs ----------------------------------------------------------------------------------------------------------

def build_rpm(tmp_path: Path, files: dict[str, bytes], *, group: str = "System Environment/Kernel",
              payload: str | None = None, target: str | None = None, links: dict[str, str] | None = None,
              source: bool = False) -> Path:
    """rpmbuild -bb (or -bs) a package that installs `files` (path -> content) and hard `links` (new -> existing)."""
    rpmbuild = require_program("rpmbuild")
    top = tmp_path / f"rpmbuild{next(_counter)}"
    (top / "SOURCES").mkdir(parents=True)
    install, listed = [], []
    for number, (dest, data) in enumerate(files.items()):
        (top / "SOURCES" / f"file{number}").write_bytes(data)
        install.append(f"install -D -m 0644 %{{_sourcedir}}/file{number} %{{buildroot}}{dest}")
        listed.append(dest)
    for new, existing in (links or {}).items():
        install.append(f"mkdir -p %{{buildroot}}{Path(new).parent} && ln %{{buildroot}}{existing} %{{buildroot}}{new}")
        listed.append(new)
    spec = top / "xenkit-test.spec"
    spec.write_text("\n".join([
        "Name: xenkit-test-driver", "Version: 1.2", "Release: 3.xs", "Summary: a test driver", "License: GPL",
        f"Group: {group}", "AutoReqProv: no", "%global debug_package %{nil}", "%global __os_install_post %{nil}",
        "%description", "A driver RPM for xenkit's tests.", "%install", *install, "%files", *listed, "",
    ]), encoding="utf-8")
    args = [rpmbuild, "--define", f"_topdir {top}", "-bs" if source else "-bb", str(spec)]
    args += ["--define", f"_binary_payload {payload}"] if payload else []
    args += ["--target", target] if target else []
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    (rpm,) = top.glob("SRPMS/*.rpm" if source else "RPMS/*/*.rpm")
    return rpm


def rpm_query(rpm: Path, *args: str) -> str:
    return subprocess.run([require_program("rpm"), "-qp", *args, str(rpm)], capture_output=True, text=True,
                          check=True).stdout


def only_error_lines(err: str) -> list[str]:
    assert "Traceback" not in err
    lines = err.splitlines()
    assert all(line.startswith(("error: ", "hint: ", "warning: ", "ok: ")) for line in lines), err
    return [line for line in lines if line.startswith("error: ")]


@pytest.mark.integration
@pytest.mark.parametrize("payload", ["w2.xzdio", "w9.gzdio", "w9.bzdio", None])
def test_good_rpm_passes_and_reads_as_rpm_does(tmp_path: Path, xenkit: Xenkit, payload: str | None) -> None:
    ko = gcc_module(tmp_path)
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": ko, "/usr/share/doc/xenkit-test-driver/README": b"read me\n"},
                    payload=payload)
    info = inspect_rpm(rpm)
    queried = rpm_query(rpm, "--queryformat", "%{NAME} %{VERSION} %{RELEASE} %{ARCH}|%{GROUP}|%{PAYLOADCOMPRESSOR}")
    assert f"{info.name} {info.version} {info.release} {info.arch}|{info.group}|{info.compression}" == queried
    assert list(info.files) == rpm_query(rpm, "-l").splitlines()
    assert [m.path for m in info.modules] == [f"{EXTRA}/test.ko"]
    assert (info.modules[0].vermagic, info.modules[0].kernel_release) == (VERMAGIC.strip(), KVER)
    assert verify([info], KVER).errors == ()
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    assert result.code == 0, result.err
    assert "xenkit-test-driver-1.2-3.xs." in result.out
    assert f'{EXTRA}/test.ko  vermagic "{VERMAGIC.strip()}"' in result.out
    assert only_error_lines(result.err) == []
    assert result.err == f"ok: 1 module(s) in 1 RPM(s) fit kernel {KVER}\n"


@pytest.mark.integration
def test_wrong_kernel_shows_both_values(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"/lib/modules/{OTHER}/extra/test.ko": gcc_module(tmp_path)})
    result = xenkit("driver", "verify", str(rpm), "--kernel", OTHER)
    assert result.code == 1
    errors = only_error_lines(result.err)
    assert errors == [f'error: {rpm.name}: module /lib/modules/{OTHER}/extra/test.ko: vermagic says {KVER}, '
                      f'expected {OTHER} (vermagic "{VERMAGIC.strip()}")']
    assert "Invalid module format" in result.err  # the hint says why it matters


@pytest.mark.parametrize(("path", "shown"), [
    (f"/lib/modules/{OTHER}/extra/test.ko", f"installs for kernel {OTHER}"),
    (f"/lib/modules/{OTHER}/updates/test.ko", f"installs for kernel {OTHER}"),
    ("/usr/lib/xenkit/test.ko", "is not in a driver directory"),
    (f"/lib/modules/{KVER}/kernel/drivers/scsi/test.ko", "is not in a driver directory"),
])
@pytest.mark.integration
def test_module_in_the_wrong_place(tmp_path: Path, xenkit: Xenkit, path: str, shown: str) -> None:
    rpm = build_rpm(tmp_path, {path: gcc_module(tmp_path)})
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    assert result.code == 1
    assert only_error_lines(result.err) == [f"error: {rpm.name}: module {path}: {shown}, expected under "
                                            f"/lib/modules/{KVER}/extra/ or /lib/modules/{KVER}/updates/"]


@pytest.mark.integration
def test_updates_directory_and_compressed_and_hard_linked_modules(tmp_path: Path, xenkit: Xenkit) -> None:
    ko = gcc_module(tmp_path)
    files = {f"/lib/modules/{KVER}/updates/a.ko": ko, f"{EXTRA}/vendor/b.ko.xz": lzma.compress(ko),
             f"{EXTRA}/c.ko.gz": gzip.compress(ko)}
    rpm = build_rpm(tmp_path, files, links={f"{EXTRA}/a-link.ko": f"/lib/modules/{KVER}/updates/a.ko"})
    info = inspect_rpm(rpm)
    assert sorted(m.path for m in info.modules) == sorted([*files, f"{EXTRA}/a-link.ko"])
    assert {(m.vermagic, m.error) for m in info.modules} == {(VERMAGIC.strip(), None)}
    assert xenkit("driver", "verify", str(rpm), "--kernel", KVER).code == 0


@pytest.mark.integration
def test_rpm_without_module(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {"/usr/share/doc/xenkit-test-driver/README": b"no module here\n"})
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    assert result.code == 1
    (error,) = only_error_lines(result.err)
    assert error.startswith(f"error: {rpm.name}: xenkit-test-driver-1.2-3.xs.") and "holds no kernel module" in error


@pytest.mark.integration
def test_unreadable_module_is_an_error(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/broken.ko": b"\x7fELF\x02\x01\x01", f"{EXTRA}/good.ko": gcc_module(tmp_path)})
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    assert result.code == 1
    assert only_error_lines(result.err) == [f"error: {rpm.name}: module {EXTRA}/broken.ko: truncated: 7 bytes, "
                                            "less than the 16 of the ELF identification"]


@pytest.mark.integration
def test_i686_rpm_needs_32bit_modules(tmp_path: Path, xenkit: Xenkit) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path, m32=True)}, target="i686")
    assert inspect_rpm(good).arch == "i686"
    assert xenkit("driver", "verify", str(good), "--kernel", KVER).code == 0
    bad = build_rpm(tmp_path, {f"{EXTRA}/test.ko": craft_elf(64, False, 62, f"vermagic={VERMAGIC}\0".encode())},
                    target="i686")
    result = xenkit("driver", "verify", str(bad), "--kernel", KVER)
    assert result.code == 1
    assert only_error_lines(result.err) == [f"error: {bad.name}: module {EXTRA}/test.ko: ELF64 x86-64, but the "
                                            "RPM's arch i686 needs ELF32 i386"]


@pytest.mark.integration
def test_group_not_kernel_is_a_warning(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, group="Applications/System")
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    assert result.code == 0
    assert f'warning: {rpm.name}: Group "Applications/System" does not end in /Kernel' in result.err


@pytest.mark.integration
def test_source_rpm_is_refused(tmp_path: Path, xenkit: Xenkit) -> None:
    srpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, source=True)
    result = xenkit("driver", "verify", str(srpm), "--kernel", KVER)
    assert result.code == 1
    assert only_error_lines(result.err) == [f"error: {srpm.name}: is a source RPM; give the binary RPM that "
                                            "rpmbuild wrote (Wrote: ...)"]


@pytest.mark.integration
def test_several_rpms_and_json(tmp_path: Path, xenkit: Xenkit) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/good.ko": gcc_module(tmp_path)})
    bad = build_rpm(tmp_path, {f"{EXTRA}/bad.ko": gcc_module(tmp_path, vermagic=f"{OTHER} SMP")})
    result = xenkit("driver", "verify", str(good), str(bad), "--kernel", KVER, "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert (data["kernel"], data["ok"], data["warnings"]) == (KVER, False, [])
    assert data["errors"] == [f'{bad.name}: module {EXTRA}/bad.ko: vermagic says {OTHER}, expected {KVER} '
                              f'(vermagic "{OTHER} SMP")']
    assert [r["source"] for r in data["rpms"]] == [str(good), str(bad)]
    assert data["rpms"][0]["modules"][0]["vermagic"] == VERMAGIC.strip()
    assert data["rpms"][0]["nvra"] == inspect_rpm(good).nvra
    assert only_error_lines(result.err) == [f"error: {e}" for e in data["errors"]]


@pytest.mark.integration
def test_truncated_rpm_is_bad_input(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w2.xzdio")
    data = rpm.read_bytes()
    for size in (4, 96, 200, 1000, len(data) // 2, len(data) - 40, len(data) - 1):
        cut = tmp_path / f"cut-{size}.rpm"
        cut.write_bytes(data[:size])
        result = xenkit("driver", "verify", str(cut), "--kernel", KVER)
        assert result.code == 2, (size, result.err)
        (error,) = only_error_lines(result.err)
        assert error.startswith(f"error: {cut}: truncated"), error


@pytest.mark.parametrize(("content", "shown"), [(b"", "not an RPM"), (b"\x7fELF not an rpm", "not an RPM"),
                                                (None, "cannot read: No such file or directory")])
def test_not_an_rpm_is_bad_input(tmp_path: Path, xenkit: Xenkit, content: bytes | None, shown: str) -> None:
    path = tmp_path / "driver.rpm"
    if content is not None:
        path.write_bytes(content)
    result = xenkit("driver", "verify", str(path), "--kernel", KVER)
    assert result.code == 2
    assert only_error_lines(result.err) == [f"error: {path}: {shown}" + (" (an RPM starts with the bytes ed ab ee db)"
                                                                          if shown == "not an RPM" else "")]
    with pytest.raises(UsageError):
        inspect_rpm(path)


@pytest.mark.integration
def test_zstd_payload(tmp_path: Path, xenkit: Xenkit) -> None:
    rpm = build_rpm(tmp_path, {f"{EXTRA}/test.ko": gcc_module(tmp_path)}, payload="w19.zstdio")
    if rpm_query(rpm, "--queryformat", "%{PAYLOADCOMPRESSOR}") != "zstd":
        pytest.skip("this rpmbuild writes no zstd payloads")
    result = xenkit("driver", "verify", str(rpm), "--kernel", KVER)
    try:
        import zstandard  # noqa: F401
    except ImportError:
        assert result.code == 2
        assert only_error_lines(result.err) == [f"error: {rpm}: zstd payload, and the Python package zstandard "
                                                "is not installed"]
        assert "hint: pip install zstandard" in result.err
    else:
        assert result.code == 0, result.err


@pytest.mark.parametrize("kver", ["", "5.10 xen", "../5.10"])
def test_bad_kernel_option(tmp_path: Path, xenkit: Xenkit, kver: str) -> None:
    result = xenkit("driver", "verify", str(tmp_path / "x.rpm"), "--kernel", kver)
    assert result.code == 2
    (error,) = only_error_lines(result.err)
    assert error.startswith("error: --kernel: ")


def test_help_teaches_why(xenkit: Xenkit) -> None:
    result = xenkit("driver", "verify", "--help")
    assert result.code == 0
    text = " ".join(result.out.split())
    assert 'insmod: "Invalid module format"' in text and "/lib/modules/KVER/extra/" in text
    missing = xenkit("driver", "verify", "--kernel", KVER)
    assert missing.code == 2 and "Missing argument" in missing.err
