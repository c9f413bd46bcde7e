"""Fixtures of the driver build tests."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.remote_helpers import isolate_home


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME and step store of the test's own, and the test directory as the working directory."""
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def vendor_srpm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A stand-in for Intel's scsi_dh_alua_CBVTrak-2-1.src.rpm (not redistributable): same names."""
    require_program("rpmbuild")
    top = tmp_path_factory.mktemp("vendor")
    (top / "scsi_dh_alua.spec").write_text(
        "Name: scsi_dh_alua_CBVTrak\nVersion: 2\nRelease: 1\nSummary: stand-in\nLicense: GPL\n"
        "Source0: scsi_dh_alua.c\n%description\nstand-in\n%prep\n%build\n%install\n%files\n")
    (top / "scsi_dh_alua.c").write_text("/* stand-in */\n")
    made = subprocess.run(["rpmbuild", "-bs", "--define", f"_topdir {top}", "--define", f"_sourcedir {top}",
                           "--define", f"_srcrpmdir {top}", str(top / "scsi_dh_alua.spec")],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    return top / "scsi_dh_alua_CBVTrak-2-1.src.rpm"
