"""`sr forget`: the plan run by bash against a 6.0.2 simulator pool whose "NFS ISO library" lives on 192.0.2.2,
with a fake `showmount` the test makes answer or hang; and once over SSH."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_program
from tests.support.remote_helpers import XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost
from tests.support.xe_local import LocalXe
from toolkit.errors import UsageError
from toolkit.generate.sr_forget import render_forget

Xenkit = Callable[..., CliResult]
LIBRARY = "NFS ISO library"


def fake_showmount(bin_dir: Path, answers: bool) -> None:
    path = bin_dir / "showmount"
    body = 'echo "Export list for $2:"; echo "/export/iso *"' if answers else "sleep 60"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


@pytest.fixture
def pool(tmp_path: Path) -> LocalXe:
    xe = LocalXe(tmp_path)
    xe.env()  # makes the bin directory with `xe`
    return xe


def forget(pool: LocalXe, *, force: bool = False, timeout: int = 30, **env: str) -> subprocess.CompletedProcess[str]:
    return pool.bash(render_forget(None, LIBRARY, force=force, timeout=timeout, check_timeout=2), **env)


def library(pool: LocalXe) -> str:
    return pool.xe("sr-list", f"name-label={LIBRARY}", "--minimal")


def test_a_server_that_answers_unplug_then_forget_never_destroy(pool: LocalXe) -> None:
    fake_showmount(pool.directory / "bin", answers=True)
    sr = library(pool)
    done = forget(pool)
    assert done.returncode == 0, done.stderr
    assert "the SR's server 192.0.2.2 answers" in done.stdout and "forgotten" in done.stdout
    assert library(pool) == ""
    calls = [c[1] for c in pool.calls()]
    assert calls.index("pbd-unplug") < calls.index("sr-forget") and "sr-destroy" not in calls
    assert sr not in pool.xe("pbd-list", "params=sr-uuid", "--minimal")


def test_a_dead_server_stops_before_any_unplug(pool: LocalXe) -> None:
    fake_showmount(pool.directory / "bin", answers=False)
    done = forget(pool)
    assert done.returncode == 1
    assert "does not answer within 2 s" in done.stderr
    assert "bring up the same export at the same address (192.0.2.2)" in done.stderr and "--force" in done.stderr
    assert "pbd-unplug" not in [c[1] for c in pool.calls()] and library(pool)


def test_force_goes_on_with_a_forced_unplug(pool: LocalXe) -> None:
    fake_showmount(pool.directory / "bin", answers=False)
    done = forget(pool, force=True)
    assert done.returncode == 0, done.stderr
    assert any(c[1] == "pbd-unplug" and "--force" in c for c in pool.calls())
    assert library(pool) == ""


def test_a_hung_unplug_is_reported_not_waited_on(pool: LocalXe) -> None:
    fake_showmount(pool.directory / "bin", answers=True)
    done = forget(pool, timeout=5, XE_SLOW_ON="pbd-unplug:60")
    assert done.returncode == 1
    assert "hangs (no answer in 5 s)" in done.stderr
    assert library(pool) and pool.xe("pbd-list", f"sr-uuid={library(pool)}", "currently-attached=true", "--minimal")


def test_bad_selection_is_a_usage_error() -> None:
    for args in ((None, None), ("x", "y"), ("not-a-uuid", None)):
        with pytest.raises(UsageError):
            render_forget(args[0], args[1], force=False, timeout=10, check_timeout=1)
    with pytest.raises(UsageError):
        render_forget(None, "a\nb", force=False, timeout=10, check_timeout=1)


def test_over_ssh(xenkit: Xenkit, ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    require_program("bash")
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "dom0", ssh_host)
    xe = XeHost(ssh_host, tmp_path)
    fake_showmount(ssh_host.bin_dir, answers=True)
    result = xenkit("sr", "forget", "--host", "dom0", "--sr-name", LIBRARY)
    assert result.code == 0, result.err
    assert result.out == "dom0: SR forgotten\n" and xe.xe("sr-list", f"name-label={LIBRARY}", "--minimal") == ""
    missing = xenkit("sr", "forget", "--host", "dom0", "--sr-name", LIBRARY)
    assert missing.code == 1 and 'no SR is named "NFS ISO library"' in missing.err


def test_on_a_xenserver_8_pool_too(tmp_path: Path) -> None:
    pool = LocalXe(tmp_path, release="8.4")
    pool.env()
    fake_showmount(pool.directory / "bin", answers=True)
    done = forget(pool)
    assert done.returncode == 0, done.stderr
    assert library(pool) == ""
