"""Apply the nobarrier edit to an fstab: check, back up, replace atomically, verify.

On this machine with plain file operations (`replace_with_backup`, which also keeps the file's times),
on a host through an Executor (`replace_via`: SFTP temp file in the same directory, then rename).
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitError, UsageError
from toolkit.remote.executor import Executor, FileInfo
from toolkit.remote.local import write_bytes_atomic

_PARSE_ERRORS = re.compile(r"^(\d+) parse errors?", re.M)


@dataclass(frozen=True)
class Replaced:
    path: Path
    backup: Path


def read_fstab(path: Path) -> str:
    """The file's text; a usage error (naming the file) for anything that is not a readable text file."""
    try:
        if path.is_dir():
            raise UsageError(f"{path}: is a directory, not an fstab file")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"{path}: does not exist") from None
    except PermissionError:
        raise UsageError(f"{path}: is not readable (permission denied)") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read: {exc.strerror}") from None
    return decode_fstab(raw, str(path))


def unified_diff(path: Path, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"{path}", f"{path} (nobarrier)",
    ))


# findmnt --verify's checks grow quadratically with the entries (here 0.08 s at 200, 49 s at 1,500): past
# this many lines the plain parse, which reports every line libmount cannot read, does the check.
VERIFY_MAX_LINES = 200
_PARSE_ERROR_LINE = re.compile(r"parse error at line \d+")


def findmnt_parse_errors(text: str) -> int | None:
    """How many lines util-linux cannot parse in `text`, or None where findmnt is not installed.

    Only the parse-error count is used: --verify also checks that each source and target exists on
    this machine, which says nothing about a guest's fstab edited from elsewhere.
    """
    findmnt = shutil.which("findmnt")
    if findmnt is None:
        return None
    verify = text.count("\n") <= VERIFY_MAX_LINES
    argv = [findmnt, "--verify"] if verify else [findmnt, "-o", "TARGET"]
    with tempfile.NamedTemporaryFile("w", suffix=".fstab", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        try:
            result = subprocess.run([*argv, "--tab-file", handle.name], capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            raise ToolkitError("findmnt did not finish checking the new text within 60 s; nothing written") from None
    if not verify:
        return len(_PARSE_ERROR_LINE.findall(result.stderr))
    match = _PARSE_ERRORS.search(result.stdout + result.stderr)
    if match is None:
        raise ToolkitError(f"findmnt --verify gave no verdict: {(result.stderr or result.stdout).strip()[:200]}")
    return int(match.group(1))


def replace_with_backup(path: Path, old: str, new: str) -> Replaced:
    """Back `path` up beside itself, replace it atomically keeping mode and owner, and check the result.

    If the file changed since it was read, nothing is written. If the check after the rename fails,
    the backup is put back.
    """
    if read_fstab(path) != old:
        raise ToolkitError(f"{path}: changed while xenkit was working on it; nothing written")
    info = path.stat()
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup = path.with_name(f"{path.name}.xenkit-{stamp}.bak")
    counter = 1
    while backup.exists():
        backup = path.with_name(f"{path.name}.xenkit-{stamp}-{counter}.bak")
        counter += 1
    try:
        shutil.copy2(path, backup)  # contents, mode and times
        os.chown(backup, info.st_uid, info.st_gid)
        _atomic_write(path, new, info)
    except OSError as exc:
        raise ToolkitError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    if read_fstab(path) != new:
        with contextlib.suppress(OSError):
            _atomic_write(path, old, info)
        raise ToolkitError(f"{path}: did not read back as written; the original was put back")
    return Replaced(path, backup)


def _atomic_write(path: Path, text: str, info: os.stat_result) -> None:
    like = FileInfo(info.st_size, info.st_mode & 0o7777, info.st_uid, info.st_gid, False, True)
    write_bytes_atomic(path, text.encode("utf-8"), like)


MAX_FSTAB = 16 << 20


def decode_fstab(raw: bytes, label: str) -> str:
    if b"\0" in raw:
        raise UsageError(f"{label}: is a binary file (it holds NUL bytes), not an fstab")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: is not UTF-8 text") from None


def read_via(ex: Executor, path: str) -> tuple[str, FileInfo]:
    """An fstab on a host (through its Executor): its text and metadata, or a usage error naming it."""
    label = f"{ex.name}:{path}"
    info = ex.stat(path)
    if info is None:
        raise UsageError(f"{label}: does not exist")
    if info.is_dir:
        raise UsageError(f"{label}: is a directory, not an fstab file")
    if not info.is_file:
        raise UsageError(f"{label}: is not a regular file")
    return decode_fstab(ex.read_bytes(path, MAX_FSTAB), label), info


def replace_via(ex: Executor, path: str, old: str, new: str) -> str:
    """replace_with_backup on a host: backup beside it, temp file + rename keeping mode/owner, read back.

    Returns the backup's path. If the read-back differs, the old text is put back.
    """
    label = f"{ex.name}:{path}"
    current, info = read_via(ex, path)
    if current != old:
        raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written")
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup, counter = f"{path}.xenkit-{stamp}.bak", 1
    while ex.stat(backup) is not None:
        backup, counter = f"{path}.xenkit-{stamp}-{counter}.bak", counter + 1
    ex.write_atomic(backup, old.encode("utf-8"), info)
    if read_via(ex, backup)[0] != old:
        raise ToolkitError(f"{label}: the backup {backup} did not read back as written; {path} not touched")
    if read_via(ex, path)[0] != old:  # again, just before the rename: someone may have edited it meanwhile
        raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written (backup {backup})")
    ex.write_atomic(path, new.encode("utf-8"), info)
    if read_via(ex, path)[0] != new:
        ex.write_atomic(path, old.encode("utf-8"), info)
        restored = read_via(ex, path)[0] == old
        raise ToolkitError(f"{label}: did not read back as written; "
                           + (f"the original was put back (backup {backup})" if restored
                              else f"putting the original back failed too: restore it from {backup}"))
    return backup
