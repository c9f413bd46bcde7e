"""One table per device, as printed, and the same rows for the Markdown report."""

from __future__ import annotations

from toolkit.diskbench.model import DeviceResult, FioResult

_JOB_TITLE = {"sync": "fio randread 4k sync", "libaio": "fio randread 4k libaio x8 direct"}


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f} ms"


def rows(result: DeviceResult) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if result.cached_mb_per_s is not None:
        out.append(("hdparm cached reads", f"{result.cached_mb_per_s:.1f} MB/s"))
    if result.buffered_mb_per_s is not None:
        out.append(("hdparm buffered disk reads", f"{result.buffered_mb_per_s:.1f} MB/s"))
    if result.seeks_per_s is not None and result.seek_ms is not None:
        out.append(("random seeks", f"{result.seeks_per_s:.0f}/s, {result.seek_ms:.2f} ms access time"))
    for fio in result.fio:
        out.append((_JOB_TITLE.get(fio.job, fio.job), _fio_text(fio)))
    return out


def _fio_text(fio: FioResult) -> str:
    return (f"{fio.iops:.0f} IOPS, {fio.mb_per_s:.1f} MB/s, clat avg {_ms(fio.clat_avg_ms)}, "
            f"p50 {_ms(fio.clat_p50_ms)}, p95 {_ms(fio.clat_p95_ms)}, p99 {_ms(fio.clat_p99_ms)}")


def device_table(result: DeviceResult) -> list[str]:
    lines = [f"{result.device} (fio files in {result.target_dir})"]
    table = rows(result)
    width = max((len(name) for name, _value in table), default=0)
    lines += [f"  {name:<{width}}  {value}" for name, value in table]
    lines += [f"  note: {note}" for note in result.notes]
    return lines
