"""How one host's roll-out ended, and the summary of all of them: a table, or (--json) a list of objects with
host, result, step, reason, seconds and log, and tail: install.sh's last lines when it failed (else []).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

INSTALLED = "installed"
REBOOT_NEEDED = "installed, reboot needed"
ALREADY = "already installed"
DRY_RUN_OK = "dry run ok"
FAILED = "failed"
SKIPPED = "skipped"
NOT_STARTED = "not started"
SUCCESS = (INSTALLED, REBOOT_NEEDED, ALREADY, DRY_RUN_OK)


@dataclass(frozen=True)
class HostResult:
    host: str  # as the user named it
    result: str  # one of the names above
    step: str | None = None  # where it failed
    reason: str | None = None  # why it failed or was skipped
    seconds: float = 0.0
    log: Path | None = None
    tail: tuple[str, ...] = ()  # the last lines of install.sh's output, when it failed

    @property
    def ok(self) -> bool:
        return self.result in SUCCESS

    @property
    def shown(self) -> str:
        if self.result == FAILED:
            return f"failed at {self.step}"
        if self.result == SKIPPED:
            return f"skipped: {self.reason}"
        return self.result

    def as_dict(self) -> dict[str, Any]:
        return {"host": self.host, "result": self.result, "step": self.step, "reason": self.reason,
                "seconds": round(self.seconds, 1), "log": str(self.log) if self.log else None, "tail": list(self.tail)}


def summary_json(results: Sequence[HostResult]) -> str:
    return json.dumps([result.as_dict() for result in results], indent=2)


def summary_lines(results: Sequence[HostResult]) -> list[str]:
    """The table: host, result, seconds, log; under a failed host its reason and install.sh's last lines."""
    host_width = max([4, *(len(r.host) for r in results)])
    result_width = max([6, *(len(r.shown) for r in results)])
    lines = [f"{'HOST':{host_width}}  {'RESULT':{result_width}}  {'SECONDS':>7}  LOG"]
    for r in results:
        lines.append(f"{r.host:{host_width}}  {r.shown:{result_width}}  {r.seconds:7.1f}  {r.log or '-'}".rstrip())
        if r.result == FAILED and r.reason:
            lines.append(f"{'':{host_width}}    {r.reason}")
            lines.extend(f"{'':{host_width}}    | {line}" for line in r.tail)
    return lines
