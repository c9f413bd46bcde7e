"""`ddk network --host`: merge the DDK VM's static network into its own three files, all or nothing.

The files are read as they are (a symlink's target, a file not there yet), merged (network_files.merge_all), shown
as diffs or written one by one with remote/file_edit.py (backup, atomic replace, read-back). If one fails, or Ctrl-C
stops it, those written before it are put back, so the VM never has half a configuration.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.errors import ToolkitError, UsageError
from toolkit.remote.executor import Executor, FileInfo
from toolkit.remote.file_edit import create_file, real_path, replace_file, restore_file
from toolkit.report import say

if TYPE_CHECKING:
    from toolkit.ddk.network_files import FileEdit
    from toolkit.inputs.network import GuestNetwork

MAX_TEXT = 1 << 20  # these files are a few hundred bytes; anything near this is not one of them
NEW_FILE = FileInfo(0, 0o644, 0, 0, False, True)  # a file made new: root's 0644, as the VM's own are


@dataclass(frozen=True)
class Current:
    """A file on the host as found: where it really is (a symlink's target), its text and metadata."""

    path: str
    text: str | None
    info: FileInfo | None


@dataclass(frozen=True)
class NetworkOutcome:
    diff: str = ""  # --diff: the unified diffs of the files that would change
    report: tuple[str, ...] = ()  # after writing: each file's outcome and its changes, then what to do next


def edit_network(ex: Executor, net: GuestNetwork, *, diff_only: bool) -> NetworkOutcome:
    """Merge `net` into the VM's files: only the diffs with `diff_only`, else write them. `say` prints warnings
    and notes (stderr) as they come, so they are out before a failure."""
    from toolkit.ddk.network_files import merge_all, render_all

    found = {edit.path: _read_current(ex, edit.path) for edit in render_all(net)}
    edits = merge_all(net, {path: cur.text for path, cur in found.items()})
    for edit in edits:
        for warning in edit.warnings:
            say(f"warning: {ex.name}:{edit.path}: {warning}")
    if diff_only:
        if not any(edit.changed for edit in edits):
            say(f"{ex.name}: nothing to change")
        return NetworkOutcome(diff="".join(_diff(f"{ex.name}:{found[e.path].path}", e) for e in edits if e.changed))
    backups = _apply_edits(ex, [(edit, found[edit.path]) for edit in edits])
    return NetworkOutcome(report=tuple(_report(ex.name, net, edits, found, backups)))


def _report(name: str, net: GuestNetwork, edits: list[FileEdit], found: dict[str, Current],
            backups: dict[str, str]) -> list[str]:
    lines = []
    for edit in edits:
        where = found[edit.path].path
        shown = edit.path if where == edit.path else f"{edit.path} (-> {where})"
        outcome = "unchanged" if not edit.changed else (
            f"changed; backup: {backups[edit.path]}" if backups.get(edit.path) else "created")
        lines.append(f"{name}:{shown}: {outcome}")
        lines += [f"  {change}" for change in (edit.changes if edit.changed else ())]
    if any(edit.changed for edit in edits):
        hint = "next: on the VM's console (not over SSH: it would drop the session) run `service network restart`"
        if edits[0].changed:
            hint += f", then connect to {net.address}"
        if any(change.startswith("HOSTNAME") for change in edits[1].changes):
            hint += f"; `hostname {net.hostname}` sets the name now"
        lines.append(hint)
    return lines


def _diff(label: str, edit: FileEdit) -> str:
    old = (edit.old or "").splitlines(keepends=True)
    new = edit.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, label if edit.old is not None else "/dev/null", label))


def _read_current(ex: Executor, path: str) -> Current:
    """The file's text (None if there is none yet); a usage error for a directory, a device, a binary file."""
    info = ex.stat(path)
    label = f"{ex.name}:{path}"
    if info is None:
        parent = path.rsplit("/", 1)[0]
        directory = ex.stat(parent)
        if directory is None or not directory.is_dir:
            raise UsageError(f"{label}: {parent} is not a directory there; is this the DDK VM (CentOS)?")
        return Current(path, None, None)
    if not info.is_file:
        raise UsageError(f"{label}: is {'a directory' if info.is_dir else 'not a regular file'}; nothing written")
    where = real_path(ex, path, label)  # a symlink's target is edited: a rename over the link would cut it
    raw = ex.read_bytes(where, MAX_TEXT)
    if b"\0" in raw:
        raise UsageError(f"{label}: holds NUL bytes: not a text file; nothing written")
    try:
        return Current(where, raw.decode("utf-8"), info)
    except UnicodeDecodeError:
        raise UsageError(f"{label}: is not UTF-8 text; nothing written") from None


def _apply_edits(ex: Executor, work: list[tuple[FileEdit, Current]]) -> dict[str, str]:
    """Write each changed file (file_edit.replace_file: backup, atomic replace, read back); the backups by path.

    The backup of ifcfg-eth0 sits in network-scripts, where initscripts take every ifcfg-* for an interface,
    except names ending in .bak (/etc/init.d/network filters them out): replace_file's FILE.xenkit-<time>.bak.

    If one fails (or Ctrl-C stops it), the files written before it are put back as they were, so the VM is never
    left with half a configuration (an address from the new one and a gateway from the old).
    """
    done: list[Current] = []
    backups: dict[str, str] = {}
    for edit, cur in work:
        if not edit.changed:
            continue
        try:
            if cur.text is None:  # a new file: nothing to back up
                create_file(ex, cur.path, edit.text, NEW_FILE)
            else:
                backups[edit.path] = replace_file(ex, cur.path, cur.text, edit.text)
        except BaseException as exc:  # whatever stopped it, Ctrl-C too, the files already written go back
            if not done:
                raise
            note = _put_back(ex, done)
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: say what was put back, then stop
                say(f"{ex.name}: stopped before every file was written; {note}")
                raise
            if isinstance(exc, ToolkitError):
                raise ToolkitError(f"{exc.message}; {note}", exc.hint) from exc
            raise ToolkitError(f"{type(exc).__name__}: {exc}; {note}") from exc
        done.append(cur)
    return backups


def _put_back(ex: Executor, done: list[Current]) -> str:
    """Restore the files written so far (latest first); say which were put back and which were not."""
    restored: list[str] = []
    failed: list[str] = []
    for cur in reversed(done):
        (restored if restore_file(ex, cur.path, cur.text, cur.info) else failed).append(cur.path)
    message = f"put back as they were: {', '.join(restored)}" if restored else ""
    if failed:
        message += ("; " if message else "") + f"could NOT put back {', '.join(failed)}: restore from its .bak"
    return message
