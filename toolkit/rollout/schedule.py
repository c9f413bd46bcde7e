"""The order hosts are worked on: the first `canary` hosts alone first, the rest only when all of those passed,
`parallel` at a time (threads: the work is waiting on hosts). The first failure stops new hosts from starting
unless `keep_going`; a host that is skipped (another kernel) does not. Ctrl-C stops new hosts too, and waits for
the running ones: their install.sh is never killed mid-way (it rolls back by itself when it fails). Every Ctrl-C
is counted (ctrl_c.py), never raised, so a second one while the running hosts are waited for cannot cut the
roll-out short of its summary.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

from toolkit.rollout.ctrl_c import CtrlC

H = TypeVar("H")
R = TypeVar("R")

POLL = 0.2  # seconds between looks at running hosts and at the Ctrl-C count


@dataclass(frozen=True)
class Policy:
    canary: int = 1
    parallel: int = 8
    keep_going: bool = False


@dataclass
class Outcome(Generic[R]):
    results: list[R | None]  # by host index; None: not started
    interrupted: bool = False


@dataclass
class _Run(Generic[H, R]):
    hosts: Sequence[H]
    work: Callable[[H], R]
    policy: Policy
    stops: Callable[[R], bool]
    on_interrupt: Callable[[int, int], None]
    pool: ThreadPoolExecutor
    ctrl_c: CtrlC
    outcome: Outcome[R]
    seen: int = 0  # Ctrl-C already answered

    def look_at_ctrl_c(self, running: int) -> None:
        if self.ctrl_c.count > self.seen:
            self.seen = self.ctrl_c.count
            self.outcome.interrupted = True
            self.on_interrupt(running, self.seen)


def run_in_order(hosts: Sequence[H], work: Callable[[H], R], policy: Policy, *, passed: Callable[[R], bool],
                 stops: Callable[[R], bool], on_interrupt: Callable[[int, int], None]) -> Outcome[R]:
    """work(host) for the hosts in the policy's order. `passed`: a canary's result lets the rest start;
    `stops`: a result that stops new hosts (without keep_going); on_interrupt(running hosts, Ctrl-C so far)
    after each Ctrl-C, from the main thread."""
    canaries = list(range(min(policy.canary, len(hosts)))) if len(hosts) > 1 else []
    rest = list(range(len(canaries), len(hosts)))
    pool = ThreadPoolExecutor(max_workers=max(1, policy.parallel), thread_name_prefix="xenkit-host")
    with CtrlC() as ctrl_c:
        outcome: Outcome[R] = Outcome([None] * len(hosts))
        state = _Run(hosts, work, policy, stops, on_interrupt, pool, ctrl_c, outcome)
        try:
            stopped = _batch(state, canaries)
            canaries_passed = all(r is not None and passed(r) for r in (state.outcome.results[i] for i in canaries))
            if not stopped and canaries_passed:
                _batch(state, rest)
        finally:
            pool.shutdown(wait=True)  # every started host has ended by now; nothing is cancelled
        state.look_at_ctrl_c(0)
    return state.outcome


def _batch(state: _Run[H, R], indexes: list[int]) -> bool:
    """Run these hosts; True when new hosts must not start any more (a failure, or Ctrl-C)."""
    queue = deque(indexes)
    running: dict[Future[R], int] = {}
    stop = False
    while True:
        state.look_at_ctrl_c(len(running))
        stop = stop or state.outcome.interrupted
        while queue and not stop and len(running) < max(1, state.policy.parallel):
            index = queue.popleft()
            running[state.pool.submit(state.work, state.hosts[index])] = index
        if not running:
            return stop
        done, _ = wait(running, timeout=POLL, return_when=FIRST_COMPLETED)
        for future in done:
            state.outcome.results[running.pop(future)] = result = future.result()
            if state.stops(result) and not state.policy.keep_going:
                stop = True
