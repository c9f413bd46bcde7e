"""`sr hba-list`: the LUNs a host sees under /dev/disk/by-id, each with its size, its multipath map and usable
paths (from the status parser), and the SR that already uses it, if any."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.generate.sr_hba import HBA_LIST_SCRIPT
from toolkit.mpstatus.host_status import read_host_status
from toolkit.mpstatus.parse import StatusParseError, parse_status
from toolkit.remote.executor import Executor, run


@dataclass(frozen=True)
class Lun:
    scsi_id: str
    device: str
    size: int | None
    map_name: str | None
    usable_paths: int | None
    total_paths: int | None
    sr: str | None

    def as_json(self) -> dict[str, Any]:
        return {"scsi_id": self.scsi_id, "device": self.device, "size": self.size, "map": self.map_name,
                "paths_usable": self.usable_paths, "paths_total": self.total_paths, "sr": self.sr}


def list_luns(ex: Executor) -> tuple[list[Lun], list[str]]:
    """The LUNs and the warnings (a status that could not be read)."""
    text = run(ex, ["sh", "-c", HBA_LIST_SCRIPT], what=f"{ex.name}: listing /dev/disk/by-id and the PBDs").text()
    luns: list[tuple[str, str, int | None]] = []
    used: dict[str, str] = {}
    for line in text.splitlines():
        words = line.split()
        if words[:1] == ["lun"] and len(words) == 4:
            luns.append((words[1], words[2], int(words[3]) if words[3].isdigit() else None))
        elif words[:1] == ["pbd"] and len(words) == 4:
            for key in words[2:]:
                if key != "-":
                    used[key.removeprefix("/dev/disk/by-id/scsi-")] = words[1]
    warnings: list[str] = []
    maps = {}
    status = read_host_status(ex)
    try:
        maps = {m.wwid: m for m in parse_status(status.text).maps}
    except StatusParseError as exc:
        warnings.append(f"{status.source}: {exc}")
    found = []
    for scsi_id, device, size in luns:
        mpath = maps.get(scsi_id)
        found.append(Lun(scsi_id, device, size, mpath.name if mpath else None,
                         len(mpath.usable_paths) if mpath else None, len(mpath.paths) if mpath else None,
                         used.get(scsi_id)))
    return found, warnings
