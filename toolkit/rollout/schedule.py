"""The order hosts are worked on: the first `canary` hosts alone first, the rest only when all of those passed,
`parallel` at a time (threads: the work is waiting on hosts). The first failure stops new hosts from starting
unless `keep_going`; a host that is skipped (another kernel) does not. Ctrl-C stops new hosts too, and waits for
the running ones: their install.sh is never killed mid-way (it rolls back by itself when it fails).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Generic, TypeVar

H = TypeVar("H")
R = TypeVar("R")

POLL = 0.5  # seconds between looks at running hosts: keeps the main thread where Ctrl-C can reach it


@dataclass(frozen=True)
class Policy:
    canary: int = 1
    parallel: int = 8
    keep_going: bool = False


@dataclass
class Outcome(Generic[R]):
    results: list[R | None]  # by host index; None: not started
    interrupted: bool = False


def run_in_order(hosts: Sequence[H], work: Callable[[H], R], policy: Policy, *, passed: Callable[[R], bool],
                 stops: Callable[[R], bool], on_interrupt: Callable[[int], None]) -> Outcome[R]:
    """work(host) for the hosts in the policy's order. `passed`: a canary's result lets the rest start;
    `stops`: a result that stops new hosts (without keep_going); on_interrupt(running hosts) on Ctrl-C."""
    outcome: Outcome[R] = Outcome([None] * len(hosts))
    canaries = list(range(min(policy.canary, len(hosts)))) if len(hosts) > 1 else []
    rest = list(range(len(canaries), len(hosts)))
    pool = ThreadPoolExecutor(max_workers=max(1, policy.parallel), thread_name_prefix="xenkit-host")
    try:
        stopped = _batch(pool, hosts, canaries, work, policy, stops, on_interrupt, outcome)
        canaries_passed = all(r is not None and passed(r) for r in (outcome.results[i] for i in canaries))
        if not stopped and canaries_passed:
            _batch(pool, hosts, rest, work, policy, stops, on_interrupt, outcome)
    finally:
        pool.shutdown(wait=True)  # every started host has ended by now; nothing is cancelled
    return outcome


def _batch(pool: ThreadPoolExecutor, hosts: Sequence[H], indexes: list[int], work: Callable[[H], R], policy: Policy,
           stops: Callable[[R], bool], on_interrupt: Callable[[int], None], outcome: Outcome[R]) -> bool:
    """Run these hosts; True when new hosts must not start any more (a failure, or Ctrl-C)."""
    queue = deque(indexes)
    running: dict[Future[R], int] = {}
    stop = outcome.interrupted
    while running or (queue and not stop):
        try:  # Ctrl-C anywhere in here: no new host, the running ones are waited for
            while queue and not stop and len(running) < max(1, policy.parallel):
                index = queue[0]
                running[pool.submit(work, hosts[index])] = index
                queue.popleft()
            done, _ = wait(running, timeout=POLL, return_when=FIRST_COMPLETED)
            for future in done:
                outcome.results[running[future]] = result = future.result()
                del running[future]
                if stops(result) and not policy.keep_going:
                    stop = True
        except KeyboardInterrupt:
            stop = outcome.interrupted = True
            on_interrupt(len(running))
    return stop
