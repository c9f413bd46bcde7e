"""`xenkit fstab nobarrier`: add nobarrier to a guest's fstab without breaking it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host
from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor


@click.group()
def fstab() -> None:
    """Edits of /etc/fstab that keep everything else in it byte for byte."""


@fstab.command("nobarrier")
@click.argument("file", metavar="[FILE]", type=click.Path(path_type=Path), required=False)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a change is needed, 0 if not.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the change as a unified diff; write nothing.")
@click.option("--spelling", type=click.Choice(["nobarrier", "barrier=0"]), default="nobarrier", show_default=True,
              help="barrier=0 is the spelling every old kernel knows.")
@host_options
@click.option("--path", "remote_path", metavar="PATH",
              help="With --host: the fstab on the host (default /etc/fstab).")
def nobarrier(file: Path | None, check: bool, show_diff: bool, spelling: str, host: str | None,
              trust_new_host: bool, remote_path: str | None) -> None:
    """Add nobarrier to every ext3, ext4 and btrfs entry of FILE (default /etc/fstab).

    Only option fields change: comments, blank lines, alignment, \\040 escapes, missing dump/pass
    fields and CRLF line ends stay as they are; running it twice changes nothing. swap, proc, tmpfs,
    nfs, bind and iso9660 entries are left alone; XFS entries are refused with a warning (XFS removed
    nobarrier in Linux 4.19: a root mounted with it does not boot). Before FILE is replaced, util-linux
    (findmnt) must parse the new text; the old one is kept beside it as FILE.xenkit-<time>.bak.

    With --host the file is on that host (--path, default /etc/fstab) and is edited over SFTP: the
    backup and a temp file are written beside it, the temp file is renamed over it, and it is read back.

    \b
    Examples:
      xenkit fstab nobarrier --diff            # show what would change in /etc/fstab
      xenkit fstab nobarrier --check           # exit 1 if it needs the change
      xenkit fstab nobarrier /mnt/guest/etc/fstab --spelling barrier=0
      xenkit fstab nobarrier --host root@192.0.2.20 --diff
    """
    if host is None:
        if remote_path is not None:
            raise UsageError("--path: only with --host (a local file is the FILE argument)")
        _nobarrier_local(file or Path("/etc/fstab"), check, show_diff, spelling)
        return
    if file is not None and remote_path is not None:
        raise UsageError(f"{file} and --path {remote_path}: give the file on the host once (--path)")
    path = remote_path or (str(file) if file is not None else "/etc/fstab")
    if not path.startswith("/"):
        raise UsageError(f'--path "{path}": give an absolute path on the host, e.g. /etc/fstab')
    with open_host(host, trust_new_host) as executor:
        _nobarrier_remote(executor, path, check, show_diff, spelling)


def _edit_to_write(label: str, old: str, spelling: str, check: bool, show_diff: bool) -> tuple[str, int] | None:
    """Make the edit and report it (changes, warnings, --diff); return (new text, entries changed) when it is
    to be written, None when not (--check / --diff / nothing to change). --check exits 1 if a change is due."""
    from toolkit.generate.fstab import Spelling, add_nobarrier
    from toolkit.generate.fstab_check import findmnt_parse_errors, unified_diff

    edit = add_nobarrier(old, Spelling(spelling))
    for warning in edit.warnings:
        click.echo(f"warning: {label}: {warning}", err=True)
    for change in edit.changes:
        note = f" ({change.note})" if change.note else ""
        click.echo(f"{label}:{change.lineno}: {change.mountpoint}: {change.old_options or '(none)'} -> "
                   f"{change.new_options}{note}", err=True)
    if show_diff:
        sys.stdout.write(unified_diff(Path(label), old, edit.text))
    if check and edit.changed:
        raise click.exceptions.Exit(1)
    if check or show_diff:
        return None
    if not edit.changed:
        click.echo(f"{label}: nothing to change", err=True)
        return None
    errors = findmnt_parse_errors(edit.text)
    if errors:
        raise ToolkitError(f"{label}: findmnt cannot parse {errors} line(s) of the new text; nothing written")
    return edit.text, len(edit.changes)


def _changed(count: int) -> str:
    return f"{count} entr{'y' if count == 1 else 'ies'} changed"


def _nobarrier_remote(executor: Executor, path: str, check: bool, show_diff: bool, spelling: str) -> None:
    from toolkit.generate.fstab_check import read_fstab_via

    old, _info = read_fstab_via(executor, path)
    _nobarrier(executor, path, f"{executor.name}:{path}", old, check, show_diff, spelling)


def _nobarrier_local(file: Path, check: bool, show_diff: bool, spelling: str) -> None:
    from toolkit.generate.fstab_check import read_fstab
    from toolkit.remote.local import LocalExecutor

    _nobarrier(LocalExecutor(), str(file), str(file), read_fstab(file), check, show_diff, spelling)


def _nobarrier(executor: Executor, path: str, label: str, old: str, check: bool, show_diff: bool,
               spelling: str) -> None:
    """The edit of the text `old` of `path` (here or on a host), written through the executor with a backup."""
    from toolkit.remote.file_edit import replace_file

    edit = _edit_to_write(label, old, spelling, check, show_diff)
    if edit is not None:
        backup = replace_file(executor, path, old, edit[0], label=label)
        click.echo(f"{label}: {_changed(edit[1])}; backup: {backup}", err=True)
