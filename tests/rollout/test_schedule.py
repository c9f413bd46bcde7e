"""The order of a roll-out (schedule.py) and its summary (result.py), without hosts: canary first, --parallel
at a time, the first failure stops new hosts unless --keep-going, a skipped host does not."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from toolkit.rollout.result import FAILED, NOT_STARTED, REBOOT_NEEDED, SKIPPED, HostResult, summary_json, summary_lines
from toolkit.rollout.schedule import Policy, run_in_order


def roll(outcomes: dict[str, str], policy: Policy) -> tuple[list[str], list[str], int]:
    """Run fake hosts (name -> result); the results in host order, the start order, the most at once."""
    started: list[str] = []
    running, most = 0, 0
    lock = threading.Lock()

    def work(name: str) -> HostResult:
        nonlocal running, most
        with lock:
            started.append(name)
            running += 1
            most = max(most, running)
        time.sleep(0.02)
        with lock:
            running -= 1
        return HostResult(name, outcomes[name], "install" if outcomes[name] == FAILED else None)

    outcome = run_in_order(list(outcomes), work, policy, passed=lambda r: r.ok,
                           stops=lambda r: r.result == FAILED, on_interrupt=lambda n, times: None)
    return [r.result if r else NOT_STARTED for r in outcome.results], started, most


def test_canary_first_then_parallel() -> None:
    results, started, most = roll({f"h{i}": REBOOT_NEEDED for i in range(7)}, Policy(canary=1, parallel=3))
    assert results == [REBOOT_NEEDED] * 7 and started[0] == "h0" and most == 3


def test_failed_canary_starts_no_other_host_even_with_keep_going() -> None:
    results, started, _ = roll({"h0": FAILED, "h1": REBOOT_NEEDED, "h2": REBOOT_NEEDED},
                               Policy(canary=1, keep_going=True))
    assert results == [FAILED, NOT_STARTED, NOT_STARTED] and started == ["h0"]


def test_skipped_canary_does_not_pass() -> None:
    results, _, _ = roll({"h0": SKIPPED, "h1": REBOOT_NEEDED}, Policy(canary=1))
    assert results == [SKIPPED, NOT_STARTED]


@pytest.mark.parametrize("keep_going", [False, True])
def test_first_failure_stops_new_hosts_unless_keep_going(keep_going: bool) -> None:
    hosts = {"h0": REBOOT_NEEDED, "h1": FAILED, "h2": REBOOT_NEEDED, "h3": SKIPPED, "h4": REBOOT_NEEDED}
    results, _, _ = roll(hosts, Policy(canary=1, parallel=1, keep_going=keep_going))
    assert results == (list(hosts.values()) if keep_going else [REBOOT_NEEDED, FAILED] + [NOT_STARTED] * 3)


def test_a_skipped_host_does_not_stop_the_others() -> None:
    results, _, _ = roll({"h0": REBOOT_NEEDED, "h1": SKIPPED, "h2": REBOOT_NEEDED}, Policy(canary=0, parallel=1))
    assert results == [REBOOT_NEEDED, SKIPPED, REBOOT_NEEDED]


def test_no_canary_phase_for_one_host() -> None:
    assert roll({"h0": FAILED}, Policy(canary=3))[0] == [FAILED]


def test_every_ctrl_c_is_answered_and_none_escapes() -> None:
    """A real SIGINT while the canary runs stops new hosts; a second one, arriving while the first is being
    answered (where a KeyboardInterrupt used to escape and end the command without its summary), is answered
    too; the canary runs to its end."""
    answered: list[tuple[int, int]] = []
    both_answered = threading.Event()

    def work(name: str) -> HostResult:
        if name == "h0":
            os.kill(os.getpid(), signal.SIGINT)  # delivered to the main thread, as a Ctrl-C is
            assert both_answered.wait(30)
        return HostResult(name, REBOOT_NEEDED)

    def on_interrupt(running: int, times: int) -> None:
        answered.append((running, times))
        if times == 1:
            os.kill(os.getpid(), signal.SIGINT)
        else:
            both_answered.set()

    previous = signal.getsignal(signal.SIGINT)
    outcome = run_in_order(["h0", "h1", "h2"], work, Policy(canary=1), passed=lambda r: r.ok,
                           stops=lambda r: not r.ok, on_interrupt=on_interrupt)
    assert [r.result if r else NOT_STARTED for r in outcome.results] == [REBOOT_NEEDED, NOT_STARTED, NOT_STARTED]
    assert outcome.interrupted and answered == [(1, 1), (1, 2)]
    assert signal.getsignal(signal.SIGINT) is previous  # Ctrl-C raises again afterwards


def test_summary_table() -> None:
    lines = summary_lines([
        HostResult("dom0a", REBOOT_NEEDED, seconds=12.34, log=Path("logs/dom0a.log")),
        HostResult("dom0b", FAILED, "install", "install.sh failed (exit 1)", 3.0, Path("logs/dom0b.log"),
                   ("install.sh: error: mkinitrd failed",)),
        HostResult("dom0c", SKIPPED, reason="runs kernel B, the bundle is for A"),
        HostResult("dom0d", NOT_STARTED),
    ])
    assert lines == [
        "HOST   RESULT                                       SECONDS  LOG",
        "dom0a  installed, reboot needed                        12.3  logs/dom0a.log",
        "dom0b  failed at install                                3.0  logs/dom0b.log",
        "         install.sh failed (exit 1)",
        "         | install.sh: error: mkinitrd failed",
        "dom0c  skipped: runs kernel B, the bundle is for A      0.0  -",
        "dom0d  not started                                      0.0  -",
    ]


def test_summary_json_carries_the_tail_of_a_failed_install() -> None:
    summary = json.loads(summary_json([
        HostResult("dom0a", REBOOT_NEEDED, seconds=12.34, log=Path("logs/dom0a.log")),
        HostResult("dom0b", FAILED, "install", "install.sh failed (exit 1)", 3.0, Path("logs/dom0b.log"),
                   ("install.sh: rolling back", "install.sh: error: mkinitrd failed")),
    ]))
    assert summary == [
        {"host": "dom0a", "result": REBOOT_NEEDED, "step": None, "reason": None, "seconds": 12.3,
         "log": "logs/dom0a.log", "tail": []},
        {"host": "dom0b", "result": FAILED, "step": "install", "reason": "install.sh failed (exit 1)",
         "seconds": 3.0, "log": "logs/dom0b.log",
         "tail": ["install.sh: rolling back", "install.sh: error: mkinitrd failed"]},
    ]
