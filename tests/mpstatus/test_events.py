"""The changes `multipath watch` reports between two readings (toolkit/mpstatus/events.py)."""

from __future__ import annotations

import copy
from pathlib import Path

from toolkit.mpstatus.events import diff_topologies
from toolkit.mpstatus.model import Topology
from toolkit.mpstatus.parse import parse_status

DATA = Path(__file__).parent / "data"


def seed() -> Topology:
    return parse_status((DATA / "bracket-seed.txt").read_text(encoding="utf-8"))


def kinds(before: Topology, after: Topology) -> list[tuple[str, str, str]]:
    return [(e.map, e.kind, e.detail) for e in diff_topologies(before, after, 0.0)]


def test_no_change_no_event() -> None:
    assert kinds(seed(), seed()) == []


def test_a_pulled_controller_removes_a_path_and_switches_the_group() -> None:
    before, after = seed(), seed()
    mpath = after.maps[0]
    del mpath.path_groups[0]  # SCM 1's path gone; its group with it
    mpath.path_groups[0].status = "active"
    assert kinds(before, after) == [
        ("22202000155fdb615", "path removed", "sda (0:0:2:0) was active ready"),
        ("22202000155fdb615", "group switched", "active group 1 (sda) -> 1 (sdc)"),
    ]


def test_state_changes_zero_paths_and_back() -> None:
    before, after = seed(), seed()
    for path in after.maps[1].paths:
        path.dm_state, path.checker_state = "failed", "faulty"
    events = kinds(before, after)
    assert ("222ac00015543fe63", "path state", "sde: active ready -> failed faulty") in events
    assert ("222ac00015543fe63", "no usable paths", "0 of 2 paths usable") in events
    back = kinds(after, copy.deepcopy(before))
    assert ("222ac00015543fe63", "paths usable again", "2 of 2 usable") in back


def test_maps_appear_and_disappear() -> None:
    before, after = seed(), seed()
    gone = after.maps.pop(1)
    assert kinds(before, after) == [("222ac00015543fe63", "map removed", "the map is gone from the status"),
                                    ("222ac00015543fe63", "no usable paths", "map removed")]
    assert kinds(after, before) == [(gone.name, "map added", "2/2 paths usable")]
