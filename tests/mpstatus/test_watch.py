"""`xenkit multipath watch` against a real sshd test host: its fake `multipath -ll` prints a state file the test
rewrites while the watch runs (a storage controller pulled and pushed back), and the test appends multipathd and
kernel lines to the log file the watch follows."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost

DATA = Path(__file__).parent / "data"
SEED = (DATA / "bracket-seed.txt").read_text(encoding="utf-8")
SCM1_PULLED = SEED.replace("\\_ round-robin 0 [prio=50][active]\n\\_ 0:0:2:0 sda 8:0 [active][ready]\n", "").replace(
    "[prio=1][enabled]\n\\_ 0:0:1:0 sdc", "[prio=1][active]\n\\_ 0:0:1:0 sdc")  # the other controller takes over
SECOND_MAP_DOWN = SEED.replace(" \\_ 0:0:2:10 sde 8:64 [active][ready]", " \\_ 0:0:2:10 sde 8:64 [failed][faulty]") \
    .replace(" \\_ 0:0:1:10 sdd 8:48 [active][ready]", " \\_ 0:0:1:10 sdd 8:48 [failed][faulty]")
REPO = Path(__file__).resolve().parents[2]


@dataclass
class WatchedHost:
    host: SshTestHost
    state: Path
    log: Path
    workdir: Path

    def set_state(self, text: str) -> None:
        part = self.state.with_suffix(".part")
        part.write_text(text, encoding="utf-8")
        part.replace(self.state)

    def log_line(self, line: str) -> None:
        with self.log.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")

    def start(self, *args: str) -> subprocess.Popen[str]:
        argv = [sys.executable, "-m", "toolkit", "multipath", "watch", "--host", "dom0", "--interval", "0.3",
                "--syslog", str(self.log), *args]
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        return subprocess.Popen(argv, cwd=self.workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True)


@pytest.fixture
def watched(ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[WatchedHost]:
    isolate_home(monkeypatch, tmp_path / "home")
    write_hosts_file(tmp_path, "dom0", ssh_host)
    state, log = tmp_path / "multipath-state.txt", tmp_path / "messages"
    state.write_text(SEED, encoding="utf-8")
    log.write_text("Dec  3 11:00:00 xenserver1 multipathd: an old line the watch must not show\n", encoding="utf-8")
    fake = ssh_host.bin_dir / "multipath"
    fake.write_text(f'#!/bin/sh\n[ "$1" = -ll ] || exit 2\ncat {state}\n', encoding="utf-8")
    fake.chmod(0o755)
    yield WatchedHost(ssh_host, state, log, tmp_path)


def wait_for(proc: subprocess.Popen[str], seconds: float) -> None:
    """Let the watch run (it must still be running: an early exit is a failure worth seeing)."""
    time.sleep(seconds)
    if proc.poll() is not None:
        out, err = proc.communicate()
        pytest.fail(f"the watch ended early ({proc.returncode}): {out}\n{err}")


def test_a_pulled_controller_is_recorded_with_its_log_lines_and_report(watched: WatchedHost) -> None:
    report = watched.workdir / "failover.md"
    proc = watched.start("--duration", "8", "--report", str(report))
    wait_for(proc, 2.0)
    watched.set_state(SCM1_PULLED)
    watched.log_line("Dec  3 12:00:01 xenserver1 multipathd: sda: mark as failed")
    watched.log_line("Dec  3 12:00:01 xenserver1 xapi: not a storage line")
    watched.log_line("Dec  3 12:00:01 xenserver1 kernel: sd 0:0:2:0: rejecting I/O to offline device")
    wait_for(proc, 2.0)
    watched.set_state(SEED)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "22202000155fdb615  path removed: sda (0:0:2:0) was active ready" in out
    assert "22202000155fdb615  group switched: active group 1 (sda) -> 1 (sdc)" in out
    assert "22202000155fdb615  path added: sda (0:0:2:0) active ready" in out
    assert "log  Dec  3 12:00:01 xenserver1 multipathd: sda: mark as failed" in out
    assert "not a storage line" not in out and "an old line" not in out
    assert "22202000155fdb615: 4 event(s), fewest usable paths 1, degraded" in out
    text = report.read_text(encoding="utf-8")
    for part in ("# Multipath watch on dom0", "## Status before", "## Events", "## Summary", "## Status after",
                 "kernel: sd 0:0:2:0: rejecting I/O to offline device", "| `22202000155fdb615` | 4 | 1 |"):
        assert part in text, part


def test_a_map_with_no_usable_path_fails_the_watch_and_json_says_so(watched: WatchedHost) -> None:
    proc = watched.start("--duration", "5", "--json")
    wait_for(proc, 1.5)
    watched.set_state(SECOND_MAP_DOWN)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert "error: a map had no usable path during the watch" in err
    assert "222ac00015543fe63  no usable paths: 0 of 2 paths usable" in err
    data = json.loads(out)
    summary = {s["map"]: s for s in data["summary"]}
    assert summary["222ac00015543fe63"]["ever_zero_paths"] is True
    assert summary["222ac00015543fe63"]["zero_paths_seconds"] > 0
    assert summary["22202000155fdb615"]["ever_zero_paths"] is False
    assert [e["kind"] for e in data["events"]].count("path state") == 2
    assert len(data["before"]["maps"]) == 2 and data["after"]["maps"][1]["path_groups"][0]["paths"][0][
        "checker_state"] == "faulty"


def test_ctrl_c_ends_the_watch_with_its_summary(watched: WatchedHost) -> None:
    proc = watched.start()
    wait_for(proc, 2.0)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "interrupted: the summary follows" in out
    assert "22202000155fdb615: 0 event(s), fewest usable paths 2" in out


def test_a_dropped_connection_is_reported_and_the_watch_goes_on(watched: WatchedHost) -> None:
    proc = watched.start("--duration", "12")
    wait_for(proc, 2.0)
    watched.host.stop()
    watched.set_state(SCM1_PULLED)
    wait_for(proc, 2.0)
    watched.host.start()
    out, err = proc.communicate(timeout=90)
    assert proc.returncode == 0, err
    assert "connection lost:" in out and "trying again" in out
    assert "22202000155fdb615  path removed: sda" in out  # seen after the connection came back
    assert "connection lost" in out.split("22202000155fdb615  path removed")[0]


def test_watch_needs_a_host_and_a_writable_report(tmp_path: Path) -> None:
    from toolkit.cli.main import main

    assert main(["multipath", "watch"]) == 2
    assert main(["multipath", "watch", "--host", "h", "--report", str(tmp_path / "no" / "r.md")]) == 2
    assert main(["multipath", "watch", "--host", "h", "--syslog", "var/log/messages"]) == 2
