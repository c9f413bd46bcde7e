"""The DDK ISO: list its files, stream one, or extract them all, never trusting its names.

`open_iso(path)` reads the tree once with pycdlib (iso_tree.py: names, sizes and where each file's bytes lie in
the image, every name checked); data then moves with `copy_file_range` / `pread` on the ISO itself: nothing is
held in memory, and `extract` writes several files at once. Symlinks are never created (reported as skipped),
so no write can pass through one: every path written is inside DEST.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toolkit.ddk.iso_tree import NOT_AN_ISO_HINT, TRUNCATED_HINT, IsoEntry, scan
from toolkit.errors import ToolkitError, UsageError
from toolkit.inputs.userfile import open_regular
from toolkit.output import PART_SUFFIX
from toolkit.remote.executor import ByteSink
from toolkit.report import ProgressSink

DDK_MARKER = "ddk/ova.xml"
READ_CHUNK = 1 << 20  # pread() pieces: copy_to(), and extract() where copy_file_range() is refused
COPY_CHUNK = 8 << 20  # copy_file_range() pieces: a progress call after each
MAX_WRITERS = 4  # files written at once by extract(); more only contend for the same disk


class _Stopped(Exception):
    """A writer ends early because another one failed."""


@dataclass(frozen=True)
class ExtractResult:
    dest: Path  # as the caller gave it: a relative DEST stays relative in what is printed
    files: int
    directories: int
    size: int
    skipped: tuple[IsoEntry, ...]  # symlinks, not created


class DdkIso:
    """An open ISO (from `open_iso`): `entries` in name order, parents before their children."""

    def __init__(self, path: Path, handle: BinaryIO, naming: str, entries: list[IsoEntry]) -> None:
        self.path = path
        self.naming = naming  # "Rock Ridge", "Joliet" or "ISO 9660"
        self.entries = tuple(sorted(entries, key=lambda e: e.name))
        self._by_name = {e.name: e for e in self.entries}
        self._fd = handle.fileno()
        self._fast = True  # copy_file_range() until the kernel or the filesystem says no
        self._stop = False  # set when one of the files written at once failed: the others stop too

    def naming_warning(self) -> str | None:
        """What to tell the user when only plain ISO 9660 names were found (lowercased 8.3 names may not be the
        DDK's: xe wants ddk/xvda/chunk-*.gz), or None."""
        if self.naming != "ISO 9660":
            return None
        return (f"{self.path}: no Rock Ridge or Joliet names; using ISO 9660 names, lowercased "
                "(OVA.XML;1 -> ova.xml)")

    def files(self) -> list[IsoEntry]:
        """The regular files, in name order."""
        return [e for e in self.entries if e.kind == "file"]

    @property
    def total_size(self) -> int:
        return sum(e.size for e in self.entries)

    def is_ddk(self) -> bool:
        entry = self._by_name.get(DDK_MARKER)
        return entry is not None and entry.kind == "file"

    def entry(self, name: str) -> IsoEntry:
        entry = self._by_name.get(name.strip("/"))
        if entry is None:
            raise UsageError(f"{self.path}: no {name} in the ISO")
        return entry

    def copy_to(self, name: str, out: ByteSink, progress: ProgressSink | None = None) -> int:
        """Stream member `name` into `out` (anything with write(bytes)); return its size."""
        entry = self.entry(name)
        if entry.kind != "file":
            raise UsageError(f"{self.path}: {name} is a {'directory' if entry.kind == 'dir' else entry.kind}")
        done = 0
        for offset, length in entry.extents:
            for data in self._pieces(entry, offset, offset + length):
                out.write(data)
                done += len(data)
                if progress is not None:
                    progress(done, entry.size)
        return done

    def extract(self, dest: Path, progress: ProgressSink | None = None) -> ExtractResult:
        """Write every directory and file under `dest`, a new or empty directory, all or nothing.

        The tree is built in a hidden temporary directory beside `dest` and renamed to `dest` at the end;
        any failure (or Ctrl-C) removes it. Modes and times are not copied from the ISO (a DDK ISO marks
        everything read-only): files and directories get the usual defaults, less the umask. Messages name
        `dest` as given (relative stays relative).
        """
        given = dest
        dest, mode = check_dest(dest)
        total = sum(e.size for e in self.files())
        free = shutil.disk_usage(dest.parent).free
        if free < total:
            raise ToolkitError(f"{given.parent}: {total / 2**20:.1f} MiB needed, {free / 2**20:.1f} MiB free; "
                               "nothing extracted")
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=PART_SUFFIX, dir=dest.parent))
        except OSError as exc:
            raise ToolkitError(f"cannot write in {given.parent}: {exc.strerror or exc}; nothing extracted") from exc
        done = 0

        def tick(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        try:
            try:
                for entry in self.entries:
                    if entry.kind == "dir":
                        (tmp / entry.name).mkdir()
                self._write_files(self.files(), tmp, tick)
                tmp.chmod(mode)
                os.rename(tmp, dest)  # an existing empty directory is replaced; a non-empty one fails here
            except OSError as exc:
                where = str(exc.filename or given).replace(str(tmp), str(given))  # the hidden name is ours
                where = str(given) if where == str(dest) else where
                reason = exc.strerror or str(exc)
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and where == str(given):
                    reason = "it is no longer empty"
                raise ToolkitError(f"cannot write {where}: {reason}; nothing extracted") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        kinds = [e.kind for e in self.entries]
        skipped = tuple(e for e in self.entries if e.kind == "symlink")
        return ExtractResult(given, kinds.count("file"), kinds.count("dir"), total, skipped)

    def _write_files(self, files: list[IsoEntry], tmp: Path, tick: Callable[[int], None]) -> None:
        """Two files at once where there are two cores: copy_file_range() copies in the kernel without the GIL,
        and a page-cache copy is bound by one core's memcpy. The first error stops the others."""
        self._stop = False
        workers = min(len(files), len(os.sched_getaffinity(0)), MAX_WRITERS)
        if workers <= 1:
            for entry in files:
                self._write_file(entry, tmp / entry.name, tick)
            return
        lock = threading.Lock()
        pending = list(reversed(list(enumerate(files))))
        errors: list[tuple[int, BaseException]] = []  # (the file's place, its error): the first file's is shown

        def locked_tick(count: int) -> None:
            with lock:
                tick(count)

        def writer() -> None:  # plain threads: concurrent.futures would add its imports to every extract
            while True:
                with lock:
                    if self._stop or not pending:
                        return
                    place, entry = pending.pop()
                try:
                    self._write_file(entry, tmp / entry.name, locked_tick)
                except _Stopped:
                    return
                except BaseException as exc:
                    with lock:
                        errors.append((place, exc))
                        self._stop = True  # the other writers end at their next chunk
                    return

        threads = [threading.Thread(target=writer, name=f"xenkit-extract-{n}", daemon=True) for n in range(workers)]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:  # Ctrl-C here, in the main thread
            self._stop = True
            for thread in threads:
                thread.join()
            raise
        if errors:
            raise min(errors, key=lambda error: error[0])[1]

    def _write_file(self, entry: IsoEntry, target: Path, tick: Callable[[int], None]) -> None:
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        out = os.open(target, flags, 0o666)
        try:
            for offset, length in entry.extents:
                self._copy_range(entry, out, offset, length, tick)
        except OSError as exc:
            exc.filename = exc.filename or str(target)  # copy_file_range / write errors name no file
            raise
        finally:
            os.close(out)

    def _copy_range(self, entry: IsoEntry, out: int, offset: int, length: int, tick: Callable[[int], None]) -> None:
        end = offset + length
        while offset < end and self._fast:
            try:
                copied = os.copy_file_range(self._fd, out, min(COPY_CHUNK, end - offset), offset)
            except OSError as exc:
                if exc.errno not in (errno.EXDEV, errno.ENOSYS, errno.EOPNOTSUPP, errno.EINVAL, errno.EPERM):
                    raise
                self._fast = False  # nothing was copied by the failed call: go on with pread / write
                break
            if copied == 0:
                raise self._truncated(entry)
            offset += copied
            tick(copied)
            if self._stop:  # after a chunk, not before: a file that fails on its own reports its own error
                raise _Stopped  # another file failed; that error is the one reported
        for data in self._pieces(entry, offset, end):
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
            tick(len(data))
            if self._stop:
                raise _Stopped

    def _pieces(self, entry: IsoEntry, offset: int, end: int) -> Iterator[bytes]:
        while offset < end:
            data = os.pread(self._fd, min(READ_CHUNK, end - offset), offset)
            if not data:
                raise self._truncated(entry)
            offset += len(data)
            yield data

    def _truncated(self, entry: IsoEntry) -> UsageError:
        return UsageError(f"{self.path}: truncated or damaged: {entry.name} ends past the end of the image; "
                          "nothing extracted", TRUNCATED_HINT)


def check_dest(given: Path) -> tuple[Path, int]:
    """DEST as an absolute path, and the mode to give it; refused unless it is new or an empty directory.
    Messages name DEST as given."""
    dest = Path(os.path.abspath(given))
    if dest.parent == dest:
        raise UsageError(f"{given}: give a directory to create, e.g. ./ddk-6.2")
    if not dest.parent.is_dir():
        raise UsageError(f"{given.parent}: no such directory (the parent of DEST must exist)")
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o777 & ~umask
    if os.path.lexists(dest):
        if dest.is_symlink() or not dest.is_dir():
            raise UsageError(f"{given}: exists and is not a directory; give a new directory (it is created)")
        if any(os.scandir(dest)):
            raise UsageError(f"{given}: exists and is not empty; give a new directory or an empty one")
        mode = dest.stat().st_mode & 0o7777
    return dest, mode


@contextlib.contextmanager
def open_iso(path: Path, require_ddk: bool = True) -> Iterator[DdkIso]:
    """Read the ISO's tree (UsageError, exit 2, if it is not a regular file or a block device, not a readable
    ISO 9660 image or, with `require_ddk`, holds no ddk/ova.xml); the ISO stays open for reads until the block
    ends."""
    # A FIFO or a terminal is refused before any read (it would wait forever); a CD drive holds an ISO too.
    handle = os.fdopen(open_regular(path, block_device_ok=True), "rb")
    with handle:
        naming, entries = scan(path, handle)
        iso = DdkIso(path, handle, naming, entries)
        if require_ddk and not iso.is_ddk():
            top = ", ".join(e.name for e in iso.entries if "/" not in e.name)[:200] or "nothing"
            raise UsageError(f"{path}: not a DDK ISO: no {DDK_MARKER} (top level: {top})", NOT_AN_ISO_HINT)
        yield iso
