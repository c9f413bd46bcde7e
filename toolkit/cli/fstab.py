"""`xenkit fstab nobarrier`: add nobarrier to a guest's fstab without breaking it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from toolkit.errors import ToolkitError


@click.group()
def fstab() -> None:
    """Edits of /etc/fstab that keep everything else in it byte for byte."""


@fstab.command("nobarrier")
@click.argument("file", metavar="[FILE]", type=click.Path(path_type=Path), default=Path("/etc/fstab"))
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a change is needed, 0 if not.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the change as a unified diff; write nothing.")
@click.option("--spelling", type=click.Choice(["nobarrier", "barrier=0"]), default="nobarrier", show_default=True,
              help="barrier=0 is the spelling every old kernel knows.")
def nobarrier(file: Path, check: bool, show_diff: bool, spelling: str) -> None:
    """Add nobarrier to every ext3, ext4 and btrfs entry of FILE (default /etc/fstab).

    Only option fields change: comments, blank lines, alignment, \\040 escapes, missing dump/pass
    fields and CRLF line ends stay as they are; running it twice changes nothing. swap, proc, tmpfs,
    nfs, bind and iso9660 entries are left alone; XFS entries are refused with a warning (XFS removed
    nobarrier in Linux 4.19: a root mounted with it does not boot). Before FILE is replaced, util-linux
    (findmnt) must parse the new text; the old one is kept beside it as FILE.xenkit-<time>.bak.

    \b
    Examples:
      xenkit fstab nobarrier --diff            # show what would change in /etc/fstab
      xenkit fstab nobarrier --check           # exit 1 if it needs the change
      xenkit fstab nobarrier /mnt/guest/etc/fstab --spelling barrier=0
    """
    from toolkit.fstab_file import findmnt_parse_errors, read_fstab, replace_with_backup, unified_diff
    from toolkit.generate.fstab import Spelling, add_nobarrier

    old = read_fstab(file)
    edit = add_nobarrier(old, Spelling(spelling))
    for warning in edit.warnings:
        click.echo(f"warning: {file}: {warning}", err=True)
    for change in edit.changes:
        note = f" ({change.note})" if change.note else ""
        click.echo(f"{file}:{change.lineno}: {change.mountpoint}: {change.old_options or '(none)'} -> "
                   f"{change.new_options}{note}", err=True)
    if show_diff:
        sys.stdout.write(unified_diff(file, old, edit.text))
    if check or show_diff:
        if check and edit.changed:
            raise click.exceptions.Exit(1)
        return
    if not edit.changed:
        click.echo(f"{file}: nothing to change", err=True)
        return
    errors = findmnt_parse_errors(edit.text)
    if errors:
        raise ToolkitError(f"{file}: findmnt cannot parse {errors} line(s) of the new text; nothing written")
    replaced = replace_with_backup(file, old, edit.text)
    click.echo(f"{file}: {len(edit.changes)} entr{'y' if len(edit.changes) == 1 else 'ies'} changed; "
               f"backup: {replaced.backup}", err=True)
