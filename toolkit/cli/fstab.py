"""`xenkit fstab nobarrier`: add nobarrier to a guest's fstab without breaking it."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host
from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.generate.fstab import FstabEdit
    from toolkit.remote.executor import Executor


@dataclass(frozen=True)
class _Asked:
    """What the command line asks for, besides which file."""

    check: bool
    show_diff: bool
    spelling: str
    as_json: bool


@click.group()
def fstab() -> None:
    """Edits of /etc/fstab that keep everything else in it byte for byte."""


@fstab.command("nobarrier")
@click.argument("file", metavar="[FILE]", type=click.Path(path_type=Path), required=False)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a change is needed, 0 if not.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the change as a unified diff; write nothing.")
@click.option("--spelling", type=click.Choice(["nobarrier", "barrier=0"]), default="nobarrier", show_default=True,
              help="barrier=0 is the spelling every old kernel knows.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON: every entry changed or skipped (and why), the backup, whether the "
                   "file was written.")
@host_options
@click.option("--path", "remote_path", metavar="PATH",
              help="With --host: the fstab on the host (default /etc/fstab).")
def nobarrier(file: Path | None, check: bool, show_diff: bool, spelling: str, as_json: bool, host: str | None,
              trust_new_host: bool, remote_path: str | None) -> None:
    """Add nobarrier to every ext3, ext4 and btrfs entry of FILE (default /etc/fstab).

    Only option fields change: comments, blank lines, alignment, \\040 escapes, missing dump/pass
    fields and CRLF line ends stay as they are; running it twice changes nothing. swap, proc, tmpfs,
    nfs, bind and iso9660 entries are left alone, and so are entries whose type is auto or a list
    (ext4,ext3); XFS entries are refused with a warning (XFS removed nobarrier in Linux 4.19: a root
    mounted with it does not boot). Before FILE is replaced, util-linux (findmnt) must parse the new
    text; the old one is kept beside it as FILE.xenkit-<time>.bak. Where FILE is a symlink, the file
    it points to is edited and the link stays. An edit that fails leaves no backup behind.

    With --host the file is on that host (--path, default /etc/fstab; FILE is for a file here) and is
    edited over SFTP: the backup and a temp file are written beside it, the temp file is renamed over
    it, and it is read back.

    \b
    Examples:
      xenkit fstab nobarrier --diff            # show what would change in /etc/fstab
      xenkit fstab nobarrier --check           # exit 1 if it needs the change
      xenkit fstab nobarrier /mnt/guest/etc/fstab --spelling barrier=0
      xenkit fstab nobarrier --host root@192.0.2.20 --diff
    """
    from toolkit.generate.fstab_check import read_fstab, read_fstab_via
    from toolkit.remote.local import LocalExecutor

    asked = _Asked(check, show_diff, spelling, as_json)
    if host is None:
        if remote_path is not None:
            raise UsageError("--path: only with --host (a local file is the FILE argument)")
        local = str(file or "/etc/fstab")
        _nobarrier(LocalExecutor(), local, local, read_fstab(Path(local)), asked)
        return
    if file is not None:
        raise UsageError(f"{file} and --host do not go together: FILE is a file here; the file on the host is "
                         "--path (default /etc/fstab)")
    path = remote_path or "/etc/fstab"
    if not path.startswith("/"):
        raise UsageError(f'--path "{path}": give an absolute path on the host, e.g. /etc/fstab')
    with open_host(host, trust_new_host) as executor:
        _nobarrier(executor, path, f"{executor.name}:{path}", read_fstab_via(executor, path)[0], asked)


def _nobarrier(executor: Executor, path: str, label: str, old: str, asked: _Asked) -> None:
    """The edit of the text `old` of `path` (here or on a host), written through the executor with a backup."""
    from toolkit.generate.fstab import Spelling, add_nobarrier
    from toolkit.generate.fstab_check import findmnt_parse_errors, unified_diff

    edit = add_nobarrier(old, Spelling(asked.spelling))
    _tell(label, edit)
    outcome: dict[str, object] = {"file": label, "changed": len(edit.changes), "written": False, "target": None,
                                  "backup": None, "entries": edit.entries(), "warnings": list(edit.warnings)}
    if asked.show_diff:
        diff = unified_diff(Path(label), old, edit.text)
        if asked.as_json:
            outcome["diff"] = diff
        else:
            sys.stdout.write(diff)
    if not edit.changed and (asked.show_diff or not asked.check):
        click.echo(f"{label}: nothing to change", err=True)
    if asked.check or asked.show_diff or not edit.changed:
        _print_json(asked, outcome)
        if asked.check and edit.changed:
            raise click.exceptions.Exit(1)
        return
    errors = findmnt_parse_errors(edit.text)
    if errors:
        raise ToolkitError(f"{label}: findmnt cannot parse {errors} line(s) of the new text; nothing written")
    _write(executor, path, label, old, edit, outcome)
    _print_json(asked, outcome)


def _write(executor: Executor, path: str, label: str, old: str, edit: FstabEdit, outcome: dict[str, object]) -> None:
    from toolkit.remote.file_edit import real_path, replace_file

    target = real_path(executor, path, label)  # a symlink's target: the file to edit, the link stays
    backup = replace_file(executor, target, old, edit.text, label=label)
    count = len(edit.changes)
    where = label if target == path else f"{label} -> {target}"
    click.echo(f"{where}: {count} entr{'y' if count == 1 else 'ies'} changed; backup: {backup}", err=True)
    outcome.update(written=True, target=target, backup=backup)


def _tell(label: str, edit: FstabEdit) -> None:
    """The warnings and the changes, one line each on stderr."""
    for warning in edit.warnings:
        click.echo(f"warning: {label}: {warning}", err=True)
    for change in edit.changes:
        note = f" ({change.note})" if change.note else ""
        click.echo(f"{label}:{change.lineno}: {change.mountpoint}: {change.old_options or '(none)'} -> "
                   f"{change.new_options}{note}", err=True)


def _print_json(asked: _Asked, outcome: dict[str, object]) -> None:
    if asked.as_json:
        click.echo(json.dumps(outcome, indent=2))
