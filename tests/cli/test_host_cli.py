"""`xenkit host check|run|put|get` against a real sshd test host (the progress bar has its own tests in
tests/remote/test_transfer_progress.py)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost


@pytest.fixture
def box(ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SshTestHost:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "box", ssh_host)
    return ssh_host


def test_check_and_run(box: SshTestHost, capfd: pytest.CaptureFixture[str]) -> None:
    from toolkit.cli.main import main

    assert main(["host", "check", "--host", "box"]) == 0
    assert capfd.readouterr().out.strip().endswith(": ok")
    code = main(["host", "run", "--host", "box", "--", "sh", "-c", "echo out; echo err >&2; exit 3"])
    out, err = capfd.readouterr()  # run relays the host's bytes straight to our file descriptors
    assert code == 3 and "out\n" in out and "err\n" in err


def test_put_and_get(xenkit: Xenkit, box: SshTestHost, tmp_path: Path) -> None:
    local = tmp_path / "bundle.tar.gz"
    data = os.urandom(1_500_000)
    local.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    remote = tmp_path / "remote" / "bundle.tar.gz"
    remote.parent.mkdir()
    put = xenkit("host", "put", str(local), str(remote), "--host", "box")
    assert put.code == 0, put.err
    assert put.out == f"{digest}  {remote}\n" and remote.read_bytes() == data
    assert "sha256 ok" in put.err
    back = tmp_path / "back"
    back.mkdir()
    got = xenkit("host", "get", str(remote), str(back), "--host", "box")
    assert got.code == 0 and (back / "bundle.tar.gz").read_bytes() == data
    relative = xenkit("host", "put", str(local), "relative/path", "--host", "box")
    assert relative.code == 2 and "absolute path" in relative.err


def test_put_to_a_directory_that_does_not_exist(xenkit: Xenkit, box: SshTestHost, tmp_path: Path) -> None:
    local = tmp_path / "f"
    local.write_bytes(b"x")
    result = xenkit("host", "put", str(local), str(tmp_path / "no" / "such" / "dir" / "f"), "--host", "box")
    assert result.code == 2 and "/no/such/dir/f: its directory does not exist" in result.err
    assert "Traceback" not in result.err
