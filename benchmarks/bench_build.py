"""Benchmark `xenkit driver build demo --local`: cold against the same rpmbuild steps by hand, and a warm rebuild.

Run as `.venv/bin/python benchmarks/bench_build.py [--runs N] [--warmup N]` (or `make bench`). See benchmarks/README.md.
Needs rpmbuild, gcc, make and kernel headers in /lib/modules/KVER/build (`make build-deps` installs them); KVER is
what scripts/headers-kernel.sh prints, as for `make run`. Cold: a fresh empty XDG_CACHE_HOME (step store) every run.
By hand: `rpmbuild -bs`, `rpm -ivh --nomd5` and `rpmbuild -ba` in one bash script, in a fresh directory every run.
Warm: the same command again on a filled store. Every run is checked (exit 0, bundle or RPM written) and a failure
stops the benchmark (exit 1, stderr shown); so does a warm bundle that differs from its store's cold one. A missed
goal is marked MISSED; the exit status stays 0.
"""

from __future__ import annotations

import argparse
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

from bench_render import peak_rss_mib, verdict  # benchmarks/ is on sys.path when run as a script

PYTHON = sys.executable  # the venv's interpreter when run as .venv/bin/python
XENKIT = str(Path(PYTHON).parent / "xenkit")
REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "drivers" / "demo"
COLD_GOAL_RATIO = 1.2
WARM_GOAL_S = 1.0
# What a user runs by hand: the steps of toolkit/driver/rpmbuild.py, with the same defines, on drivers/demo's files.
BY_HAND = """\
set -euo pipefail
src=$1 spec=$2 define=$3 kver=$4 work=$5
top=$work/top
rpmbuild -bs --define "_sourcedir $src" --define "_srcrpmdir $work/srpm" --define "_topdir $top" \\
    --define "$define $kver" "$src/$spec"
rpm -ivh --nomd5 --define "_topdir $top" "$work"/srpm/*.src.rpm
rpmbuild -ba --define "_topdir $top" --define "$define $kver" "$top/SPECS/$spec"
"""


@dataclass(frozen=True)
class Timing:
    median_s: float
    min_s: float

    @staticmethod
    def of(samples: list[float]) -> Timing:
        return Timing(statistics.median(samples), min(samples))


def fail(what: str, cmd: list[str], proc: subprocess.CompletedProcess[str] | None = None) -> None:
    """Stop the benchmark: what went wrong, the command and its stderr."""
    print(f"FAILED: {what}: {shlex.join(cmd)}", file=sys.stderr)
    if proc is not None:
        print(f"exit {proc.returncode}; stderr:\n{proc.stderr}", file=sys.stderr)
    sys.exit(1)


