"""Add `nobarrier` to a guest's fstab without disturbing anything else in it.

Only the option field of an ext3, ext4 or btrfs entry changes; every other byte (comments, blank lines,
tabs or spaces of alignment, `\\040` escapes, missing dump/pass fields, CRLF line ends) is kept. XFS
entries are refused with a warning: XFS removed `nobarrier` in Linux 4.19, so a system that mounts its
root with it does not boot. A line that cannot be parsed is kept verbatim and reported. Every entry left
alone is recorded with the reason (`--json` lists them).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

BARRIER_FILESYSTEMS = frozenset({"ext3", "ext4", "btrfs"})
# Fields are separated by spaces and tabs only, as libmount reads them: a form feed, vertical tab or no-break
# space is part of a field there (findmnt shows it as \x0c), so it cannot end one here.
_FIELD = re.compile(r"[^ \t]+")
# Mount options split on commas outside double quotes (SELinux context="a,b" holds commas).
_OPTION = re.compile(r'(?:[^,"]|"[^"]*")+')
# A line as libmount (and diff) see one: up to and with a newline; a last line may lack it.
_LINE = re.compile(r"[^\n]*\n|[^\n]+\Z")
_DISABLED = frozenset({"nobarrier", "barrier=0"})
_ENABLED = frozenset({"barrier", "barrier=1"})


class Spelling(StrEnum):
    NOBARRIER = "nobarrier"
    BARRIER_0 = "barrier=0"  # the spelling every old kernel knows


class SkipReason(StrEnum):
    """Why an entry was left as it is."""

    XFS = "xfs"  # XFS refuses the option since Linux 4.19
    AMBIGUOUS_TYPE = "ambiguous-type"  # `auto` or a list (`ext4,ext3`): the file system is chosen at mount time
    ALREADY_DISABLED = "already-disabled"  # nobarrier or barrier=0 is there
    BIND_MOUNT = "bind-mount"  # a bind mount takes the options of the file system it shows
    NO_BARRIER_OPTION = "no-barrier-option"  # swap, proc, tmpfs, nfs, iso9660...: no barriers to disable
    UNREADABLE = "unreadable"  # the line or its options cannot be parsed; kept verbatim (with a warning)


@dataclass(frozen=True)
class Change:
    lineno: int
    mountpoint: str
    old_options: str
    new_options: str
    note: str = ""
    fstype: str = ""


@dataclass(frozen=True)
class Skip:
    lineno: int
    mountpoint: str  # "" where the line could not be read
    fstype: str
    reason: SkipReason


@dataclass(frozen=True)
class FstabEdit:
    text: str
    changes: tuple[Change, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    skipped: tuple[Skip, ...] = ()

    @property
    def changed(self) -> bool:
        return bool(self.changes)

    def entries(self) -> list[dict[str, object]]:
        """Every entry, changed or skipped (with the reason), in file order: the `entries` of `--json`."""
        rows: list[tuple[int, dict[str, object]]] = [
            (c.lineno, {"line": c.lineno, "mountpoint": c.mountpoint, "type": c.fstype, "action": "changed",
                        "options": c.old_options, "new_options": c.new_options, "note": c.note})
            for c in self.changes]
        rows += [(s.lineno, {"line": s.lineno, "mountpoint": s.mountpoint, "type": s.fstype, "action": "skipped",
                             "reason": str(s.reason)}) for s in self.skipped]
        return [row for _, row in sorted(rows, key=lambda pair: pair[0])]


@dataclass
class _Found:
    changes: list[Change] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def add_nobarrier(text: str, spelling: Spelling = Spelling.NOBARRIER) -> FstabEdit:
    """The fstab `text` with barriers disabled on every entry that takes the option."""
    out: list[str] = []
    found = _Found()
    for lineno, line in enumerate(lines_of(text), 1):
        body = line.rstrip("\r\n")
        ending = line[len(body):]
        out.append(_edit_line(lineno, body, spelling, found) + ending)
    return FstabEdit("".join(out), tuple(found.changes), tuple(found.warnings), tuple(found.skipped))


def lines_of(text: str) -> list[str]:
    """The lines of `text` with their ends, split at newlines only, as libmount and diff read a file:
    str.splitlines would also end a line at a form feed or a lone CR, and so edit the tail of a comment."""
    return _LINE.findall(text)


def _edit_line(lineno: int, body: str, spelling: Spelling, found: _Found) -> str:
    stripped = body.strip(" \t")
    if not stripped or stripped.startswith("#"):
        return body
    fields = list(_FIELD.finditer(body))
    if not 3 <= len(fields) <= 6:
        found.warnings.append(f"line {lineno}: kept as it is: {len(fields)} fields, an fstab entry has 3 to 6")
        found.skipped.append(Skip(lineno, "", "", SkipReason.UNREADABLE))
        return body
    mountpoint, fstype = fields[1].group(), fields[2].group()

    def skip(reason: SkipReason) -> str:
        found.skipped.append(Skip(lineno, mountpoint, fstype, reason))
        return body

    if fstype == "xfs":
        found.warnings.append(
            f"line {lineno}: {mountpoint} is XFS: left without nobarrier (XFS removed the option in Linux 4.19; "
            "mounting with it fails, and a root that fails to mount does not boot)"
        )
        return skip(SkipReason.XFS)
    if fstype == "auto" or "," in fstype:
        return skip(SkipReason.AMBIGUOUS_TYPE)
    if fstype not in BARRIER_FILESYSTEMS:
        return skip(SkipReason.NO_BARRIER_OPTION)
    if len(fields) == 3:  # no options field: the defaults apply; write them out with the new option
        separator = body[fields[1].end():fields[2].start()]
        new_options = f"defaults,{spelling}"
        found.changes.append(Change(lineno, mountpoint, "", new_options, fstype=fstype))
        return body[:fields[2].end()] + separator + new_options + body[fields[2].end():]
    options_field = fields[3]
    old_options = options_field.group()
    options = _OPTION.findall(old_options)
    if ",".join(options) != old_options:
        found.warnings.append(f"line {lineno}: kept as it is: cannot read the options {old_options!r}")
        return skip(SkipReason.UNREADABLE)
    if "bind" in options or "rbind" in options:
        return skip(SkipReason.BIND_MOUNT)
    if _DISABLED & set(options):
        return skip(SkipReason.ALREADY_DISABLED)
    enabled = [o for o in options if o in _ENABLED]
    if enabled:
        new = [str(spelling) if o in _ENABLED else o for o in options]
        new = list(dict.fromkeys(new))  # `barrier,barrier=1` becomes one option, not two
        note = f"{enabled[0]} enabled barriers; replaced"
    else:
        new, note = [*options, str(spelling)], ""
    new_options = ",".join(new)
    found.changes.append(Change(lineno, mountpoint, old_options, new_options, note, fstype))
    return body[:options_field.start()] + new_options + body[options_field.end():]
