"""Read an fstab (here or on a host) as text, show an edit as a diff, and have util-linux parse the new text before
anything is written: the checks around generate/fstab.py's edit. Writing it is remote/file_edit.py's."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor, FileInfo

MAX_FSTAB = 16 << 20
_PARSE_ERRORS = re.compile(r"^(\d+) parse errors?", re.M)
# findmnt --verify's checks grow quadratically with the entries (here 0.08 s at 200, 49 s at 1,500): past
# this many lines the plain parse, which reports every line libmount cannot read, does the check.
VERIFY_MAX_LINES = 200
_PARSE_ERROR_LINE = re.compile(r"parse error at line \d+")


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


def read_fstab_via(ex: Executor, path: str) -> tuple[str, FileInfo]:
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


def decode_fstab(raw: bytes, label: str) -> str:
    if b"\0" in raw:
        raise UsageError(f"{label}: is a binary file (it holds NUL bytes), not an fstab")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{label}: is not UTF-8 text") from None


def unified_diff(path: Path, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(
        old.splitlines(keepends=True), new.splitlines(keepends=True), f"{path}", f"{path} (nobarrier)",
    ))


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
