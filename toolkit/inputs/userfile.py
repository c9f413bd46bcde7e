"""The one reader of files a user names (site file, hosts file, recipe, password file, SSH key, fstab, upload).

Every problem is a one-line usage error (exit 2) naming the file and the problem in one wording:
`LABEL: does not exist`, `is a directory`, `not a regular file`, `is not readable (permission denied)`,
`cannot read: REASON`, `is a binary file (it holds NUL bytes)`, `is not UTF-8 text`, `is not valid TOML: ...`.
LABEL is the path, after what the file is for when the caller says (`--ssh-key key.pub`). The file's
content never appears in an error: some of these files hold secrets.
"""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError


def label_of(path: Path | str, what: str = "") -> str:
    return f"{what} {path}" if what else str(path)


def open_error(path: Path | str, exc: OSError, what: str = "") -> UsageError:
    """The usage error for an OSError raised while opening or reading a user's file."""
    label = label_of(path, what)
    if isinstance(exc, FileNotFoundError):
        return UsageError(f"{label}: does not exist")
    if isinstance(exc, IsADirectoryError):
        return UsageError(f"{label}: is a directory")
    if isinstance(exc, PermissionError):
        return UsageError(f"{label}: is not readable (permission denied)")
    return UsageError(f"{label}: cannot read: {exc.strerror or exc}")


def open_regular(path: Path, what: str = "", *, block_device_ok: bool = False) -> int:
    """An fd open for reading on `path`, which must be a regular file (or a block device, where allowed).

    Opened non-blocking and checked with fstat before any read: a FIFO or a terminal named by mistake
    is refused instead of waiting forever for a writer.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise open_error(path, exc, what) from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise UsageError(f"{label_of(path, what)}: is a directory")
        if not (stat.S_ISREG(mode) or (block_device_ok and stat.S_ISBLK(mode))):
            raise UsageError(f"{label_of(path, what)}: not a regular file")
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_user_bytes(path: Path, what: str = "") -> bytes:
    fd = open_regular(path, what)
    try:
        with os.fdopen(fd, "rb") as handle:
            return handle.read()
    except OSError as exc:
        raise open_error(path, exc, what) from None


def decode_user_text(raw: bytes, label: str, *, allow_nul: bool = False) -> str:
    """UTF-8 text, byte for byte (a byte-order mark is kept: callers that do not want it drop it); NUL bytes
    mean a binary file."""
    if not allow_nul and b"\0" in raw:
        raise UsageError(f"{label}: is a binary file (it holds NUL bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: is not UTF-8 text") from None


def read_user_text(path: Path, what: str = "", *, allow_nul: bool = False) -> str:
    return decode_user_text(read_user_bytes(path, what), label_of(path, what), allow_nul=allow_nul)


def read_user_toml(path: Path, what: str = "") -> dict[str, Any]:
    text = read_user_text(path, what)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{label_of(path, what)}: is not valid TOML: {exc}") from None
