"""Benchmark `xenkit ddk extract` against xorriso and bsdtar on a generated 300+ MB DDK-like ISO.

Run as `.venv/bin/python benchmarks/bench_iso.py [--runs N] [--size-mib N]`. See benchmarks/README.md.
The ISO (incompressible chunks under ddk/xvda/ plus ddk/ova.xml, Rock Ridge + Joliet, written by pycdlib) is
made once in a temp directory. Each extractor runs once first and its tree is checked against the chunks
written (sha256); a failure stops the benchmark (exit 1). bsdtar cannot be installed on the reference machine:
its row then says so and is skipped. A missed goal is marked MISSED; the exit status stays 0.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench_render import peak_rss_mib  # benchmarks/ is on sys.path when run as a script

PYTHON = sys.executable  # the venv's interpreter when run as .venv/bin/python
XENKIT = str(Path(PYTHON).parent / "xenkit")
OVA_XML = b'<?xml version="1.0" ?><value><struct><member><name>version</name></member></struct></value>\n'


@dataclass(frozen=True)
class Timing:
    median_s: float
    min_s: float


def make_iso(tmp: Path, size_mib: int, chunk_mib: int) -> tuple[Path, dict[str, str]]:
    """A DDK-like ISO of about `size_mib` MiB of random chunks; returns it and name -> sha256 of every file."""
    import pycdlib

    tmp.mkdir(exist_ok=True)
    source = tmp / "source"
    source.mkdir()
    digests: dict[str, str] = {}
    image = pycdlib.PyCdlib()
    image.new(interchange_level=3, rock_ridge="1.09", joliet=3, vol_ident="DDK")
    image.add_directory(iso_path="/DDK", rr_name="ddk", joliet_path="/ddk")
    image.add_directory(iso_path="/DDK/XVDA", rr_name="xvda", joliet_path="/ddk/xvda")
    files = [("ddk/ova.xml", OVA_XML)]
    files += [(f"ddk/xvda/chunk-{i:09d}.gz", b"") for i in range(-(-size_mib // chunk_mib))]
    for name, data in files:
        path = source / name.replace("/", "_")
        with open(path, "wb") as out:
            if data:
                out.write(data)
            else:
                for _ in range(chunk_mib):
                    out.write(os.urandom(1 << 20))
        digests[name] = hashlib.sha256(path.read_bytes()).hexdigest()
        iso_path = "/" + name.upper().replace("-", "_") + ";1"
        image.add_file(str(path), iso_path=iso_path, rr_name=name.rsplit("/", 1)[1], joliet_path="/" + name)
    iso = tmp / "ddk.iso"
    image.write(str(iso))
    image.close()
    shutil.rmtree(source)
    return iso, digests


def check_tree(directory: Path, digests: dict[str, str], what: str) -> None:
    found = {str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in directory.rglob("*") if p.is_file()}
    if found != digests:
        print(f"FAILED: {what} extracted a different tree: {sorted(set(found) ^ set(digests))[:5]}", file=sys.stderr)
        sys.exit(1)


def run_once(cmd: list[str]) -> None:
    proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    if proc.returncode != 0:
        print(f"FAILED (exit {proc.returncode}): {shlex.join(cmd)}\n{proc.stderr}", file=sys.stderr)
        sys.exit(1)


def time_cmd(cmd: list[str], runs: int, warmup: int, prepare: Callable[[], None]) -> Timing:
    """Median and min wall time of `cmd`; `prepare` (untimed) runs before each run."""
    samples: list[float] = []
    for i in range(warmup + runs):
        prepare()
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if i >= warmup:
            samples.append(time.perf_counter() - start)
    return Timing(statistics.median(samples), min(samples))


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per extractor (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs first (default 1)")
    parser.add_argument("--size-mib", type=int, default=320, help="MiB of chunks in the ISO (default 320)")
    parser.add_argument("--chunk-mib", type=int, default=16, help="MiB per chunk file (default 16)")
    parser.add_argument("--dir", type=Path, default=None, help="where to make the temp directory (default $TMPDIR)")
    args = parser.parse_args()
    runs, warmup = max(1, args.runs), max(0, args.warmup)
    if not os.access(XENKIT, os.X_OK):
        print(f"{XENKIT} not found: run with the venv's python (.venv/bin/python)", file=sys.stderr)
        return 1
    print(f"machine: nproc={len(os.sched_getaffinity(0))}  python {platform.python_version()} ({PYTHON})")
    print(f"timing:  time.perf_counter, {runs} runs after {warmup} warm-up(s), wall time of a fresh process;")
    print("         the ISO is in the page cache; before each run the output is removed and os.sync() flushes")
    print("         the previous run's writes, so no run pays for another's writeback")

    with tempfile.TemporaryDirectory(prefix="xenkit-bench-iso-", dir=args.dir) as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        iso, digests = make_iso(tmp, args.size_mib, max(1, args.chunk_mib))
        size = iso.stat().st_size
        print(f"ISO:     {size / 2**20:.1f} MiB, {len(digests)} files, in {tmp} "
              f"(made in {time.perf_counter() - started:.1f} s)")
        print()
        out = tmp / "out"

        def fresh(make: bool = False) -> Callable[[], None]:
            def prepare() -> None:
                shutil.rmtree(out, ignore_errors=True)
                os.sync()
                if make:
                    out.mkdir()
            return prepare

        # (label, argv, whether the output directory must exist first)
        tools = [("xenkit ddk extract", [XENKIT, "ddk", "extract", str(iso), str(out)], False)]
        xorriso, bsdtar = shutil.which("xorriso"), shutil.which("bsdtar")
        if xorriso:
            argv = [xorriso, "-osirrox", "on", "-indev", str(iso), "-extract", "/", str(out)]
            tools.append(("xorriso -osirrox on -extract", argv, False))
        if bsdtar:
            tools.append(("bsdtar -xf", [bsdtar, "-xf", str(iso), "-C", str(out)], True))
        timings: dict[str, Timing] = {}
        for label, cmd, make in tools:
            fresh(make)()
            run_once(cmd)
            for path in [out, *out.rglob("*")]:  # xorriso copies the ISO's read-only modes
                if path.is_dir():
                    path.chmod(0o755)
            check_tree(out, digests, label)
            timings[label] = time_cmd(cmd, runs, warmup, fresh(make))
        fresh()()
        rss, rss_how = peak_rss_mib(tools[0][1])
        # The fixed cost: the same command on a 1 MiB ISO (Python start, imports, reading the tree, checks).
        small, _ = make_iso(tmp / "small", 1, 1)
        fixed = time_cmd([XENKIT, "ddk", "extract", str(small), str(out)], runs, warmup, fresh())
        shutil.rmtree(out, ignore_errors=True)

    xen = timings["xenkit ddk extract"]
    rows = [("what", "median s", "min s", "MiB/s (median)", "xenkit / this", "goal", "verdict")]
    for label, timing in timings.items():
        ratio = "-" if label.startswith("xenkit") else f"{xen.median_s / timing.median_s:.2f}x"
        goal, verdict = "-", "report"
        if label.startswith("bsdtar"):
            goal, verdict = "<= 1.00x", "OK" if xen.median_s <= timing.median_s else "MISSED"
        rows.append((label, f"{timing.median_s:.3f}", f"{timing.min_s:.3f}", f"{size / 2**20 / timing.median_s:.0f}",
                     ratio, goal, verdict))
    if not bsdtar:
        rows.append(("bsdtar -xf", "-", "-", "-", "-", "<= 1.00x", "not installed"))
    rows.append(("xenkit ddk extract, 1 MiB ISO", f"{fixed.median_s:.3f}", f"{fixed.min_s:.3f}", "-", "-", "-",
                 "report"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for i, cells in enumerate(rows):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    print()
    if not bsdtar:
        print("bsdtar: not installed (libarchive-tools; the goal 'at least as fast as bsdtar' is not judged)")
    if not xorriso:
        print("xorriso: not installed")
    data_s = xen.median_s - fixed.median_s
    print(f"xenkit's fixed cost (the 1 MiB row) is {fixed.median_s:.3f} s; the rest, {data_s:.3f} s, moves the data"
          f" ({size / 2**20 / max(data_s, 1e-6):.0f} MiB/s)")
    print(f"peak RSS, xenkit ddk extract: {rss:.1f} MiB  [{rss_how}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
