"""The step store's directory, read: which entries it holds, their records, sizes and last use.

Layout of <store>/:
  <id>/                 an entry: its files and MARKER (the record); whole, or absent
  .<id>.new-XXXX/       an entry being written (renamed to <id>/ when complete)
  .<id>.old-XXXX/       an entry being removed (renamed away first, so no half entry is ever at <id>/)
  .locks/<id>           the entry's lock file (store_lock.py)
Last use is the entry directory's mtime: set when the entry is written and on every hit. Nothing else
writes into an entry, and it does not depend on the file system keeping atimes (noatime, relatime).
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MARKER = "xenkit-step.json"
LOCKS = ".locks"
WORK_KINDS = ("new", "old")


@dataclass(frozen=True)
class StoredEntry:
    id: str
    directory: Path
    record: dict[str, Any] | None  # None: no readable marker (a damaged entry)
    size: int  # bytes, of every file in it
    last_used: float  # seconds since the epoch

    @property
    def label(self) -> str:
        """What the entry is a build of: its recipe (older entries: the source RPM's name)."""
        if self.record is None:
            return "(damaged)"
        return str(self.record.get("recipe") or self.record.get("srpm") or "-")


def read_record(directory: Path) -> dict[str, Any] | None:
    """The entry's record, or None if it is missing or unreadable (the entry counts as absent)."""
    try:
        record = json.loads((directory / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def work_name(sid: str, kind: str) -> str:
    """The prefix of a directory an entry is written in ("new") or removed from ("old")."""
    assert kind in WORK_KINDS
    return f".{sid}.{kind}-"


def entries(root: Path) -> list[StoredEntry]:
    """Every entry, least recently used first."""
    found = []
    for path in _directories(root):
        if path.name.startswith("."):
            continue
        try:
            last_used = path.stat().st_mtime
        except FileNotFoundError:
            continue  # removed since the listing
        found.append(StoredEntry(path.name, path, read_record(path), tree_size(path), last_used))
    return sorted(found, key=lambda entry: (entry.last_used, entry.id))


def leftovers(root: Path) -> list[tuple[str, Path]]:
    """(id, directory) of every entry write or removal in progress, or left behind by a killed process."""
    found = []
    for path in _directories(root):
        sid, dot, rest = path.name[1:].partition(".")
        if path.name.startswith(".") and dot and rest.split("-")[0] in WORK_KINDS:
            found.append((sid, path))
    return found


def tree_size(path: Path) -> int:
    total = 0
    for directory, _, files in os.walk(path):
        for name in files:
            with contextlib.suppress(FileNotFoundError):  # removed since the walk listed it
                total += os.lstat(os.path.join(directory, name)).st_size
    return total


def _directories(root: Path) -> list[Path]:
    try:
        return sorted(path for path in root.iterdir() if path.is_dir() and not path.is_symlink())
    except FileNotFoundError:
        return []
