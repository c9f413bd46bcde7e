"""Processes the SSH test hosts start, and end: a process and everything it forked, found by pid (never by
name), and a start that dies with pytest.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

TIMEOUT = 10.0  # every wait here is bounded: start-up, shutdown, helper commands


def _stat(pid: int | str) -> list[str]:
    """/proc/PID/stat after the command name: [0] state, [1] parent pid, [19] start time; [] if gone."""
    with suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return []


def _descendants(pid: int) -> dict[int, str]:
    """Every process below `pid`, with its start time (so that a reused pid is never taken for it).

    sshd forks a process tree per connection, each in its own session: only parent links find them all.
    """
    stats = {int(entry.name): _stat(entry.name) for entry in os.scandir("/proc") if entry.name.isdigit()}
    children: dict[int, list[int]] = {}
    for child, stat in stats.items():
        if stat:
            children.setdefault(int(stat[1]), []).append(child)
    found, todo = {}, [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found[child] = stats[child][19]
            todo.append(child)
    return found


def process_alive(pid: int, start: str | None = None) -> bool:
    """Whether `pid` runs; a zombie does not (killed sshd children stay zombies until init reaps them)."""
    stat = _stat(pid)
    return bool(stat) and stat[0] != "Z" and start in (None, stat[19])


def _signal(pids: Iterable[int], sig: int) -> None:
    for pid in pids:
        with suppress(ProcessLookupError):
            os.kill(pid, sig)


def end_process_tree(proc: subprocess.Popen[bytes], sig: int = signal.SIGTERM) -> None:
    """Send `sig` to `proc` and its descendants (found by pid, never by name), SIGKILL what is left after
    TIMEOUT, and reap `proc`. The root is frozen meanwhile, so it cannot fork a new connection unseen."""
    if proc.poll() is None:
        _signal([proc.pid], signal.SIGSTOP)
        family = _descendants(proc.pid)
        _signal([*family, proc.pid], sig)
        _signal([proc.pid], signal.SIGCONT)
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and (proc.poll() is None or any(map(process_alive, family, family.values()))):
            time.sleep(0.02)
        _signal((pid for pid, start in family.items() if process_alive(pid, start)), signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    with suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=TIMEOUT)


def with_parent_death(argv: list[str]) -> list[str]:
    """Prefix setpriv, so the process gets SIGKILL if pytest dies without its teardown: no orphan sshd."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "KILL", "--", *argv] if setpriv else argv
