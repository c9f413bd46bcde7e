"""A watch as the admin hands it on: the Markdown report for a change ticket, the JSON, the closing summary."""

from __future__ import annotations

import time
from typing import Any

from toolkit.mpstatus.watch import WatchRecord


def _stamp(when: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(when))


def _fence(text: str) -> list[str]:
    fence = "````" if "```" in text else "```"
    return [f"{fence}text", *(text.rstrip("\n").splitlines() or ["(no output)"]), fence]


def summary_lines(record: WatchRecord) -> list[str]:
    if not record.figures:
        return ["no multipath maps were seen"]
    lines = []
    for figures in record.figures.values():
        lines.append(f"{figures.name}: {figures.events} event(s), fewest usable paths {figures.fewest_usable}, "
                     f"degraded {figures.degraded_seconds:.0f} s, no usable path {figures.zero_seconds:.0f} s"
                     + ("  << LOST ALL PATHS" if figures.ever_zero else ""))
    if record.drops:
        lines.append(f"connection lost {len(record.drops)} time(s) during the watch")
    return lines


def as_json(record: WatchRecord) -> dict[str, Any]:
    return {
        "host": record.host, "started": record.started, "ended": record.ended, "interval": record.interval,
        "status_source": record.source, "log_source": record.log_source,
        "events": [event.as_json() for event in record.events], "log_without_events": record.loose_log,
        "summary": [figures.as_json() for figures in record.figures.values()],
        "connection_drops": record.drops,
        "before": record.before.as_json() if record.before else None,
        "after": record.after.as_json() if record.after else None,
    }


def markdown(record: WatchRecord) -> str:
    ended = record.ended or time.time()
    out = [f"# Multipath watch on {record.host}", "",
           f"- From {_stamp(record.started)} to {_stamp(ended)} ({ended - record.started:.0f} s), "
           f"a reading every {record.interval:g} s",
           f"- Status read with `{record.source}`; log followed: {record.log_source or 'none'}",
           f"- Connection lost {len(record.drops)} time(s)" if record.drops else "- The connection held throughout",
           "", "## Status before", "", *_fence(record.before_text), "", "## Events", ""]
    if not record.events:
        out.append("No change was seen.")
    for event in record.events:
        out.append(f"- **{time.strftime('%H:%M:%S', time.localtime(event.time))}** `{event.map}`: "
                   f"{event.kind}: {event.detail}")
        if event.log:
            out += ["", *("  " + line for line in _fence("\n".join(event.log))), ""]
    if record.loose_log:
        out += ["", "Log lines read while the status did not change:", "", *_fence("\n".join(record.loose_log))]
    for drop in record.drops:
        out.append(f"- connection lost: {drop}")
    out += ["", "## Summary", "", "| map | events | fewest usable paths | degraded (s) | no usable path (s) |",
            "|---|---|---|---|---|"]
    for figures in record.figures.values():
        out.append(f"| `{figures.name}` | {figures.events} | {figures.fewest_usable} | "
                   f"{figures.degraded_seconds:.0f} | {figures.zero_seconds:.0f} |")
    out += ["", "## Status after", "", *_fence(record.after_text if record.after_text is not None
                                             else "(not read: the connection was down at the end)"), ""]
    return "\n".join(out)
