"""Read what hdparm and fio print: hdparm's "Timing ... = N MB/sec" lines, fio's JSON (fio 2.1+), and fio 1.x's
text report (the admin's Debian 6 guest ran fio 1.x: `read : io=131072KB, bw=7277KB/s, iops=1819, runt= 18012msec`
and `clat (usec): min=6, max=6821, avg=541.36, ...`)."""

from __future__ import annotations

import json
import re
from typing import Any

from toolkit.diskbench.model import FioResult

_HDPARM = re.compile(r"Timing (?P<kind>cached|buffered disk) reads:.*=\s*(?P<rate>[\d.]+) (?P<unit>[kMG]B)/sec")
_UNIT = {"kB": 1 / 1024, "MB": 1.0, "GB": 1024.0}
_FIO1_READ = re.compile(
    r"read\s*:\s*io=[^,]+,\s*bw=(?P<bw>[\d.]+)(?P<unit>[KMG]?B)/s,\s*iops=(?P<iops>[\d.]+)(?P<k>k?)")
_FIO1_CLAT = re.compile(r"^\s*clat \((?P<unit>usec|msec|nsec)\):.*avg=\s*(?P<avg>[\d.]+)", re.M)
_TO_MS = {"nsec": 1e-6, "usec": 1e-3, "msec": 1.0}
_BW_TO_MB = {"B": 1 / 2**20, "KB": 1 / 1024, "MB": 1.0, "GB": 1024.0}


def parse_hdparm(text: str) -> tuple[float | None, float | None]:
    """(cached MB/s, buffered MB/s) from `hdparm -tT`; None for a line that is missing."""
    found: dict[str, float] = {}
    for match in _HDPARM.finditer(text):
        found[match["kind"]] = float(match["rate"]) * _UNIT[match["unit"]]
    return found.get("cached"), found.get("buffered disk")


def parse_fio_json(job: str, text: str) -> FioResult:
    """fio --output-format=json: the first job's read side. fio 3 reports clat_ns, fio 2 clat (in usec)."""
    start = text.find("{")
    data: dict[str, Any] = json.loads(text[start:]) if start >= 0 else {}
    jobs = data.get("jobs") or []
    if not jobs:
        raise ValueError("fio's JSON holds no job")
    read = jobs[0]["read"]
    if "clat_ns" in read:
        clat, scale = read["clat_ns"], 1e-6
    else:
        clat, scale = read.get("clat", {}), 1e-3
    percentiles = {float(k): v for k, v in (clat.get("percentile") or {}).items()}

    def pct(p: float) -> float | None:
        value = percentiles.get(p)
        return None if value is None else float(value) * scale

    bw_kib = float(read.get("bw", 0))  # KiB/s in every fio JSON version
    return FioResult(job, float(read.get("iops", 0.0)), bw_kib / 1024,
                     float(clat["mean"]) * scale if "mean" in clat else None, pct(50.0), pct(95.0), pct(99.0))


def parse_fio_text(job: str, text: str) -> FioResult:
    """fio 1.x's text report (no percentiles there)."""
    read = _FIO1_READ.search(text)
    if read is None:
        raise ValueError("no 'read : io=..., bw=..., iops=...' line in fio's output")
    iops = float(read["iops"]) * (1000 if read["k"] else 1)
    clat = _FIO1_CLAT.search(text)
    avg = float(clat["avg"]) * _TO_MS[clat["unit"]] if clat else None
    return FioResult(job, iops, float(read["bw"]) * _BW_TO_MB[read["unit"] or "B"], avg)


def fio_supports_json(version_text: str) -> bool:
    """`fio --version` prints "fio-3.33" (or "fio 1.59"): JSON output came with fio 2.0.10; 2.1 is the floor here."""
    match = re.search(r"fio[- ]?(\d+)\.(\d+)", version_text)
    return match is not None and (int(match.group(1)), int(match.group(2))) >= (2, 1)
