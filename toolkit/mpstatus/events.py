"""What changed between two multipath status readings: the events `multipath watch` prints and records.

Maps are matched by WWID and paths by device name (the H:C:I:L when a path has none), so a path that comes back
under the same name after a controller was pulled and pushed back is "added" again, as multipath sees it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from toolkit.mpstatus.model import MpathMap, MpathPath, Topology


@dataclass
class Event:
    time: float  # seconds since the epoch
    map: str
    kind: str  # map added / map removed / path added / path removed / path state / group switched /
    # no usable paths / paths usable again
    detail: str
    log: list[str] = field(default_factory=list)  # syslog lines read in the same poll

    def as_json(self) -> dict[str, Any]:
        return {"time": self.time, "map": self.map, "kind": self.kind, "detail": self.detail, "log": self.log}


def _path_key(path: MpathPath) -> str:
    return path.dev or path.hcil or "?"


def _states(path: MpathPath) -> str:
    return " ".join(s for s in (path.dm_state, path.checker_state, path.online_state) if s) or "no state"


def _paths(mpath: MpathMap) -> dict[str, MpathPath]:
    return {_path_key(path): path for path in mpath.paths}


def _active_paths(mpath: MpathMap) -> tuple[str, ...]:
    number = mpath.active_group()
    return () if number is None else tuple(sorted(_path_key(p) for p in mpath.path_groups[number - 1].paths))


def _group_text(mpath: MpathMap, paths: tuple[str, ...]) -> str:
    return f"{mpath.active_group()} ({', '.join(paths) or 'no paths'})" if paths else "none"


def diff_topologies(before: Topology, after: Topology, now: float) -> list[Event]:
    old = {m.wwid: m for m in before.maps}
    new = {m.wwid: m for m in after.maps}
    events: list[Event] = []
    for wwid, mpath in new.items():
        if wwid not in old:
            events.append(Event(now, mpath.name, "map added",
                                f"{len(mpath.usable_paths)}/{len(mpath.paths)} paths usable"))
    for wwid, mpath in old.items():
        if wwid not in new:
            events.append(Event(now, mpath.name, "map removed", "the map is gone from the status"))
            if mpath.usable_paths:
                events.append(Event(now, mpath.name, "no usable paths", "map removed"))
    for wwid, mpath in new.items():
        if wwid in old:
            events.extend(_map_changes(old[wwid], mpath, now))
    return events


def _map_changes(before: MpathMap, after: MpathMap, now: float) -> list[Event]:
    events: list[Event] = []
    old_paths, new_paths = _paths(before), _paths(after)
    for key, path in old_paths.items():
        if key not in new_paths:
            events.append(Event(now, after.name, "path removed", f"{key} ({path.hcil or '?'}) was {_states(path)}"))
    for key, path in new_paths.items():
        if key not in old_paths:
            events.append(Event(now, after.name, "path added", f"{key} ({path.hcil or '?'}) {_states(path)}"))
        elif _states(old_paths[key]) != _states(path):
            events.append(Event(now, after.name, "path state", f"{key}: {_states(old_paths[key])} -> {_states(path)}"))
    # A group is known by its paths, not its number: when a whole group goes, the numbers of the rest shift.
    old_active, new_active = _active_paths(before), _active_paths(after)
    if old_active != new_active:
        events.append(Event(now, after.name, "group switched",
                            f"active group {_group_text(before, old_active)} -> {_group_text(after, new_active)}"))
    old_usable, new_usable = len(before.usable_paths), len(after.usable_paths)
    if old_usable and not new_usable:
        events.append(Event(now, after.name, "no usable paths", f"0 of {len(after.paths)} paths usable"))
    elif new_usable and not old_usable:
        events.append(Event(now, after.name, "paths usable again", f"{new_usable} of {len(after.paths)} usable"))
    return events
