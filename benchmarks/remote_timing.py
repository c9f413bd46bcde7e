"""Timing for bench_remote.py: median and min wall time of a function, or of a command as a fresh process (with
hyperfine when it is installed), after one checked run: a command that fails stops the benchmark (Failed); or of
several commands run in turn, round by round, for ratios that hold when the machine's speed drifts.
"""

from __future__ import annotations

import json
import shlex
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STDERR_LINES = 40  # of a failed command's stderr (fstab nobarrier prints a line per changed entry)


@dataclass(frozen=True)
class Timing:
    median_ms: float
    min_ms: float
    samples_ms: tuple[float, ...] = ()  # in run order (time_rounds: one per round)

    def ms(self) -> str:
        return f"{self.median_ms:.1f} ms (min {self.min_ms:.1f})"

    def mb_s(self, size: int) -> tuple[float, str]:
        rate = size / 1e6 / (self.median_ms / 1000)
        return rate, f"{rate:.1f} MB/s (best {size / 1e6 / (self.min_ms / 1000):.1f})"


def check_once(cmd: list[str], prepare: list[str] | None = None) -> None:
    """Run `cmd` once (after `prepare`); a non-zero exit raises Failed with the tail of its stderr."""
    if prepare:
        subprocess.run(prepare, check=True)
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        tail = "\n".join(proc.stderr.splitlines()[-STDERR_LINES:])
        raise Failed(f"FAILED (exit {proc.returncode}): {shlex.join(cmd)}\n{tail}")


class Failed(Exception):
    """A command exited non-zero or did not do its job: the benchmark stops with exit 1."""


def time_fn(fn: Callable[[], Any], runs: int, warmup: int, prepare: Callable[[], Any] | None = None) -> Timing:
    """Median and min wall time of `fn()`; `prepare()` runs before each call, outside the timing."""
    samples: list[float] = []
    for i in range(warmup + runs):
        if prepare is not None:
            prepare()
        start = time.perf_counter()
        fn()
        if i >= warmup:
            samples.append((time.perf_counter() - start) * 1000)
    return Timing(statistics.median(samples), min(samples))


def time_cmd(cmd: list[str], runs: int, warmup: int, prepare: list[str] | None = None) -> Timing:
    """Wall time of `cmd` as a fresh process; the `prepare` command runs before every run, untimed."""
    check_once(cmd, prepare)
    if shutil.which("hyperfine"):
        with tempfile.TemporaryDirectory() as tmp:
            export = Path(tmp) / "hyperfine.json"
            args = ["hyperfine", "--shell=none", "--style=none", f"--warmup={warmup}", f"--runs={runs}",
                    f"--export-json={export}", *([f"--prepare={shlex.join(prepare)}"] if prepare else [])]
            subprocess.run([*args, shlex.join(cmd)], stdout=subprocess.DEVNULL, check=True)
            result = json.loads(export.read_text())["results"][0]
        return Timing(float(result["median"]) * 1000, float(result["min"]) * 1000)
    return time_fn(lambda: subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True),
                   runs, warmup, (lambda: subprocess.run(prepare, check=True)) if prepare else None)


def time_rounds(cmds: list[list[str]], runs: int, warmup: int, prepare: list[str] | None = None) -> list[Timing]:
    """Wall time of each of `cmds` as fresh processes, run in turn (A B C, A B C, ...) so that the machine's drift
    falls on all of them alike; `prepare` runs before every run, untimed. Each is checked once first."""
    for cmd in cmds:
        check_once(cmd, prepare)
    samples: list[list[float]] = [[] for _ in cmds]
    for i in range(warmup + runs):
        for cmd, mine in zip(cmds, samples, strict=True):
            if prepare:
                subprocess.run(prepare, check=True)
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
            if i >= warmup:
                mine.append((time.perf_counter() - start) * 1000)
    return [Timing(statistics.median(mine), min(mine), tuple(mine)) for mine in samples]


def round_ratio(a: Timing, b: Timing) -> float:
    """The median of b/a round by round: for rates (MB/s from times), a's rate over b's."""
    return statistics.median(y / x for x, y in zip(a.samples_ms, b.samples_ms, strict=True))