def run_timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Wall time of `cmd` as a fresh process (stderr kept for a failure report); a non-zero exit stops the benchmark."""
    os.sync()  # no run pays for the previous one's writeback
    start = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        fail("non-zero exit", cmd, proc)
    return elapsed, proc


def headers_kernel() -> str:
    proc = subprocess.run(["bash", str(REPO / "scripts" / "headers-kernel.sh")], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        print(f"FAILED: scripts/headers-kernel.sh\n{proc.stderr}", file=sys.stderr)
        sys.exit(1)
    return proc.stdout.strip()


def tool_version(argv: list[str]) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    return (proc.stdout.splitlines() or ["?"])[0].strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--dir", type=Path, default=None, help="where to make the temp directory (default $TMPDIR)")
    args = parser.parse_args()
    runs, warmup = max(1, args.runs), max(0, args.warmup)
    if not os.access(XENKIT, os.X_OK):
        print(f"{XENKIT} not found: run with the venv's python (.venv/bin/python)", file=sys.stderr)
        return 1
    missing = [tool for tool in ("rpm", "rpmbuild", "gcc", "make") if shutil.which(tool) is None]
    if missing:
        print(f"not installed: {', '.join(missing)} (make build-deps installs them)", file=sys.stderr)
        return 1
    kver = headers_kernel()
    recipe = tomllib.loads((DEMO / "recipe.toml").read_text())
    spec, define = str(recipe["spec"]), str(recipe["kernel"]).removeprefix("define:")

    print(f"machine: nproc={len(os.sched_getaffinity(0))}  python {platform.python_version()} ({PYTHON})")
    print(f"tools:   {tool_version(['rpmbuild', '--version'])}; {tool_version(['gcc', '--version'])}; "
          f"kernel headers {kver}")
    print(f"timing:  time.perf_counter, {runs} runs after {warmup} warm-up(s), wall time of a fresh process;")
    print("         cold xenkit and by-hand runs alternate (which goes first swaps every round), os.sync() before each")
    load = os.getloadavg()
    print(f"load:    {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min) at the start: other work on this machine "
          "shares its CPUs and makes the timings noisy")
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("note:    PYTHONDONTWRITEBYTECODE is set: every xenkit run compiles the modules that have no .pyc yet")

    with tempfile.TemporaryDirectory(prefix="xenkit-bench-build-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        script = tmp / "by-hand.sh"
        script.write_text(BY_HAND)
        out, work = tmp / "out", tmp / "work"
        bundle_glob = f"*-{kver}.tar.gz"

        def xenkit_cmd(cache: Path) -> list[str]:
            return ["env", f"XDG_CACHE_HOME={cache}", XENKIT, "driver", "build", "demo", "--local", "--kernel", kver,
                    "-o", str(out)]

        hand_cmd = ["bash", str(script), str(DEMO), spec, define, kver, str(work)]

        def fresh(*paths: Path) -> None:
            for path in paths:
                shutil.rmtree(path, ignore_errors=True)

        def bundle(cmd: list[str], proc: subprocess.CompletedProcess[str]) -> Path:
            found = sorted(out.glob(bundle_glob))
            if len(found) != 1:
                fail(f"wrote {len(found)} bundle(s) {out}/{bundle_glob}, not 1", cmd, proc)
            return found[0]

        def xenkit_run(cache: Path) -> tuple[float, bytes]:
            fresh(out)
            cmd = xenkit_cmd(cache)
            elapsed, proc = run_timed(cmd)
            return elapsed, bundle(cmd, proc).read_bytes()

        def cold_run(i: int) -> float:
            cache = tmp / f"cache-cold-{i}"
            elapsed, _ = xenkit_run(cache)
            fresh(cache)
            return elapsed

        def hand_run() -> float:
            fresh(work)
            work.mkdir()
            elapsed, proc = run_timed(hand_cmd)
            if not list(work.glob("top/RPMS/*/*.rpm")):
                fail("wrote no binary RPM under top/RPMS", hand_cmd, proc)
            return elapsed

        cold_s: list[float] = []
        hand_s: list[float] = []
        for i in range(warmup + runs):
            for xenkit_turn in (True, False) if i % 2 == 0 else (False, True):
                elapsed = cold_run(i) if xenkit_turn else hand_run()
                if i >= warmup:
                    (cold_s if xenkit_turn else hand_s).append(elapsed)

        # Warm: one cold build fills the store (and gives the bundle to compare with), then the same command again.
        store = tmp / "cache-warm"
        fill_s, cold_bundle = xenkit_run(store)
        warm_s: list[float] = []
        identical = 0
        for i in range(warmup + runs):
            elapsed, data = xenkit_run(store)
            identical += data == cold_bundle
            if i >= warmup:
                warm_s.append(elapsed)
        help_s = [run_timed([XENKIT, "--help"])[0] for _ in range(warmup + runs)][warmup:]

        # Peak RSS, one run each (cold: fresh store; by hand: fresh work directory; warm: the filled store).
        fresh(out, tmp / "cache-rss")
        rss_cold, rss_how = peak_rss_mib(xenkit_cmd(tmp / "cache-rss"))
        fresh(work)
        work.mkdir()
        rss_hand, _ = peak_rss_mib(hand_cmd)
        fresh(out)
        rss_warm, _ = peak_rss_mib(xenkit_cmd(store))
        bundle_size = len(cold_bundle)
    load = os.getloadavg()

    cold, hand, warm, cli = Timing.of(cold_s), Timing.of(hand_s), Timing.of(warm_s), Timing.of(help_s)
    ratio = cold.median_s / hand.median_s
    cold_ok, warm_ok = ratio <= COLD_GOAL_RATIO, warm.median_s < WARM_GOAL_S
    rows = [("what", "median s", "min s", "ratio", "goal", "verdict"),
            ("xenkit driver build demo --local, cold", f"{cold.median_s:.3f}", f"{cold.min_s:.3f}", f"{ratio:.2f}x",
             f"<= {COLD_GOAL_RATIO:.1f}x by hand", verdict(cold_ok)),
            ("by hand: rpmbuild -bs; rpm -ivh; rpmbuild -ba", f"{hand.median_s:.3f}", f"{hand.min_s:.3f}", "1.00x", "-",
             "report"),
            ("xenkit driver build demo --local, warm", f"{warm.median_s:.3f}", f"{warm.min_s:.3f}",
             f"{warm.median_s / cold.median_s:.2f}x cold", f"< {WARM_GOAL_S:.1f} s", verdict(warm_ok)),
            ("xenkit --help (CLI start, reference)", f"{cli.median_s:.3f}", f"{cli.min_s:.3f}", "-", "-", "report")]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print()
    for i, cells in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    print(f"xenkit's cost above the steps by hand (cold medians): {cold.median_s - hand.median_s:+.3f} s; "
          f"the warm run is {warm.median_s - cli.median_s:+.3f} s above a bare CLI start")
    warm_runs = warmup + runs
    same = "yes" if identical == warm_runs else "NO"
    print(f"warm bundle byte-identical to its store's cold one ({bundle_size} bytes; store filled in {fill_s:.3f} s): "
          f"{same} ({identical} of {warm_runs} warm runs)")
    print(f"peak RSS (largest process of the run, children included): xenkit cold {rss_cold:.1f} MiB, by hand "
          f"{rss_hand:.1f} MiB, xenkit warm {rss_warm:.1f} MiB  [{rss_how}]")
    print(f"load:    {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1/5/15 min) at the end")
    if identical != warm_runs:
        print("FAILED: a warm bundle differs from the cold bundle of the same store", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
