"""`xenkit driver verify` on real RPMs built here with rpmbuild: the modules they hold, for the right kernel,
in the right place and of the right ELF class, or not.
"""

from __future__ import annotations

import gzip
import json
import lzma
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.driver_rpms import (
    EXTRA,
    KVER,
    OTHER,
    VERMAGIC,
    build_rpm,
    craft_elf,
    gcc_module,
    only_error_lines,
    rpm_query,
)
from toolkit.driver.rpm_inspect import inspect_rpm, verify


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
def test_several_rpms_and_json(tmp_path: Path, xenkit: Xenkit) -> None:
    good = build_rpm(tmp_path, {f"{EXTRA}/good.ko": gcc_module(tmp_path)})
    bad = build_rpm(tmp_path, {f"{EXTRA}/bad.ko": gcc_module(tmp_path, vermagic=f"{OTHER} SMP")})
    result = xenkit("driver", "verify", str(good), str(bad), "--kernel", KVER, "--json")
    assert result.code == 1
    data = json.loads(result.out)  # one object per file
    assert [(v["kernel"], v["status"], v["warnings"]) for v in data] == [(KVER, "ok", []), (KVER, "mismatch", [])]
    assert data[0]["errors"] == []
    assert data[1]["errors"] == [f'{bad.name}: module {EXTRA}/bad.ko: vermagic says {OTHER}, expected {KVER} '
                                 f'(vermagic "{OTHER} SMP")']
    assert [r["source"] for v in data for r in v["rpms"]] == [str(good), str(bad)]
    assert data[0]["rpms"][0]["modules"][0]["vermagic"] == VERMAGIC.strip()
    assert data[0]["rpms"][0]["nvra"] == inspect_rpm(good).nvra
    assert only_error_lines(result.err) == [f"error: {e}" for e in data[1]["errors"]]
