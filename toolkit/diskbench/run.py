"""Run the benchmark of one device in a guest through an executor: each tool in turn, each absence or failure
noted (never fatal), temporary job files and fio's data file removed whatever happens."""

from __future__ import annotations

from toolkit.diskbench.jobs import JOB_NAME, SEEK_SCRIPT, BenchSizes, fio_job
from toolkit.diskbench.model import DeviceResult
from toolkit.diskbench.parse import fio_supports_json, parse_fio_json, parse_fio_text, parse_hdparm
from toolkit.remote.executor import Executor, RunResult, run
from toolkit.report import say

_PROBE = ("PATH=$PATH:/usr/sbin:/sbin; for t in hdparm fio python3 python; do "
          "if command -v $t >/dev/null 2>&1; then echo \"$t yes\"; else echo \"$t no\"; fi; done; "
          "fio --version 2>/dev/null | head -n 1")
_FIO = ('PATH=$PATH:/usr/sbin:/sbin; d=$(mktemp -d /tmp/xenkit-bench.XXXXXX) || exit 1; cat > "$d/job.fio"; '
        'fio $1 "$d/job.fio"; rc=$?; rm -rf "$d"; rm -f "$2/' + JOB_NAME + '".*; exit $rc')


class GuestTools:
    def __init__(self, ex: Executor) -> None:
        lines = run(ex, ["sh", "-c", _PROBE], what=f"{ex.name}: looking for hdparm, fio and python").text()
        found = dict(line.split(" ", 1) for line in lines.splitlines() if line.endswith((" yes", " no")))
        self.hdparm = found.get("hdparm") == "yes"
        self.fio = found.get("fio") == "yes"
        self.python = "python3" if found.get("python3") == "yes" else "python" if found.get("python") == "yes" else None
        version = next((line for line in lines.splitlines() if line.startswith("fio") and line != "fio yes"), "")
        self.fio_version = version.strip()
        self.fio_json = fio_supports_json(version)


def _why(result: RunResult) -> str:
    return result.output_tail(2).replace("\n", " / ") or f"exit {result.status}"


def bench_device(ex: Executor, tools: GuestTools, device: str, target_dir: str, sizes: BenchSizes) -> DeviceResult:
    result = DeviceResult(device, target_dir)
    if tools.hdparm:
        say(f"{device}: hdparm -tT")
        done = run(ex, ["sh", "-c", 'PATH=$PATH:/usr/sbin:/sbin; exec hdparm -tT "$1"', "sh", device], check=False,
                   timeout=120)
        result.cached_mb_per_s, result.buffered_mb_per_s = parse_hdparm(done.text())
        if not done.ok or result.buffered_mb_per_s is None:
            result.notes.append(f"hdparm -tT failed: {_why(done)}")
    else:
        result.notes.append("hdparm: not installed in the guest")
    if tools.python:
        say(f"{device}: random seeks ({sizes.seek_count} at most, {sizes.seek_seconds:g} s at most)")
        done = run(ex, [tools.python, "-", device, str(sizes.seek_count), str(sizes.seek_seconds)],
                   stdin=SEEK_SCRIPT.encode(), check=False, timeout=sizes.seek_seconds + 60)
        words = done.text().split()
        if done.ok and words[:1] == ["seeks"] and len(words) == 4 and float(words[2]) > 0:
            count, seconds = int(words[1]), float(words[2])
            result.seeks_per_s, result.seek_ms = count / seconds, seconds / count * 1000
        else:
            result.notes.append(f"seek test failed: {_why(done)}")
    else:
        result.notes.append("seek test: no python in the guest")
    if not tools.fio:
        result.notes.append("fio: not installed in the guest")
        return result
    for kind in ("sync", "libaio"):
        say(f"{device}: fio random reads, {kind} (files in {target_dir}, {sizes.fio_size})")
        option = "--output-format=json" if tools.fio_json else ""
        done = run(ex, ["sh", "-c", _FIO, "sh", option, target_dir], stdin=fio_job(kind, target_dir, sizes).encode(),
                   check=False, timeout=sizes.fio_runtime * 2 + 120)
        if not done.ok:
            result.notes.append(f"fio {kind} failed: {_why(done)}")
            continue
        try:
            parsed = parse_fio_json(kind, done.text()) if tools.fio_json else parse_fio_text(kind, done.text())
        except (ValueError, KeyError) as exc:
            result.notes.append(f"fio {kind}: its output could not be read ({exc})")
            continue
        result.fio.append(parsed)
    return result
