"""The Markdown report of a disk benchmark and its chart's panels (IOPS, MB/s, fio latency percentiles)."""

from __future__ import annotations

from collections.abc import Sequence

from toolkit.diskbench.chart_svg import Panel, render_chart
from toolkit.diskbench.model import DeviceResult, FioResult
from toolkit.diskbench.table import rows


def _fio(result: DeviceResult, job: str) -> FioResult | None:
    return next((f for f in result.fio if f.job == job), None)


def chart(results: Sequence[DeviceResult]) -> str:
    def values(pick: list[tuple[str, str]]) -> list[list[float | None]]:
        out = []
        for result in results:
            row: list[float | None] = []
            for job, field in pick:
                fio = _fio(result, job)
                row.append(None if fio is None else getattr(fio, field))
            out.append(row)
        return out

    panels = [
        Panel("fio random reads", "IOPS", ["sync", "libaio x8"], values([("sync", "iops"), ("libaio", "iops")])),
        Panel("throughput", "MB/s", ["hdparm -t", "fio sync", "fio libaio"],
              [[r.buffered_mb_per_s, *row] for r, row in
               zip(results, values([("sync", "mb_per_s"), ("libaio", "mb_per_s")]), strict=True)]),
        Panel("libaio completion latency", "ms", ["p50", "p95", "p99"],
              values([("libaio", "clat_p50_ms"), ("libaio", "clat_p95_ms"), ("libaio", "clat_p99_ms")])),
    ]
    return render_chart([r.device for r in results], panels)


def markdown(host: str, results: Sequence[DeviceResult], chart_name: str, jobs: dict[str, str]) -> str:
    out = [f"# Disk benchmark on {host}", "", f"![bar chart of the devices]({chart_name})", ""]
    for result in results:
        out += [f"## {result.device}", "", f"fio's files in `{result.target_dir}`.", "", "| measure | result |",
                "|---|---|"]
        out += [f"| {name} | {value} |" for name, value in rows(result)]
        out += [f"- note: {note}" for note in result.notes]
        out.append("")
    out += ["## fio job files", ""]
    for name, text in jobs.items():
        out += [f"`{name}`:", "", "```ini", text.rstrip("\n"), "```", ""]
    return "\n".join(out)
