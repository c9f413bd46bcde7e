"""The installed xenkit console script on bad input: exit 2, no traceback (unless --debug), no password shown,
nothing written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.test_cli_bad_input import COMMANDS, SECRET, SITE, build

XENKIT = Path(sys.executable).parent / "xenkit"


def run_xenkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(XENKIT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.parametrize("command", list(COMMANDS))
def test_script_bad_input(tmp_path: Path, command: str) -> None:
    (tmp_path / "pw.txt").write_text(SECRET + "\n", encoding="utf-8")
    args = build(command, gateway="198.51.100.1")
    if command == "kickstart":
        args = build(command, timezone="Nowhere/Town", root_password_hash=None, root_password_file="pw.txt")
    run = run_xenkit(*args, "-o", "out.txt", cwd=tmp_path)
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert SECRET not in run.stderr
    assert run.stderr.startswith("error: ")
    assert len(run.stderr.splitlines()) <= 2
    assert sorted(os.listdir(tmp_path)) == ["pw.txt"]


def test_script_site_errors(tmp_path: Path) -> None:
    shutil.copy(SITE, tmp_path / "site.toml")
    (tmp_path / "bad.toml").write_text("[[vm]]\nname = 'x'\nbogus = 1\n", encoding="utf-8")
    run = run_xenkit("render", "bad.toml", "-o", "out", cwd=tmp_path)
    assert run.returncode == 2
    assert "Traceback" not in run.stderr
    assert "unknown field 'bogus'" in run.stderr
    assert run_xenkit("render", "missing.toml", "-o", "out", cwd=tmp_path).returncode == 2
    assert not (tmp_path / "out").exists()


def test_script_debug_shows_the_traceback(tmp_path: Path) -> None:
    run = run_xenkit("--debug", *build("bootargs", ip="192.0.2.300/24"), cwd=tmp_path)
    assert run.returncode != 0
    assert "Traceback" in run.stderr
    assert "192.0.2.300" in run.stderr
