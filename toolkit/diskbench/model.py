"""The figures of one device's benchmark; None where a tool was missing or failed (its reason in `notes`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class FioResult:
    job: str  # "sync" (ioengine=sync, iodepth=1) or "libaio" (iodepth=8, direct)
    iops: float
    mb_per_s: float
    clat_avg_ms: float | None
    clat_p50_ms: float | None = None
    clat_p95_ms: float | None = None
    clat_p99_ms: float | None = None

    def as_json(self) -> dict[str, Any]:
        return {"job": self.job, "iops": round(self.iops, 1), "mb_per_s": round(self.mb_per_s, 2),
                "clat_avg_ms": _round(self.clat_avg_ms), "clat_p50_ms": _round(self.clat_p50_ms),
                "clat_p95_ms": _round(self.clat_p95_ms), "clat_p99_ms": _round(self.clat_p99_ms)}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


@dataclass
class DeviceResult:
    device: str
    target_dir: str
    cached_mb_per_s: float | None = None  # hdparm -T
    buffered_mb_per_s: float | None = None  # hdparm -t
    seeks_per_s: float | None = None
    seek_ms: float | None = None
    fio: list[FioResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"device": self.device, "target_dir": self.target_dir,
                "hdparm": {"cached_mb_per_s": self.cached_mb_per_s, "buffered_mb_per_s": self.buffered_mb_per_s},
                "seek": {"seeks_per_s": _round(self.seeks_per_s), "access_ms": _round(self.seek_ms)},
                "fio": [f.as_json() for f in self.fio], "notes": self.notes}
