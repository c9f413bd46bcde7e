"""The topology a status parse yields: maps, their path groups and paths, plus the lines that were skipped.

`as_json()` gives the documented shape exactly (every key present, None where the layout does not show a value);
the fields outside that shape (policy, features, write mode) exist so a topology can be rendered back in the
layout it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

USABLE_DM_STATE = "active"
USABLE_CHECKER_STATE = "ready"


@dataclass
class MpathPath:
    hcil: str | None
    dev: str | None
    devt: str | None
    dm_state: str | None = None
    checker_state: str | None = None
    online_state: str | None = None

    @property
    def usable(self) -> bool:
        """Multipath can send I/O down it now: device-mapper has it active and the path checker says ready."""
        return self.dm_state == USABLE_DM_STATE and self.checker_state == USABLE_CHECKER_STATE

    def as_json(self) -> dict[str, Any]:
        return {"hcil": self.hcil, "dev": self.dev, "devt": self.devt, "dm_state": self.dm_state,
                "checker_state": self.checker_state, "online_state": self.online_state}


@dataclass
class PathGroup:
    prio: int | None = None
    status: str | None = None
    policy: str | None = None
    paths: list[MpathPath] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"prio": self.prio, "status": self.status, "paths": [p.as_json() for p in self.paths]}


@dataclass
class MpathMap:
    name: str
    wwid: str
    dm: str | None = None
    vendor: str | None = None
    product: str | None = None
    size: str | None = None
    hwhandler: str | None = None
    features: str | None = None
    write_mode: str | None = None  # rw / ro: `wp=` of the tree layouts, the trailing `[rw]` of the bracket one
    path_groups: list[PathGroup] = field(default_factory=list)

    @property
    def paths(self) -> list[MpathPath]:
        return [path for group in self.path_groups for path in group.paths]

    @property
    def usable_paths(self) -> list[MpathPath]:
        return [path for path in self.paths if path.usable]

    def active_group(self) -> int | None:
        """The 1-based number of the group device-mapper sends I/O to, if the output says."""
        for number, group in enumerate(self.path_groups, 1):
            if group.status == "active":
                return number
        return None

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "wwid": self.wwid, "dm": self.dm, "vendor": self.vendor,
                "product": self.product, "size": self.size, "hwhandler": self.hwhandler,
                "path_groups": [g.as_json() for g in self.path_groups]}


@dataclass
class Topology:
    maps: list[MpathMap] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"maps": [m.as_json() for m in self.maps], "warnings": list(self.warnings)}
