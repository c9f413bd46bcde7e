"""The DDK ISO: list its files, stream one, or extract them all, never trusting its names (issue 4).

`open_iso(path)` reads the tree once with pycdlib and keeps names, sizes and where each file's bytes lie in the
image; data then moves with `copy_file_range` / `pread` on the ISO itself: nothing is held in memory.
Names: Rock Ridge, else Joliet, else ISO 9660 names lowercased (`OVA.XML;1` -> `ova.xml`); a trailing `;N` is
dropped from Joliet names too. The image is refused, before anything is written, if a name is empty, `.`,
`..`, holds `/` or NUL, or appears twice in a directory. Symlinks are never created (reported as skipped), so
no write can pass through one: every path written is inside DEST.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import struct
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from toolkit.errors import ToolkitError, UsageError

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)
DDK_MARKER = "ddk/ova.xml"
NAMINGS = {"rr_path": "Rock Ridge", "joliet_path": "Joliet", "iso_path": "ISO 9660"}
READ_CHUNK = 1 << 20  # pread() pieces: copy_to(), and extract() where copy_file_range() is refused
COPY_CHUNK = 8 << 20  # copy_file_range() pieces: a progress call after each
_VERSION = re.compile(r";\d*$")
_NOT_AN_ISO_HINT = "give the DDK ISO of your XenServer release (e.g. XenServer-6.2.0-DDK.iso)"
_TRUNCATED_HINT = "the download or copy was cut short: fetch the ISO again and compare its checksum"


class Sink(Protocol):
    def write(self, data: bytes, /) -> object: ...


@dataclass(frozen=True)
class IsoEntry:
    name: str  # relative, "/"-separated: "ddk/xvda/chunk-000000000.gz"
    kind: str  # "file", "dir" or "symlink"
    size: int = 0  # bytes of a file; 0 for directories and symlinks
    target: str | None = None  # a symlink's target: shown, never followed, never created
    extents: tuple[tuple[int, int], ...] = ()  # (byte offset in the image, length): the file's data, in order


@dataclass(frozen=True)
class ExtractResult:
    dest: Path
    files: int
    directories: int
    size: int
    skipped: tuple[IsoEntry, ...]  # symlinks, not created


def unsafe_reason(name: str) -> str | None:
    """Why the relative member path `name` cannot be written under a directory, or None if it can."""
    if not name:
        return "an empty path"
    if "\0" in name:
        return "a NUL byte"
    if name.startswith("/"):
        return "an absolute path"
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f'a "{part}" component' if part else "an empty component"
        if len(part.encode("utf-8", "surrogateescape")) > 255:  # NAME_MAX: no file system here takes more
            return "a name longer than 255 bytes"
    return None  # relative, no "..", no symlinks created: os.path.join(DEST, name) stays inside DEST


class DdkIso:
    """An open ISO (from `open_iso`): `entries` in name order, parents before their children."""

    def __init__(self, path: Path, handle: BinaryIO, naming: str, entries: list[IsoEntry]) -> None:
        self.path = path
        self.naming = naming  # "Rock Ridge", "Joliet" or "ISO 9660"
        self.entries = tuple(sorted(entries, key=lambda e: e.name))
        self._by_name = {e.name: e for e in self.entries}
        self._fd = handle.fileno()
        self._fast = True  # copy_file_range() until the kernel or the filesystem says no

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

    def copy_to(self, name: str, out: Sink, progress: Progress | None = None) -> int:
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

    def extract(self, dest: Path, progress: Progress | None = None) -> ExtractResult:
        """Write every directory and file under `dest`, a new or empty directory, all or nothing.

        The tree is built in a hidden temporary directory beside `dest` and renamed to `dest` at the end;
        any failure (or Ctrl-C) removes it. Modes and times are not copied from the ISO (a DDK ISO marks
        everything read-only): files and directories get the usual defaults, less the umask.
        """
        dest, mode = check_dest(dest)
        total = sum(e.size for e in self.files())
        free = shutil.disk_usage(dest.parent).free
        if free < total:
            raise ToolkitError(f"{dest.parent}: {total / 2**20:.1f} MiB needed, {free / 2**20:.1f} MiB free; "
                               "nothing extracted")
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".xenkit-part", dir=dest.parent))
        except OSError as exc:
            raise ToolkitError(f"cannot write in {dest.parent}: {exc.strerror or exc}; nothing extracted") from exc
        done = 0

        def tick(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None:
                progress(done, total)

        try:
            try:
                for entry in self.entries:
                    target = tmp / entry.name
                    if entry.kind == "dir":
                        target.mkdir()
                    elif entry.kind == "file":
                        self._write_file(entry, target, tick)
                tmp.chmod(mode)
                os.rename(tmp, dest)  # an existing empty directory is replaced; a non-empty one fails here
            except OSError as exc:
                where = str(exc.filename or dest).replace(str(tmp), str(dest))
                reason = exc.strerror or str(exc)
                if exc.errno in (errno.ENOTEMPTY, errno.EEXIST) and where == str(dest):
                    reason = "it is no longer empty"
                raise ToolkitError(f"cannot write {where}: {reason}; nothing extracted") from exc
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        kinds = [e.kind for e in self.entries]
        skipped = tuple(e for e in self.entries if e.kind == "symlink")
        return ExtractResult(dest, kinds.count("file"), kinds.count("dir"), total, skipped)

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
        for data in self._pieces(entry, offset, end):
            view = memoryview(data)
            while view:
                view = view[os.write(out, view):]
            tick(len(data))

    def _pieces(self, entry: IsoEntry, offset: int, end: int) -> Iterator[bytes]:
        while offset < end:
            data = os.pread(self._fd, min(READ_CHUNK, end - offset), offset)
            if not data:
                raise self._truncated(entry)
            offset += len(data)
            yield data

    def _truncated(self, entry: IsoEntry) -> UsageError:
        return UsageError(f"{self.path}: truncated or damaged: {entry.name} ends past the end of the image; "
                          "nothing extracted", _TRUNCATED_HINT)


def check_dest(dest: Path) -> tuple[Path, int]:
    """DEST as an absolute path, and the mode to give it; refused unless it is new or an empty directory."""
    dest = Path(os.path.abspath(dest))
    if dest.parent == dest:
        raise UsageError(f"{dest}: give a directory to create, e.g. ./ddk-6.2")
    if not dest.parent.is_dir():
        raise UsageError(f"{dest.parent}: no such directory (the parent of DEST must exist)")
    umask = os.umask(0)
    os.umask(umask)
    mode = 0o777 & ~umask
    if os.path.lexists(dest):
        if dest.is_symlink() or not dest.is_dir():
            raise UsageError(f"{dest}: exists and is not a directory; give a new directory (it is created)")
        if any(os.scandir(dest)):
            raise UsageError(f"{dest}: exists and is not empty; give a new directory or an empty one")
        mode = dest.stat().st_mode & 0o7777
    return dest, mode


@contextlib.contextmanager
def open_iso(path: Path, require_ddk: bool = True) -> Iterator[DdkIso]:
    """Read the ISO's tree (UsageError, exit 2, if it is not a readable ISO 9660 image or, with
    `require_ddk`, holds no ddk/ova.xml); the ISO stays open for reads until the block ends."""
    try:
        handle = open(path, "rb")  # noqa: SIM115 - closed by the with block below
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    with handle:
        naming, entries = _scan(path, handle)
        iso = DdkIso(path, handle, naming, entries)
        if require_ddk and not iso.is_ddk():
            top = ", ".join(e.name for e in iso.entries if "/" not in e.name)[:200] or "nothing"
            raise UsageError(f"{path}: not a DDK ISO: no {DDK_MARKER} (top level: {top})", _NOT_AN_ISO_HINT)
        yield iso


def _scan(path: Path, handle: BinaryIO) -> tuple[str, list[IsoEntry]]:
    import pycdlib

    try:
        size = os.lseek(handle.fileno(), 0, os.SEEK_END)  # st_size is 0 for a block device (/dev/sr0)
        descriptor = os.pread(handle.fileno(), 2048, 16 * 2048)  # the primary volume descriptor, at sector 16
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(descriptor) < 130 or descriptor[1:6] != b"CD001":
        raise UsageError(f"{path}: not an ISO 9660 image (no CD001 volume descriptor at byte 32769)", _NOT_AN_ISO_HINT)
    declared = struct.unpack_from("<I", descriptor, 80)[0] * struct.unpack_from("<H", descriptor, 128)[0]
    if size < declared:  # pycdlib would silently shorten the files past the end: never extract those
        raise UsageError(f"{path}: truncated: the file has {size} bytes, its volume descriptor says {declared}; "
                         "nothing extracted", _TRUNCATED_HINT)
    reader = pycdlib.PyCdlib()
    try:
        reader.open_fp(handle)
        key = "rr_path" if reader.has_rock_ridge() else "joliet_path" if reader.has_joliet() else "iso_path"
        entries = _walk(reader, key, path)
    except ToolkitError:
        raise
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # pycdlib's own errors, and struct/Unicode/Attribute/Key errors on damaged images
        detail = str(exc).splitlines()[0] if str(exc) else ""
        if type(exc).__module__.split(".")[0] != "pycdlib":  # struct.error, KeyError...: the type says more
            detail = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        raise UsageError(f"{path}: not a readable ISO 9660 image ({detail})", _NOT_AN_ISO_HINT) from exc
    finally:
        with contextlib.suppress(Exception):
            reader.close()
    for entry in entries:
        for offset, length in entry.extents:
            if offset + length > size:
                raise UsageError(f"{path}: truncated or damaged: {entry.name} ends at byte {offset + length}, "
                                 f"the image has {size}; nothing extracted", _TRUNCATED_HINT)
    return NAMINGS[key], entries


def _walk(reader: Any, key: str, path: Path) -> list[IsoEntry]:
    shown: dict[str, str] = {"/": ""}  # a directory's path in the ISO's naming -> its name as written
    entries: list[IsoEntry] = []
    for root, dirs, files in reader.walk(**{key: "/"}):
        parent = shown.get(root)
        if parent is None:
            raise UsageError(f"{path}: not a readable ISO 9660 image (directory {root!r} not found again)")
        seen: set[str] = set()
        for raw, is_dir in [(d, True) for d in dirs] + [(f, False) for f in files]:
            name = _translate(raw, key)
            full = f"{parent}/{name}" if parent else name
            reason = "a / inside a name" if "/" in name else unsafe_reason(full)
            if reason or name in seen:
                why = reason or "a second entry of that name"
                shown_name = full.replace("\0", "\\0")
                raise UsageError(f'{path}: unsafe name "{shown_name}" in the ISO ({why}); nothing extracted')
            seen.add(name)
            source = f"{root.rstrip('/')}/{raw}"
            if is_dir:
                shown[source] = full
                entries.append(IsoEntry(full, "dir"))
                continue
            record = reader.get_record(**{key: source})
            if record.is_symlink():
                target = bytes(record.rock_ridge.symlink_path()).decode("utf-8", "replace")
                entries.append(IsoEntry(full, "symlink", target=target))
                continue
            extents = tuple(reader.get_file_byte_extents(**{key: source}))
            entries.append(IsoEntry(full, "file", sum(n for _, n in extents), extents=extents))
    return entries


def _translate(raw: str, key: str) -> str:
    if key == "rr_path":
        return raw
    name = _VERSION.sub("", raw)
    if key == "iso_path":
        name = (name[:-1] if name.endswith(".") and len(name) > 1 else name).lower()
    return name

