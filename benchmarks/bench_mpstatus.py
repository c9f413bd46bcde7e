"""Benchmark `xenkit multipath status --input` on 10,000 maps against the awk one-liner an admin would write.

Run as `.venv/bin/python benchmarks/bench_mpstatus.py [--maps N] [--runs N]`. See benchmarks/README.md.
The input is the tree layout of multipath-tools 0.4.9+ (two groups of two paths per map) and, separately, the
bracket layout of 0.4.7, generated here. Rows: the parser alone in this process (goal: 10,000 maps well under a
second, taken as <= 0.5 s), the whole command as a fresh process (`--json` to /dev/null), and `awk` counting
"active ready" paths per map, which is what a shell script would do instead. Each xenkit run's map count is
checked first; a wrong count stops the benchmark (exit 1). A missed goal is marked MISSED; the exit status stays 0.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

PYTHON = sys.executable
XENKIT = str(Path(PYTHON).parent / "xenkit")
GOAL_S = 0.5
AWK = '/ dm-[0-9]+ / {m++} / active ready / {p++} END {print m, p}'


def tree_text(maps: int) -> str:
    lines = []
    for n in range(maps):
        lines += [f"3600a0980383030534{n:015x} dm-{n} NETAPP,LUN C-Mode",
                  "size=20G features='1 queue_if_no_path' hwhandler='1 alua' wp=rw",
                  "|-+- policy='service-time 0' prio=50 status=active",
                  f"| |- 1:0:0:{n} sd{n}a 8:{n % 256} active ready running",
                  f"| `- 2:0:0:{n} sd{n}b 8:{n % 256} active ready running",
                  "`-+- policy='service-time 0' prio=10 status=enabled",
                  f"  |- 1:0:1:{n} sd{n}c 65:{n % 256} active ready running",
                  f"  `- 2:0:1:{n} sd{n}d 65:{n % 256} failed faulty offline"]
    return "\n".join(lines) + "\n"


def bracket_text(maps: int) -> str:
    lines = []
    for n in range(maps):
        lines += [f"2220200015{n:07x} dm-{n} Intel,Multi-Flex",
                  "[size=100G][features=1 queue_if_no_path][hwhandler=1 alua][rw]",
                  "\\_ round-robin 0 [prio=50][active]",
                  f" \\_ 0:0:0:{n} sd{n}a 8:{n % 256}   [active][ready]",
                  "\\_ round-robin 0 [prio=1][enabled]",
                  f" \\_ 0:0:1:{n} sd{n}b 8:{n % 256}  [active][ready]"]
    return "\n".join(lines) + "\n"


def timed(func: Callable[[], object], runs: int) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--maps", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from toolkit.mpstatus.parse import parse_status

    rows: list[tuple[str, float, float, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for layout, text in (("tree", tree_text(args.maps)), ("bracket", bracket_text(args.maps))):
            source = Path(tmp) / f"{layout}.txt"
            source.write_text(text, encoding="utf-8")
            found = len(parse_status(text).maps)
            if found != args.maps:
                print(f"error: {layout}: parsed {found} maps, expected {args.maps}", file=sys.stderr)
                return 1
            median, fastest = timed(partial(parse_status, text), args.runs)
            verdict = "OK" if median <= GOAL_S else "MISSED"
            rows.append((f"parse_status, {layout} layout (in process)", median, fastest, f"<= {GOAL_S} s {verdict}"))
            command = [XENKIT, "multipath", "status", "--input", str(source), "--json"]
            check = subprocess.run(command, capture_output=True, text=True, check=False)
            if check.returncode != 0 or len(json.loads(check.stdout)["maps"]) != args.maps:
                print(f"error: {' '.join(command)} failed: {check.stderr.strip()}", file=sys.stderr)
                return 1
            median, fastest = timed(partial(subprocess.run, command, stdout=subprocess.DEVNULL, check=True),
                                    args.runs)
            rows.append((f"xenkit multipath status --json, {layout} (process)", median, fastest, "report"))
            awk = shutil.which("awk")
            if awk:
                awk_argv = [awk, AWK.replace("active ready", "\\[active\\]\\[ready\\]" if layout == "bracket"
                                             else "active ready"), str(source)]
                median, fastest = timed(partial(subprocess.run, awk_argv, stdout=subprocess.DEVNULL, check=True),
                                        args.runs)
                rows.append((f"awk count of maps and ready paths, {layout}", median, fastest, "report"))
    print(f"{args.maps} maps, {args.runs} runs each")
    print(f"{'what':58} {'median s':>9} {'min s':>8}  goal")
    for what, median, fastest, goal in rows:
        print(f"{what:58} {median:9.3f} {fastest:8.3f}  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
