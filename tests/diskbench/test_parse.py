"""hdparm's and fio's outputs read back: the admin's own captures (fio 1.x text) and real fio 3 JSON."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.diskbench.jobs import BenchSizes, fio_job
from toolkit.diskbench.model import DeviceResult, FioResult
from toolkit.diskbench.parse import fio_supports_json, parse_fio_json, parse_fio_text, parse_hdparm
from toolkit.diskbench.report import chart, markdown
from toolkit.diskbench.table import device_table

DATA = Path(__file__).parent / "data"


def test_hdparm_lines() -> None:
    assert parse_hdparm((DATA / "hdparm.txt").read_text()) == (6824.44, 473.73)
    assert parse_hdparm(" Timing cached reads:   18800 MB in  2.00 seconds = 9.18 GB/sec\n") == (9.18 * 1024, None)
    assert parse_hdparm("BLKFLSBUF failed: Inappropriate ioctl for device\n") == (None, None)


def test_fio_1x_text_reports_of_the_blog() -> None:
    sync = parse_fio_text("sync", (DATA / "fio1-sync.txt").read_text())
    assert (sync.iops, round(sync.mb_per_s, 2), round(sync.clat_avg_ms or 0, 5)) == (1819.0, 7.11, 0.54136)
    aio = parse_fio_text("libaio", (DATA / "fio1-libaio.txt").read_text())
    assert (aio.iops, round(aio.clat_avg_ms or 0, 5), aio.clat_p99_ms) == (9391.0, 0.83325, None)
    with pytest.raises(ValueError):
        parse_fio_text("sync", "fio: engine libaio not loadable\n")


@pytest.mark.parametrize("text, json_ok", [("fio-3.33", True), ("fio-2.1.11", True), ("fio 2.0.8", False),
                                           ("fio 1.59", False), ("", False)])
def test_which_fio_speaks_json(text: str, json_ok: bool) -> None:
    assert fio_supports_json(text) is json_ok


def test_real_fio_json_is_read(tmp_path: Path) -> None:
    fio = require_program("fio")
    sizes = BenchSizes(fio_size="4m", fio_runtime=5)
    job = tmp_path / "job.fio"
    job.write_text(fio_job("sync", str(tmp_path), sizes))
    done = subprocess.run([fio, "--output-format=json", str(job)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = parse_fio_json("sync", done.stdout)
    assert result.iops > 0 and result.mb_per_s > 0 and result.clat_avg_ms is not None
    assert result.clat_p50_ms is not None and result.clat_p99_ms is not None
    assert result.clat_p50_ms <= result.clat_p99_ms


def test_the_job_files_are_the_blogs_two_jobs() -> None:
    sizes = BenchSizes()
    assert fio_job("sync", "/tmp", sizes) == ("[xenkit-random-read]\nrw=randread\nbs=4k\nsize=128m\n"
                                              "directory=/tmp\nruntime=60\n")
    assert fio_job("libaio", "/home", sizes).endswith("ioengine=libaio\niodepth=8\ndirect=1\ninvalidate=1\n")


def test_table_report_and_chart() -> None:
    a = DeviceResult("/dev/xvda", "/tmp", 6824.44, 473.73, 5498.0, 0.18,
                     [FioResult("sync", 1819, 7.1, 0.54), FioResult("libaio", 9391, 36.7, 0.83, 0.7, 1.2, 2.0)])
    b = DeviceResult("/dev/xvdb", "/home", None, None, None, None, [], ["hdparm: not installed in the guest"])
    lines = device_table(a)
    assert lines[0] == "/dev/xvda (fio files in /tmp)"
    assert "  fio randread 4k libaio x8 direct  9391 IOPS, 36.7 MB/s, clat avg 0.830 ms, p50 0.700 ms, " \
           "p95 1.200 ms, p99 2.000 ms" in lines
    assert device_table(b)[-1] == "  note: hdparm: not installed in the guest"
    svg = ET.fromstring(chart([a, b]))
    bars = [e for e in svg.iter("{http://www.w3.org/2000/svg}rect") if e.find("{http://www.w3.org/2000/svg}title")
            is not None]
    assert len(bars) == 2 + 3 + 3  # a's values; b has none (n/a)
    text = markdown("guest1", [a, b], "r.svg", {"sync.fio": "[x]\n"})
    assert "![bar chart of the devices](r.svg)" in text and "| random seeks | 5498/s, 0.18 ms access time |" in text
