"""Have lvm2 itself read a new lvm.conf before it replaces the old one: `lvmconfig --validate` and a read-back of
`devices/filter`, with LVM_SYSTEM_DIR pointing at a temporary copy (nothing of this machine's LVM is used).

The lvm2 here may be newer than the host's (a XenServer 6 dom0 runs lvm2 2.02 of CentOS 5) and call some of the
host's settings unknown: a complaint the OLD text draws as well is the platform's, not the edit's, and is let
through; anything the new text adds is refused.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from toolkit.errors import ToolkitError

_FILTER_LINE = re.compile(r'^\s*filter\s*=\s*\[(?P<items>.*)\]\s*$', re.M)
_ITEM = re.compile(r'"((?:[^"\\]|\\.)*)"')
TIMEOUT = 60


def _lvmconfig() -> str:
    found = shutil.which("lvmconfig") or next((p for p in ("/usr/sbin/lvmconfig", "/sbin/lvmconfig")
                                               if os.access(p, os.X_OK)), None)
    if found is None:
        raise ToolkitError("lvmconfig is not installed here (Debian/Ubuntu: apt-get install lvm2); it checks the "
                           "new lvm.conf before anything is written; nothing written")
    return found


def _run(directory: Path, args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LVM_SYSTEM_DIR": str(directory), "LVM_SUPPRESS_FD_WARNINGS": "1"}
    try:
        return subprocess.run([_lvmconfig(), *args], capture_output=True, text=True, env=env, timeout=TIMEOUT,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise ToolkitError(f"lvmconfig did not finish within {TIMEOUT} s; nothing written") from None


def _complaints(directory: Path, text: str) -> tuple[int, set[str]]:
    (directory / "lvm.conf").write_text(text, encoding="utf-8")
    result = _run(directory, ["--validate"])
    lines = {line.strip() for line in (result.stderr + result.stdout).splitlines()
             if line.strip() and "LVM configuration invalid" not in line and "LVM configuration valid" not in line}
    return result.returncode, lines


def check_with_lvmconfig(old: str, new: str, wanted: Sequence[str], label: str) -> list[str]:
    """Raise ToolkitError when lvm2 cannot use `new` or reads another filter from it; return the complaints
    both texts share (settings this lvm2 does not know), for the caller to show as warnings."""
    with tempfile.TemporaryDirectory(prefix="xenkit-lvm-") as tmp:
        directory = Path(tmp)
        status, new_complaints = _complaints(directory, new)
        shared: set[str] = set()
        if status != 0:
            _old_status, old_complaints = _complaints(directory, old)
            added = sorted(new_complaints - old_complaints)
            if added:
                raise ToolkitError(f"{label}: lvmconfig --validate refuses the new text: {'; '.join(added)}; "
                                   "nothing written")
            shared = new_complaints & old_complaints
            (directory / "lvm.conf").write_text(new, encoding="utf-8")
        read_back = _run(directory, ["devices/filter"])
    match = _FILTER_LINE.search(read_back.stdout)
    values = [re.sub(r"\\(.)", r"\1", item) for item in _ITEM.findall(match["items"])] if match else None
    if read_back.returncode != 0 or values != list(wanted):
        raise ToolkitError(f"{label}: lvmconfig reads devices/filter back as {read_back.stdout.strip() or '(nothing)'}"
                           f", not the filter written; nothing written")
    return sorted(shared)
