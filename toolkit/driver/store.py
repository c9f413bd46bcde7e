"""Content-addressed step outputs (osbuild's idea): a step's id is the hash of everything it depends on.

`step_id(name, options, inputs)` hashes the step's name, its options (canonical JSON), the ids or sha256s of
its inputs and xenkit's version. A step whose id has a complete entry in the store is not run again; its
outputs are taken from there. An entry is read and written only under its lock (store_lock.py): two
builds of the same inputs do not race, the second waits and then finds the first one's entry. Entries are
written in a directory of their own and renamed into place, so an interrupted run never leaves an entry
that looks complete. After each store the least recently used entries are removed until the store fits
its size bound; an entry that a running build holds is never removed. The layout: store_scan.py.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.driver.store_lock import EntryLock
from toolkit.driver.store_scan import LOCKS, MARKER, StoredEntry, entries, leftovers, read_record, tree_size, work_name
from toolkit.errors import ToolkitError

DEFAULT_MAX_SIZE = 2 * 2**30  # 2 GiB: hundreds of driver builds, each a few MiB of RPMs and a log


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
        return sorted(p for p in self.directory.iterdir() if p.name != MARKER)


@dataclass(frozen=True)
class PruneReport:
    removed: list[StoredEntry]  # least recently used first
    in_use: list[StoredEntry]  # would have been removed, but a running build holds them
    leftovers: int  # directories of killed writes removed
    freed: int  # bytes
    total: int  # bytes the store holds now
    kept: int  # entries it holds now


class Store:
    def __init__(self, root: Path, max_size: int = DEFAULT_MAX_SIZE) -> None:
        self.root = root
        self.max_size = max_size

    def lookup(self, sid: str) -> Entry | None:
        """The complete entry of `sid`, or None. A hit counts as a use (for pruning)."""
        directory = self.root / sid
        record = read_record(directory)
        if record is None:
            return None  # absent, or damaged: a miss, the step runs again and replaces it
        with contextlib.suppress(OSError):
            os.utime(directory)  # best effort: a store this user cannot write is still read
        return Entry(sid, directory, record)

    @contextlib.contextmanager
    def claim(self, sid: str, on_wait: Callable[[], None] | None = None) -> Iterator[Claim]:
        """Hold the lock of `sid` (waiting for another holder, after calling `on_wait`) to read or write it."""
        lock = EntryLock(self.root / LOCKS / sid)
        try:
            lock.acquire(on_wait=on_wait)
        except OSError as exc:
            raise self._error(exc) from None
        try:
            yield Claim(self, sid)
        finally:
            lock.release()

    def put(self, sid: str, files: Mapping[str, Path], record: Mapping[str, Any]) -> Entry:
        """Copy `files` (name in the entry -> source path) into a new entry for `sid`, unless another
        writer stored `sid` first: then that entry is the result."""
        with self.claim(sid) as claim:
            return claim.lookup() or claim.put(files, record)

    def entries(self) -> list[StoredEntry]:
        """Every entry, least recently used first."""
        try:
            return entries(self.root)
        except OSError as exc:
            raise ToolkitError(f"{self.root}: cannot read the step store: {exc.strerror or exc}") from None

    def prune(self, max_size: int) -> PruneReport:
        """Remove the least recently used entries until the store holds at most `max_size` bytes."""
        try:
            return self._prune(max_size)
        except OSError as exc:
            raise ToolkitError(f"{self.root}: cannot prune the step store: {exc.strerror or exc}") from None

    def _prune(self, max_size: int) -> PruneReport:
        leftover_count, freed = self._remove_leftovers()
        stored = entries(self.root)
        total = sum(entry.size for entry in stored)
        removed, in_use = [], []
        for entry in stored:
            if total <= max_size:
                break
            lock = EntryLock(self.root / LOCKS / entry.id)
            if not lock.acquire(wait=False):
                in_use.append(entry)
                continue
            try:
                gone = self._remove(entry.id)
                lock.discard()
            finally:
                lock.release()
            total -= entry.size
            if gone:  # else another prune removed it first
                removed.append(entry)
                freed += entry.size
        return PruneReport(removed, in_use, leftover_count, freed, total, len(stored) - len(removed))

    def _write(self, sid: str, files: Mapping[str, Path], record: Mapping[str, Any]) -> Entry:
        try:
            tmp = Path(tempfile.mkdtemp(prefix=work_name(sid, "new"), dir=self.root))
        except OSError as exc:
            raise self._error(exc) from None
        try:
            for name, source in files.items():
                if "/" in name or name in ("", ".", "..", MARKER):
                    raise ToolkitError(f"step store: bad output name {name!r} (a bug)")
                shutil.copyfile(source, tmp / name)
            (tmp / MARKER).write_text(json.dumps(dict(record), sort_keys=True, indent=1), encoding="utf-8")
            self._remove(sid)  # an older entry of the same id (--no-cache, or a damaged one)
            os.replace(tmp, self.root / sid)
        except OSError as exc:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
            raise self._error(exc) from None
        except BaseException:
            with contextlib.suppress(OSError):
                shutil.rmtree(tmp)
            raise
        entry = self.lookup(sid)
        assert entry is not None
        # The bound is kept on a best effort: a build that succeeded does not fail over the cache.
        with contextlib.suppress(ToolkitError):
            self.prune(self.max_size)
        return entry

    def _remove(self, sid: str) -> bool:
        """Remove the entry of `sid` (its lock held); False if there was none. Renamed away first, so that a
        removal cut short leaves no entry that looks complete and lacks files."""
        trash = tempfile.mkdtemp(prefix=work_name(sid, "old"), dir=self.root)
        try:
            os.replace(self.root / sid, trash)  # onto the empty directory trash: allowed by rename(2)
        except FileNotFoundError:
            return False
        finally:
            shutil.rmtree(trash, ignore_errors=True)
        return True

    def _remove_leftovers(self) -> tuple[int, int]:
        """Remove what killed writes left (work directories, lock files of no entry): (directories, bytes)."""
        count = size = 0
        for sid, path in leftovers(self.root):
            lock = EntryLock(self.root / LOCKS / sid)
            if lock.acquire(wait=False):  # else a build is writing it now
                try:
                    used = tree_size(path)
                    shutil.rmtree(path, ignore_errors=True)
                    count, size = count + 1, size + used
                finally:
                    lock.release()
        for lock_file in sorted((self.root / LOCKS).glob("*")):
            lock = EntryLock(lock_file)
            if not (self.root / lock_file.name).exists() and lock.acquire(wait=False):
                if not (self.root / lock_file.name).exists():  # checked again, now that no build can write it
                    lock.discard()
                lock.release()
        return count, size

    def _error(self, exc: OSError) -> ToolkitError:
        return ToolkitError(f"{self.root}: cannot write the step store: {exc.strerror or exc}")


@dataclass(frozen=True)
class Claim:
    """The lock of one step id, held: what is read or written through it no other xenkit changes."""

    store: Store
    sid: str

    def lookup(self) -> Entry | None:
        return self.store.lookup(self.sid)

    def put(self, files: Mapping[str, Path], record: Mapping[str, Any]) -> Entry:
        """Write the entry of `sid` from `files`, replacing any there; then prune the store to its bound."""
        return self.store._write(self.sid, files, record)
