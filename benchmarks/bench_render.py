"""Benchmark xenkit's process start and site render against the floor a user pays anyway.

Run as `.venv/bin/python benchmarks/bench_render.py [--runs N]` (or `make bench`). See benchmarks/README.md.
Every command is run once first: a non-zero exit stops the benchmark (exit 1, its stderr shown).
A missed goal is marked MISSED in the table; the exit status stays 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from remote_timing import Failed, time_rounds  # benchmarks/ is on sys.path when run as a script

PYTHON = sys.executable  # the venv's interpreter when run as .venv/bin/python
XENKIT = str(Path(PYTHON).parent / "xenkit")
# SHA-512 crypt of "xenkit-example" (the hash in examples/site.toml); only ever used as text.
PW_HASH = "$6$WESmtQDDUK9g4Z6F$KnJ.IEwZaAbN9T0hjPU3DdSaqivbUKbVCCK.iheKKNVHZTWNhvZER.5oiFMaGH867pxXBnKPZDmRgG71k4OsG."
N_VMS = 1000
RENDER_GOAL_S = 5.0
STARTUP_GOAL_RATIO = 1.5


@dataclass(frozen=True)
class Timing:
    median_ms: float
    min_ms: float


def check_once(cmd: list[str]) -> None:
    """Run `cmd` once; on a non-zero exit print its stderr and stop with exit 1."""
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        print(f"FAILED (exit {proc.returncode}): {shlex.join(cmd)}\n{proc.stderr}", file=sys.stderr)
        sys.exit(1)


def time_cmd(cmd: list[str], runs: int, warmup: int, clean: Path | None = None) -> Timing:
    """Median and min wall time of `cmd` as a fresh process; `clean` is removed before every run."""
    check_once(cmd)
    if clean is not None:
        shutil.rmtree(clean, ignore_errors=True)
    if shutil.which("hyperfine"):
        return _time_hyperfine(cmd, runs, warmup, clean)
    samples: list[float] = []
    for i in range(warmup + runs):
        if clean is not None:
            shutil.rmtree(clean, ignore_errors=True)
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        elapsed = (time.perf_counter() - start) * 1000
        if i >= warmup:
            samples.append(elapsed)
    return Timing(statistics.median(samples), min(samples))


def _time_hyperfine(cmd: list[str], runs: int, warmup: int, clean: Path | None) -> Timing:
    with tempfile.TemporaryDirectory() as tmp:
        export = Path(tmp) / "hyperfine.json"
        args = ["hyperfine", "--shell=none", "--style=none", f"--warmup={warmup}", f"--runs={runs}",
                f"--export-json={export}"]
        if clean is not None:
            args.append(f"--prepare={shlex.join(['rm', '-rf', str(clean)])}")
        subprocess.run([*args, shlex.join(cmd)], stdout=subprocess.DEVNULL, check=True)
        result = json.loads(export.read_text())["results"][0]
    return Timing(float(result["median"]) * 1000, float(result["min"]) * 1000)


def peak_rss_mib(cmd: list[str]) -> tuple[float, str]:
    """Peak resident set size of one run of `cmd`, and how it was measured."""
    if os.access("/usr/bin/time", os.X_OK):
        proc = subprocess.run(["/usr/bin/time", "-v", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True, check=True)
        match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        if match:
            return int(match.group(1)) / 1024, "/usr/bin/time -v"
    # ru_maxrss of RUSAGE_CHILDREN is the largest of all children waited for so far: an upper bound.
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, "getrusage(RUSAGE_CHILDREN), upper bound"


def compile_templates() -> None:
    """Compile every template into xenkit's cache, as `make bench` byte-compiles the toolkit: where
    PYTHONDONTWRITEBYTECODE is set, xenkit would compile them again on every run (toolkit/catalog/jinja_env.py)."""
    code = ("import sys; sys.dont_write_bytecode = False; from toolkit.catalog.jinja_env import environment; "
            "env = environment(); [env.get_template(name) for name in env.list_templates(extensions=['j2'])]")
    subprocess.run([PYTHON, "-c", code], check=True)


def kickstart_profiles() -> list[str]:
    proc = subprocess.run([XENKIT, "kickstart", "list", "--json"], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        print(f"FAILED (exit {proc.returncode}): xenkit kickstart list --json\n{proc.stderr}", file=sys.stderr)
        sys.exit(1)
    return [p["name"] for p in json.loads(proc.stdout) if p.get("kind", "kickstart") == "kickstart"]


def write_site(path: Path, profiles: list[str], password_line: str) -> None:
    """A site file of N_VMS guests in 10.0.0.0/16: addresses are only text, nothing is contacted."""
    lines = [
        "[defaults]",
        'ks_url_base = "http://10.0.0.2/xenkit/"',
        'network = "Pool-wide network associated with eth0"',
        'gateway = "10.0.0.1"',
        'nameservers = ["10.0.0.53"]',
        password_line,
    ]
    for i in range(N_VMS):
        lines += ["", "[[vm]]", f'name = "vm{i:04d}"', f'profile = "{profiles[i % len(profiles)]}"',
                  f'hostname = "vm{i:04d}.example.com"', f'ip = "10.0.{1 + i // 250}.{2 + i % 250}/16"']
    path.write_text("\n".join(lines) + "\n")


def verdict(ok: bool | None) -> str:
    return "report" if ok is None else ("OK" if ok else "MISSED")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="timed runs per command (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2)")
    args = parser.parse_args()
    runs, warmup = max(1, args.runs), max(0, args.warmup)
    if not os.access(XENKIT, os.X_OK):
        print(f"{XENKIT} not found: run with the venv's python (.venv/bin/python)", file=sys.stderr)
        return 1
    tool = "hyperfine" if shutil.which("hyperfine") else "time.perf_counter"
    print(f"machine: nproc={len(os.sched_getaffinity(0))}  python {platform.python_version()} ({PYTHON})")
    print(f"timing:  {tool}, {runs} runs after {warmup} warm-ups, wall time of a full process start; the kickstart "
          "rows and their floor: time.perf_counter, in turn round by round")
    print()

    rows: list[tuple[str, str, str, str, str, str]] = []

    def row(what: str, xen: Timing, floor: Timing | None, goal: str, ok: bool | None) -> None:
        ratio = f"{xen.median_ms / floor.median_ms:.2f}x" if floor else "-"
        floor_s = f"{floor.median_ms:.1f} (min {floor.min_ms:.1f})" if floor else "-"
        rows.append((what, f"{xen.median_ms:.1f} (min {xen.min_ms:.1f})", floor_s, ratio, goal, verdict(ok)))

    with tempfile.TemporaryDirectory(prefix="xenkit-bench-") as tmp_name:
        tmp = Path(tmp_name)
        pw_file = tmp / "root-pw.txt"
        pw_file.write_text("xenkit-bench-password\n")
        net = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
               "--nameserver", "192.0.2.53"]
        ks = [XENKIT, "kickstart", "render", "fedora17-xenserver", *net]

        compile_templates()
        # The floor and both renders in turn, round by round: the machine's drift falls on all three alike.
        try:
            floor_ks, ks_hash, ks_file = (
                Timing(t.median_ms, t.min_ms) for t in time_rounds(
                    [[PYTHON, "-c", "import jinja2, pykickstart.parser"], [*ks, "--root-password-hash", PW_HASH],
                     [*ks, "--root-password-file", str(pw_file)]], runs, warmup))
        except Failed as exc:
            print(exc, file=sys.stderr)
            return 1
        for label, timing in (("hash", ks_hash), ("file", ks_file)):
            ratio = timing.median_ms / floor_ks.median_ms
            row(f"kickstart render (--root-password-{label})", timing, floor_ks, f"<= {STARTUP_GOAL_RATIO}x floor",
                ratio <= STARTUP_GOAL_RATIO)

        floor_click = time_cmd([PYTHON, "-c", "import click"], runs, warmup)
        row("xenkit --help", time_cmd([XENKIT, "--help"], runs, warmup), floor_click, "-", None)

        profiles = kickstart_profiles()
        out = tmp / "out"
        renders: dict[str, Timing] = {}
        rss_mib, rss_how = 0.0, ""
        for label, line in (("password_hash", f'password_hash = "{PW_HASH}"'),
                            ("password_file", f'password_file = "{pw_file.name}"')):
            site = tmp / f"site-{label}.toml"
            write_site(site, profiles, line)
            cmd = [XENKIT, "render", str(site), "-o", str(out)]
            renders[label] = time_cmd(cmd, runs, warmup, clean=out)
            written = sum(1 for _ in out.glob("*/ks.cfg"))
            if written != N_VMS:
                print(f"FAILED: {label} render wrote {written} ks.cfg files, expected {N_VMS}", file=sys.stderr)
                return 1
            if label == "password_hash":
                shutil.rmtree(out, ignore_errors=True)
                rss_mib, rss_how = peak_rss_mib(cmd)
            shutil.rmtree(out, ignore_errors=True)
        for label, timing in renders.items():
            ok = timing.median_ms / 1000 < RENDER_GOAL_S if label == "password_hash" else None
            goal = f"< {RENDER_GOAL_S:g} s total" if label == "password_hash" else "-"
            row(f"render {N_VMS} VMs ({label}), total", timing, floor_ks, goal, ok)
            per_vm = Timing(timing.median_ms / N_VMS, timing.min_ms / N_VMS)
            rows.append((f"  per VM ({label})", f"{per_vm.median_ms:.2f} (min {per_vm.min_ms:.2f})", "-", "-",
                         "-", "report"))

    header = ("what", "xenkit (median ms)", "floor (median ms)", "ratio", "goal", "verdict")
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for cells in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
    print()
    print("floors: kickstart/render rows = python -c 'import jinja2, pykickstart.parser';"
          " --help row = python -c 'import click'")
    print(f"peak RSS, render {N_VMS} VMs (password_hash): {rss_mib:.1f} MiB  [{rss_how}]")
    print(f"profiles in rotation: {', '.join(profiles)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
