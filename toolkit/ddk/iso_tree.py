"""The DDK ISO's tree, read once with pycdlib: every name checked before anything is written (iso.py writes).

Names: Rock Ridge, else Joliet, else ISO 9660 names lowercased (`OVA.XML;1` -> `ova.xml`); a trailing `;N` is
dropped from Joliet names too. A name that is empty, `.`, `..`, holds `/`, NUL or another control character
(a newline, ESC: names land in terminals and scripts), or appears twice in a directory refuses the image. Each
file is kept as its byte extents in the image, so data can move later with `copy_file_range` / `pread` on the
ISO itself.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from toolkit.errors import ToolkitError, UsageError

NAMINGS = {"rr_path": "Rock Ridge", "joliet_path": "Joliet", "iso_path": "ISO 9660"}
NOT_AN_ISO_HINT = "give the DDK ISO of your XenServer release (e.g. XenServer-6.2.0-DDK.iso)"
TRUNCATED_HINT = "the download or copy was cut short: fetch the ISO again and compare its checksum"
_VERSION = re.compile(r";\d*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1: a newline, ESC, a carriage return...


@dataclass(frozen=True)
class IsoEntry:
    name: str  # relative, "/"-separated: "ddk/xvda/chunk-000000000.gz"
    kind: str  # "file", "dir" or "symlink"
    size: int = 0  # bytes of a file; 0 for directories and symlinks
    target: str | None = None  # a symlink's target: shown, never followed, never created
    extents: tuple[tuple[int, int], ...] = ()  # (byte offset in the image, length): the file's data, in order



def unsafe_reason(name: str) -> str | None:
    """Why the relative member path `name` cannot be written under a directory, or None if it can."""
    if not name:
        return "an empty path"
    if "\0" in name:
        return "a NUL byte"
    control = _CONTROL.search(name)
    if control:
        return f"a control character ({escaped(control.group())})"
    if name.startswith("/"):
        return "an absolute path"
    for part in name.split("/"):
        if part in ("", ".", ".."):
            return f'a "{part}" component' if part else "an empty component"
        if len(part.encode("utf-8", "surrogateescape")) > 255:  # NAME_MAX: no file system here takes more
            return "a name longer than 255 bytes"
    return None  # relative, no "..", no symlinks created: os.path.join(DEST, name) stays inside DEST


def escaped(text: str) -> str:
    """`text` with its control characters escaped (`\\0`, `\\n`, `\\x1b`), for a message on one terminal line."""
    return _CONTROL.sub(lambda m: "\\0" if m.group() == "\0" else repr(m.group())[1:-1], text)


def scan(path: Path, handle: BinaryIO) -> tuple[str, list[IsoEntry]]:
    import pycdlib

    try:
        size = os.lseek(handle.fileno(), 0, os.SEEK_END)  # st_size is 0 for a block device (/dev/sr0)
        descriptor = os.pread(handle.fileno(), 2048, 16 * 2048)  # the primary volume descriptor, at sector 16
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    if len(descriptor) < 130 or descriptor[1:6] != b"CD001":
        raise UsageError(f"{path}: not an ISO 9660 image (no CD001 volume descriptor at byte 32769)", NOT_AN_ISO_HINT)
    declared = struct.unpack_from("<I", descriptor, 80)[0] * struct.unpack_from("<H", descriptor, 128)[0]
    if size < declared:  # pycdlib would silently shorten the files past the end: never extract those
        raise UsageError(f"{path}: truncated: the file has {size} bytes, its volume descriptor says {declared}; "
                         "nothing extracted", TRUNCATED_HINT)
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
        raise UsageError(f"{path}: not a readable ISO 9660 image ({detail})", NOT_AN_ISO_HINT) from exc
    finally:
        with contextlib.suppress(Exception):
            reader.close()
    for entry in entries:
        for offset, length in entry.extents:
            if offset + length > size:
                raise UsageError(f"{path}: truncated or damaged: {entry.name} ends at byte {offset + length}, "
                                 f"the image has {size}; nothing extracted", TRUNCATED_HINT)
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
                raise UsageError(f'{path}: unsafe name "{escaped(full)}" in the ISO ({why}); nothing extracted')
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
