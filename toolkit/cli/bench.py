"""`xenkit bench disk`: the admin's disk comparison in a guest, as one command."""

from __future__ import annotations

import json
from pathlib import Path

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import UsageError


@click.group()
def bench() -> None:
    """Benchmarks run in a guest over SSH."""


@bench.command("disk")
@host_options
@click.option("--device", "devices", multiple=True, metavar="DEV",
              help="A block device (or a file) to measure, e.g. /dev/xvdb; repeat it to compare devices.")
@click.option("--target-dir", "target_dirs", multiple=True, metavar="DIR",
              help="The directory where fio lays out its test file, on a filesystem of the device: one for every "
                   "--device, in the same order, or one for all (default /tmp).")
@click.option("--size", default="128m", show_default=True, metavar="SIZE",
              help="fio's file size (fio's syntax: 128m, 1g).")
@click.option("--runtime", type=click.IntRange(1, 3600), default=60, show_default=True, metavar="S",
              help="fio stops each job after S seconds.")
@click.option("--seek-count", type=click.IntRange(10, 10_000_000), default=10000, show_default=True, metavar="N",
              help="Random reads of the seek test (it also stops after --seek-seconds).")
@click.option("--seek-seconds", type=click.FloatRange(0.5, 600), default=20.0, show_default=True, metavar="S")
@click.option("--json", "as_json", is_flag=True, help="Print the figures of every device as JSON.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write a Markdown report (tables, job files) and beside it a bar chart FILE-stem.svg comparing "
                   "the devices (IOPS, MB/s, latency percentiles).")
def disk(host: str | None, trust_new_host: bool, devices: tuple[str, ...], target_dirs: tuple[str, ...], size: str,
         runtime: int, seek_count: int, seek_seconds: float, as_json: bool, report_path: Path | None) -> None:
    """Measure disks the way the admin compared SSD and SAS: hdparm -tT, random seeks, fio random reads.

    In the guest (--host) for each --device: `hdparm -tT DEV` (cached and buffered reads), a
    built-in random-read timing over the device (seeks per second, access time), and two fio jobs
    written by xenkit: 4k random reads with ioengine=sync, then libaio with iodepth=8 and
    direct=1, in --target-dir. fio's JSON output is read where fio has it (2.1 and later), its
    text report otherwise (1.x). A tool the guest lacks is reported, not fatal. fio's file and job
    files are removed afterwards. One table per device; --json and --report for the record.

    \b
    Example:
      xenkit bench disk --host guest1 --device /dev/xvda --target-dir /tmp \\
        --device /dev/xvdb --target-dir /home --report ims-disks.md
    """
    from toolkit.cli.hostopts import open_host
    from toolkit.diskbench.jobs import BenchSizes, fio_job
    from toolkit.diskbench.run import GuestTools, bench_device
    from toolkit.diskbench.table import device_table

    if host is None:
        raise UsageError("--host GUEST is required: the disks are measured in the guest")
    if not devices:
        raise UsageError("give at least one --device DEV (e.g. --device /dev/xvda)")
    pairs = _pair(devices, target_dirs)
    if not _fio_size_ok(size):
        raise UsageError(f"--size {size!r}: give a size as fio reads it, e.g. 128m or 1g")
    sizes = BenchSizes(size, runtime, seek_count, seek_seconds)
    results = []
    with open_host(host, trust_new_host) as executor:
        tools = GuestTools(executor)
        for device, target in pairs:
            results.append(bench_device(executor, tools, device, target, sizes))
    if as_json:
        click.echo(json.dumps([r.as_json() for r in results], indent=2))
    else:
        for result in results:
            for line in device_table(result):
                click.echo(line)
    if report_path is not None:
        from toolkit.diskbench.report import chart, markdown
        from toolkit.output import write_output

        chart_path = report_path.with_name(report_path.stem + ".svg")
        jobs = {f"{kind}.fio": fio_job(kind, pairs[0][1], sizes) for kind in ("sync", "libaio")}
        write_output(chart_path, chart(results), label=f"--report {chart_path}")
        write_output(report_path, markdown(host, results, chart_path.name, jobs), label=f"--report {report_path}")
        click.echo(f"wrote {report_path} and {chart_path}", err=True)


def _pair(devices: tuple[str, ...], dirs: tuple[str, ...]) -> list[tuple[str, str]]:
    for value, option in [*((d, "--device") for d in devices), *((d, "--target-dir") for d in dirs)]:
        if not value.startswith("/") or not value.isprintable():
            raise UsageError(f"{option} {value!r}: give an absolute path in the guest")
    if len(dirs) > 1 and len(dirs) != len(devices):
        raise UsageError(f"{len(dirs)} --target-dir for {len(devices)} --device: give one for each device, "
                         "or one for all")
    targets = list(dirs) if len(dirs) > 1 else [dirs[0] if dirs else "/tmp"] * len(devices)
    return list(zip(devices, targets, strict=True))


def _fio_size_ok(text: str) -> bool:
    import re

    return re.fullmatch(r"\d+[kmgt]?i?b?", text.lower()) is not None
