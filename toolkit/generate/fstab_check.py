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

from toolkit.errors import ToolkitError
from toolkit.generate.fstab import lines_of
from toolkit.inputs.userfile import decode_user_text, read_user_text
from toolkit.remote.file_edit import read_text_via

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor, FileInfo

MAX_FSTAB = 16 << 20
_PARSE_ERRORS = re.compile(r"^(\d+) parse errors?", re.M)
# findmnt --verify's checks grow quadratically with the entries (a large fstab takes minutes): past
# this many lines the plain parse, which reports every line libmount cannot read, does the check.
VERIFY_MAX_LINES = 200
_PARSE_ERROR_LINE = re.compile(r"parse error at line \d+")


def read_fstab(path: Path) -> str:
    """The file's text; a usage error (naming the file) for anything that is not a readable text file."""
    return read_user_text(path)


def read_fstab_via(ex: Executor, path: str) -> tuple[str, FileInfo]:
    """An fstab on a host (through its Executor): its text and metadata, or a usage error naming it."""
    return read_text_via(ex, path, MAX_FSTAB)


def decode_fstab(raw: bytes, label: str) -> str:
    return decode_user_text(raw, label)


def unified_diff(path: Path, old: str, new: str, change: str = "nobarrier") -> str:
    """`diff -u` of the two texts, lines split at newlines only; a last line without one is followed by
    diff's `\\ No newline at end of file`, so that the - and + lines do not run together."""
    lines = difflib.unified_diff(lines_of(old), lines_of(new), f"{path}", f"{path} ({change})")
    return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines)


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
