"""`xenkit bench disk` in a "guest" that is a real sshd test host: Debian's hdparm and fio against a loop device
(a real block device over a 64 MiB file), and a host with a fio 1.x fake and no python, where what is missing is
reported, not fatal."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_program
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost

Xenkit = Callable[..., CliResult]
DATA = Path(__file__).parent / "data"
QUICK = ["--size", "8m", "--runtime", "5", "--seek-count", "2000", "--seek-seconds", "2"]


@pytest.fixture
def guest(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SshTestHost:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory()
    write_hosts_file(tmp_path, "guest", host)
    return host


def test_real_tools_on_a_loop_device(xenkit: Xenkit, guest: SshTestHost, loop_device: str, tmp_path: Path) -> None:
    require_program("fio")
    require_program("hdparm")
    work = tmp_path / "fio-dir"
    work.mkdir()
    report = tmp_path / "disks.md"
    result = xenkit("bench", "disk", "--host", "guest", "--device", loop_device, "--target-dir", str(work), *QUICK,
                    "--json", "--report", str(report))
    assert result.code == 0, result.err
    (data,) = json.loads(result.out)
    assert data["device"] == loop_device and data["notes"] == []
    assert data["hdparm"]["cached_mb_per_s"] > 0 and data["hdparm"]["buffered_mb_per_s"] > 0
    assert data["seek"]["seeks_per_s"] > 0
    assert [f["job"] for f in data["fio"]] == ["sync", "libaio"]
    assert all(f["iops"] > 0 and f["clat_p99_ms"] is not None for f in data["fio"])
    assert list(work.iterdir()) == []  # fio's file removed
    assert report.read_text().startswith("# Disk benchmark on guest") and (tmp_path / "disks.svg").exists()


def test_missing_tools_are_reported_not_fatal(xenkit: Xenkit, guest: SshTestHost, loop_device: str,
                                              tmp_path: Path) -> None:
    """A guest with no python, fio 1.x (a fake printing the blog's report) and hdparm: seek test and JSON skipped."""
    for tool in ("sh", "cat", "rm", "mktemp", "head", "dirname"):
        (guest.bin_dir / tool).symlink_to(require_program(tool))
    fake = guest.bin_dir / "fio"
    report = DATA / "fio1-sync.txt"
    fake.write_text(f'#!/bin/sh\n[ "$1" = --version ] && {{ echo fio 1.59; exit 0; }}\ncat {report}\n')
    fake.chmod(0o755)
    guest.set_env({"PATH": str(guest.bin_dir)})
    result = xenkit("bench", "disk", "--host", "guest", "--device", loop_device, *QUICK)
    assert result.code == 0, result.err
    assert "note: seek test: no python in the guest" in result.out
    sync_line = next(line for line in result.out.splitlines() if "fio randread 4k sync " in line)
    assert sync_line.endswith("1819 IOPS, 7.1 MB/s, clat avg 0.541 ms, p50 -, p95 -, p99 -")


@pytest.mark.parametrize("args, message", [
    (["--host", "guest"], "give at least one --device"),
    (["--host", "guest", "--device", "xvda"], "--device 'xvda': give an absolute path"),
    (["--host", "guest", "--device", "/dev/a", "--device", "/dev/b", "--target-dir", "/a", "--target-dir", "/b",
      "--target-dir", "/c"], "3 --target-dir for 2 --device"),
    (["--host", "guest", "--device", "/dev/a", "--size", "lots"], "--size 'lots'"),
    (["--device", "/dev/a"], "--host GUEST is required"),
])
def test_bad_input(xenkit: Xenkit, args: list[str], message: str) -> None:
    result = xenkit("bench", "disk", *args)
    assert result.code == 2 and message in result.err, result.err
