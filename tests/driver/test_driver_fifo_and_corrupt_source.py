"""Inputs of the driver commands that must be refused at once: a FIFO named as an RPM or bundle (never waited
on), and a vendor source RPM whose digests say it was changed after it was built."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Xenkit
from tests.driver.test_driver_build_sources import zip_of
from tests.support.driver_rpms import flip_byte


@pytest.mark.parametrize("command", [["driver", "verify"], ["driver", "verify", "--json"]])
def test_a_fifo_given_to_driver_verify_is_refused_at_once(tmp_path: Path, command: list[str]) -> None:
    fifo = tmp_path / "driver.rpm"
    os.mkfifo(fifo)
    # A child process with a deadline: a regression waits for a writer forever instead of failing.
    result = subprocess.run([sys.executable, "-m", "toolkit", *command, str(fifo), "--kernel", "1.2.3"],
                            capture_output=True, text=True, timeout=30, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 2, result.stderr
    assert f"{fifo}: not a regular file" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr


@pytest.mark.integration
def test_a_vendor_source_rpm_with_wrong_digests_is_refused(xenkit: Xenkit, workdir: Path, vendor_srpm: Path) -> None:
    """The build host installs the source RPM with --nomd5, so its digests are checked here, before the upload."""
    tampered = flip_byte(vendor_srpm, b"stand-in", workdir / vendor_srpm.name)
    archive = zip_of(workdir / "RHEL6_MPIO_Setup_20110712.zip",
                     {f"RHEL6_MPIO_Setup/{vendor_srpm.name}": tampered.read_bytes()})
    result = xenkit("driver", "build", "scsi_dh_alua", "--local", "--kernel", "1.2.3", "--source", str(archive))
    assert result.code == 2, result.err
    assert "corrupt: its digests differ" in result.err and "download it again" in result.err
