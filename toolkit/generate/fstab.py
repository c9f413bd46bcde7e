"""Add `nobarrier` to a guest's fstab without disturbing anything else in it.

Only the option field of an ext3, ext4 or btrfs entry changes; every other byte (comments, blank lines,
tabs or spaces of alignment, `\\040` escapes, missing dump/pass fields, CRLF line ends) is kept. XFS
entries are refused with a warning: XFS removed `nobarrier` in Linux 4.19, so a system that mounts its
root with it does not boot. A line that cannot be parsed is kept verbatim and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

BARRIER_FILESYSTEMS = frozenset({"ext3", "ext4", "btrfs"})
_FIELD = re.compile(r"\S+")
# Mount options split on commas outside double quotes (SELinux context="a,b" holds commas).
_OPTION = re.compile(r'(?:[^,"]|"[^"]*")+')
_DISABLED = frozenset({"nobarrier", "barrier=0"})
_ENABLED = frozenset({"barrier", "barrier=1"})


class Spelling(StrEnum):
    NOBARRIER = "nobarrier"
    BARRIER_0 = "barrier=0"  # the spelling every old kernel knows


@dataclass(frozen=True)
class Change:
    lineno: int
    mountpoint: str
    old_options: str
    new_options: str
    note: str = ""


@dataclass(frozen=True)
class FstabEdit:
    text: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def add_nobarrier(text: str, spelling: Spelling = Spelling.NOBARRIER) -> FstabEdit:
    """The fstab `text` with barriers disabled on every entry that takes the option."""
    out: list[str] = []
    changes: list[Change] = []
    warnings: list[str] = []
    for lineno, line in enumerate(text.splitlines(keepends=True), 1):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        new_body = _edit_line(lineno, body, spelling, changes, warnings)
        out.append(new_body + ending)
    return FstabEdit("".join(out), tuple(changes), tuple(warnings))


def _edit_line(lineno: int, body: str, spelling: Spelling, changes: list[Change], warnings: list[str]) -> str:
    stripped = body.strip()
    if not stripped or stripped.startswith("#"):
        return body
    fields = list(_FIELD.finditer(body))
    if not 3 <= len(fields) <= 6:
        warnings.append(f"line {lineno}: kept as it is: {len(fields)} fields, an fstab entry has 3 to 6")
        return body
    mountpoint, fstype = fields[1].group(), fields[2].group()
    if fstype == "xfs":
        warnings.append(
            f"line {lineno}: {mountpoint} is XFS: left without nobarrier (XFS removed the option in Linux 4.19; "
            "mounting with it fails, and a root that fails to mount does not boot)"
        )
        return body
    if fstype not in BARRIER_FILESYSTEMS:
        return body
    if len(fields) == 3:  # no options field: the defaults apply; write them out with the new option
        separator = body[fields[1].end():fields[2].start()]
        new_options = f"defaults,{spelling}"
        changes.append(Change(lineno, mountpoint, "", new_options))
        return body[:fields[2].end()] + separator + new_options + body[fields[2].end():]
    options_field = fields[3]
    old_options = options_field.group()
    options = _OPTION.findall(old_options)
    if ",".join(options) != old_options:
        warnings.append(f"line {lineno}: kept as it is: cannot read the options {old_options!r}")
        return body
    if "bind" in options or "rbind" in options:
        return body
    if _DISABLED & set(options):
        return body
    enabled = [o for o in options if o in _ENABLED]
    if enabled:
        new = [str(spelling) if o in _ENABLED else o for o in options]
        new = list(dict.fromkeys(new))  # `barrier,barrier=1` becomes one option, not two
        note = f"{enabled[0]} enabled barriers; replaced"
    else:
        new, note = [*options, str(spelling)], ""
    new_options = ",".join(new)
    changes.append(Change(lineno, mountpoint, old_options, new_options, note))
    return body[:options_field.start()] + new_options + body[options_field.end():]
