"""`xenkit driver install` as its own process, as a user runs it: Ctrl-C by real SIGINTs while a host runs, and
the progress on a real terminal (a pty) drawn as a live table."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import signal
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest

from tests.rollout.conftest import MakeHosts
from tests.support.ansi_screen import screen

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]


def _xenkit(bundle: Path, cwd: Path, *args: str, stderr: int | IO[str]) -> subprocess.Popen[bytes]:
    """`xenkit driver install BUNDLE --group pool --json ARGS` started; its stdout a pipe."""
    argv = [sys.executable, "-m", "toolkit", "driver", "install", str(bundle), "--group", "pool", "--json", *args]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TERM": "xterm"}
    return subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=stderr)


def test_ctrl_c_waits_for_running_install_sh(make_hosts: MakeHosts, bundle: Path, tmp_path: Path) -> None:
    """Ctrl-C while the canary's install.sh runs: no other host starts; more Ctrl-C while it is waited for are
    answered, not raised; install.sh finishes, the summary is printed, exit 1."""
    hosts = make_hosts(3)
    started, release = hosts[0].fake / "started", hosts[0].fake / "release"
    # the canary's mkinitrd waits until the test has sent its Ctrl-Cs (at most 120 s)
    hosts[0].set_hook(f"touch {started}; n=0; while [ ! -e {release} ] && [ $n -lt 1200 ]; do n=$((n + 1)); "
                      "sleep 0.1; done\n")
    err_file = tmp_path / "stderr"
    with err_file.open("w") as err_out:
        proc = _xenkit(bundle, tmp_path, stderr=err_out)
        assert _until(lambda: started.exists() or proc.poll() is not None, 60) and proc.poll() is None
        proc.send_signal(signal.SIGINT)
        assert _until(lambda: "Ctrl-C: no new host starts" in err_file.read_text(), 30), err_file.read_text()
        for _ in range(3):  # Ctrl-C again, while the running host is waited for
            proc.send_signal(signal.SIGINT)
            time.sleep(0.1)
        assert _until(lambda: "Ctrl-C again" in err_file.read_text(), 30), err_file.read_text()
        release.touch()
        out, _ = proc.communicate(timeout=120)
    err = err_file.read_text()
    assert proc.returncode == 1, err
    assert "Ctrl-C: no new host starts; waiting for the 1 running host(s)" in err and "not killed" in err
    assert "Ctrl-C again: still waiting for the 1 running host(s)" in err and "error: interrupted" not in err
    summary = json.loads(out)
    assert [s["result"] for s in summary] == ["installed, reboot needed", "not started", "not started"]
    assert hosts[0].installed() and all(h.uploaded() == [] for h in hosts[1:])


def test_progress_on_a_terminal_is_a_live_table(make_hosts: MakeHosts, bundle: Path, tmp_path: Path) -> None:
    """stderr on a pty (24 x 100): the table drawn and redrawn in place, a row per host ending with its result;
    none of the plain `HOST: STEP` lines; the JSON summary on stdout (a pipe) as always."""
    hosts = make_hosts(3)
    hosts[1].set_hook("sleep 1.5\n")  # a host still running while the table is redrawn
    parent, child = pty.openpty()
    fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    received: list[bytes] = []

    def read_all() -> None:
        while True:
            try:
                chunk = os.read(parent, 65536)
            except OSError:  # EIO: every holder of the pty's other end has closed it
                return
            if not chunk:
                return
            received.append(chunk)

    reader = threading.Thread(target=read_all, daemon=True)
    reader.start()
    try:
        proc = _xenkit(bundle, tmp_path, "--parallel", "2", stderr=child)
        os.close(child)
        out, _ = proc.communicate(timeout=180)
        reader.join(timeout=30)
    finally:
        os.close(parent)
    raw = b"".join(received).decode()
    assert proc.returncode == 0, raw
    assert [s["result"] for s in json.loads(out)] == ["installed, reboot needed"] * 3
    assert raw.count("\x1b[4F") >= 3, raw  # redrawn in place: up over the header and the 3 rows
    assert f"{hosts[0].name}: connect" not in raw
    shown = screen(raw)
    assert shown[0].split() == ["HOST", "STEP", "ELAPSED"], shown
    assert len(shown) == 4, shown  # the table, drawn over itself: no line left over from a redraw
    for host, row in zip(hosts, shown[1:], strict=True):
        assert row.startswith(f"{host.name}  installed, reboot needed ") and row.endswith("s"), row
        assert len(row) < 100


def _until(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True
