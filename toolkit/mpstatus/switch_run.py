"""Run the multipath enable/disable plan on a host and check the paths afterwards (toolkit/generate/multipath_switch.py
renders the plan; the same text `--print` shows runs here, in the host's bash)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from toolkit.errors import ToolkitError
from toolkit.generate.multipath_switch import sr_luns
from toolkit.mpstatus.host_status import read_host_status
from toolkit.mpstatus.parse import StatusParseError, parse_status
from toolkit.remote.executor import Executor, run


@dataclass
class SwitchOutcome:
    changed: bool
    warnings: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def run_switch(ex: Executor, script: str, enable: bool, on_line: Callable[[str], None]) -> SwitchOutcome:
    pending = {"stdout": b"", "stderr": b""}

    def forward(stream: str, chunk: bytes) -> None:
        *complete, pending[stream] = (pending.get(stream, b"") + chunk).split(b"\n")
        for line in complete:
            on_line(line.decode("utf-8", "replace"))

    result = run(ex, ["bash", "-s"], stdin=script.encode(), check=False, on_output=forward, timeout=1800,
                 what=f"{ex.name}: multipath {'enable' if enable else 'disable'}")
    for rest in pending.values():
        if rest:
            on_line(rest.decode("utf-8", "replace"))
    output = result.stdout.decode("utf-8", "replace")
    if not result.ok:
        raise ToolkitError(f"{ex.name}: multipath {'enable' if enable else 'disable'} failed (exit {result.status}); "
                           "see the lines above for what was undone")
    outcome = SwitchOutcome(changed="nothing to do" not in output)
    if enable:
        _check_paths(ex, sr_luns(output), outcome)
    return outcome


def _check_paths(ex: Executor, luns: list[tuple[str, str]], outcome: SwitchOutcome) -> None:
    """Each SR's LUN should now be a multipath map with at least 2 usable paths (1: a warning, the vendor's
    prerequisite is several targets or HBAs; none: a problem)."""
    if not luns:
        return
    status = read_host_status(ex)
    try:
        topology = parse_status(status.text)
    except StatusParseError as exc:
        outcome.problems.append(f"{status.source}: {exc}")
        return
    maps = {m.wwid: m for m in topology.maps}
    for sr, scsi in luns:
        found = maps.get(scsi)
        if found is None:
            outcome.problems.append(f"SR {sr}: no multipath map for its LUN {scsi} in `{status.source}`")
            continue
        usable = len(found.usable_paths)
        if usable == 0:
            outcome.problems.append(f"SR {sr}: LUN {scsi} has no usable path")
        elif usable == 1:
            outcome.warnings.append(f"SR {sr}: LUN {scsi} has 1 usable path: multiple targets/HBAs?")
