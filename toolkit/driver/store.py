"""Content-addressed step outputs (osbuild's idea): a step's id is the hash of everything it depends on.

`step_id(name, options, inputs)` hashes the step's name, its options (canonical JSON), the ids or sha256s of
its inputs and xenkit's version. A step whose id has a complete entry in the store is not run again; its
outputs are taken from there. Entries are written to a temp directory and renamed into place, so an
interrupted run never leaves an entry that looks complete.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.errors import ToolkitError

_COMPLETE = "xenkit-step.json"


def default_store() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "xenkit" / "store"


def step_id(name: str, options: Mapping[str, Any], inputs: Mapping[str, str]) -> str:
    canonical = json.dumps({"step": name, "options": options, "inputs": dict(sorted(inputs.items())),
                            "xenkit": __version__}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Entry:
    id: str
    directory: Path
    record: dict[str, Any]  # what the step noted about its run (e.g. the RPM names it wrote)

    def files(self) -> list[Path]:
        return sorted(p for p in self.directory.iterdir() if p.name != _COMPLETE)


class Store:
    def __init__(self, root: Path) -> None:
        self.root = root

    def lookup(self, sid: str) -> Entry | None:
        directory = self.root / sid
        marker = directory / _COMPLETE
        if not marker.is_file():
            return None
        try:
            record = json.loads(marker.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # a damaged entry is a miss; the step runs again and replaces it
        return Entry(sid, directory, record)

    def put(self, sid: str, files: Mapping[str, Path], record: Mapping[str, Any]) -> Entry:
        """Copy `files` (name in the entry -> source path) into a new entry for `sid`."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{sid[:12]}.", dir=self.root))
        except OSError as exc:
            raise ToolkitError(f"{self.root}: cannot write the step store: {exc.strerror or exc}") from None
        try:
            for name, source in files.items():
                if "/" in name or name in ("", ".", "..", _COMPLETE):
                    raise ToolkitError(f"step store: bad output name {name!r} (a bug)")
                shutil.copyfile(source, tmp / name)
            (tmp / _COMPLETE).write_text(json.dumps(dict(record), sort_keys=True, indent=1), encoding="utf-8")
            target = self.root / sid
            if target.exists():
                shutil.rmtree(target)  # an old, damaged entry of the same id
            os.replace(tmp, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
            raise ToolkitError(f"{self.root}: cannot write the step store: {exc.strerror or exc}") from None
        except BaseException:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
            raise
        entry = self.lookup(sid)
        assert entry is not None
        return entry
