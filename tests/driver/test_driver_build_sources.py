"""`xenkit driver build` with the vendor's source: a stand-in for Intel's scsi_dh_alua source RPM inside a zip,
and the archives and RPMs it refuses before any build starts.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.driver.test_driver_build import Xenkit


def zip_of(path: Path, members: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as zipped:
        for name, data in members.items():
            zipped.writestr(name, data)
    return path


@pytest.mark.integration
def test_vendor_source_problems(xenkit: Xenkit, workdir: Path, vendor_srpm: Path) -> None:
    data = vendor_srpm.read_bytes()
    cases = {
        "no member": (zip_of(workdir / "a.zip", {"RHEL6/readme.txt": b"x"}),
                      'no member matches "scsi_dh_alua_CBVTrak-*.src.rpm"; it holds: RHEL6/readme.txt'),
        "truncated": (zip_of(workdir / "b.zip", {"RHEL6/scsi_dh_alua_CBVTrak-2-1.src.rpm": data[:-200]}),
                      "truncated"),
        "not an rpm": (zip_of(workdir / "c.zip", {"scsi_dh_alua_CBVTrak-2-1.src.rpm": b"<html>404</html>"}),
                       "not an RPM"),
        "bad zip": (workdir / "d.zip", "not a readable zip"),
    }
    (workdir / "d.zip").write_bytes(b"PK\x03\x04 broken")
    for case, (source, shown) in cases.items():
        result = xenkit("driver", "build", "scsi_dh_alua", "--local", "--kernel", "1.2.3", "--source", str(source))
        assert result.code == 2, (case, result.err)
        assert shown in result.err, (case, result.err)
        assert "Traceback" not in result.err


@pytest.mark.integration
def test_running_kernel_recipe_refuses_other_kernel(xenkit: Xenkit, workdir: Path, vendor_srpm: Path) -> None:
    """scsi_dh_alua builds for the build host's own kernel: a different --kernel stops before the upload."""
    archive = zip_of(workdir / "RHEL6_MPIO_Setup_20110712.zip",
                     {"RHEL6_MPIO_Setup/scsi_dh_alua_CBVTrak-2-1.src.rpm": vendor_srpm.read_bytes()})
    result = xenkit("driver", "build", "scsi_dh_alua", "--local", "--kernel", "2.6.32.12-0.7.1.xs6.0.2.542.170665xen",
                    "--source", str(archive))
    assert result.code == 1
    assert f"local runs kernel {os.uname().release}, but --kernel is 2.6.32.12" in result.err
    assert "source: " in result.err and "RHEL6_MPIO_Setup/scsi_dh_alua_CBVTrak-2-1.src.rpm" in result.err



@pytest.mark.integration
def test_odd_archives_are_usage_errors(xenkit: Xenkit, workdir: Path, vendor_srpm: Path) -> None:
    import zipfile

    encrypted = workdir / "RHEL6.ZIP"  # upper-case suffix: still a zip
    zip_of(encrypted, {"scsi_dh_alua_CBVTrak-2-1.src.rpm": vendor_srpm.read_bytes()})
    data = bytearray(encrypted.read_bytes())
    data[6] |= 1  # the local header's "encrypted" flag
    central = data.rfind(b"PK\x01\x02")
    data[central + 8] |= 1  # and the central directory's
    encrypted.write_bytes(bytes(data))
    with zipfile.ZipFile(encrypted) as check:
        assert check.infolist()[0].flag_bits & 1
    result = xenkit("driver", "build", "scsi_dh_alua", "--local", "--kernel", "1.2.3", "--source", str(encrypted))
    assert result.code == 2, result.err
    assert "not a readable zip" in result.err and "encrypted" in result.err
