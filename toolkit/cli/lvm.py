"""`xenkit lvm filter`: make LVM in dom0 scan multipath devices, not their paths (the lvm.conf filter)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host
from toolkit.errors import UsageError

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor

DEFAULT_PATH = "/etc/lvm/lvm.conf"


@dataclass(frozen=True)
class _Asked:
    check: bool
    show_diff: bool
    as_json: bool
    wanted: list[str]


@click.group()
def lvm() -> None:
    """Edits of /etc/lvm/lvm.conf that keep everything else in it byte for byte."""


@lvm.command("filter")
@click.argument("file", metavar="[FILE]", type=click.Path(path_type=Path), required=False)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if a change is needed, 0 if not.")
@click.option("--diff", "show_diff", is_flag=True, help="Print the change as a unified diff; write nothing.")
@click.option("--reject", "rejects", multiple=True, metavar="REGEX",
              help='A device path regex LVM must not scan; repeat it. Replaces the default set: "/dev/sd.*", '
                   '"/dev/xvd.", "/dev/VG_Xen.*/*".')
@click.option("--json", "as_json", is_flag=True,
              help="Print the outcome as JSON: file, action, line, old and new filter, written, backup, warnings.")
@host_options
@click.option("--path", "remote_path", metavar="PATH", help=f"With --host: the lvm.conf on the host (default "
                                                            f"{DEFAULT_PATH}).")
def filter_cmd(file: Path | None, check: bool, show_diff: bool, rejects: tuple[str, ...], as_json: bool,
               host: str | None, trust_new_host: bool, remote_path: str | None) -> None:
    """Set devices { filter = [...] } in FILE (default /etc/lvm/lvm.conf) so LVM reads SRs through multipath.

    The default is the admin's filter for a multipathed dom0:
    filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ], i.e. not the SCSI paths, not
    guest disks, not the volumes of the SRs themselves. Only that setting changes: comments,
    commented-out filters and every other line stay; a missing filter is added at the top of
    devices { }, a missing section at the end. global_filter is reported, not touched. Running it
    twice changes nothing. Before anything is written, lvm2's own parser must accept the new text
    (lvmconfig --validate, with the filter read back); the old file is kept beside it as
    FILE.xenkit-<time>.bak, and the new one replaces it atomically. With --host the file is on that
    host (--path) and is edited over SFTP the same way.

    \b
    Examples:
      xenkit lvm filter --host dom0 --diff
      xenkit lvm filter --host dom0 --check     # exit 1 if the filter is not set yet
      xenkit lvm filter --host dom0
      xenkit lvm filter lvm.conf --reject "/dev/sd.*" --reject "/dev/xvd."
    """
    from toolkit.generate.lvm_filter import DEFAULT_REJECTS, reject_patterns
    from toolkit.remote.local import LocalExecutor

    asked = _Asked(check, show_diff, as_json, reject_patterns(rejects or DEFAULT_REJECTS))
    if host is None:
        if remote_path is not None:
            raise UsageError("--path: only with --host (a local file is the FILE argument)")
        from toolkit.inputs.userfile import read_user_text

        local = str(file or DEFAULT_PATH)
        _filter(LocalExecutor(), local, local, read_user_text(Path(local)), asked)
        return
    if file is not None:
        raise UsageError(f"{file} and --host do not go together: FILE is a file here; the file on the host is "
                         f"--path (default {DEFAULT_PATH})")
    path = remote_path or DEFAULT_PATH
    if not path.startswith("/"):
        raise UsageError(f'--path "{path}": give an absolute path on the host, e.g. {DEFAULT_PATH}')
    from toolkit.remote.file_edit import read_text_via

    with open_host(host, trust_new_host) as executor:
        _filter(executor, path, f"{executor.name}:{path}", read_text_via(executor, path)[0], asked)


def _filter(executor: Executor, path: str, label: str, old: str, asked: _Asked) -> None:
    from toolkit.generate.fstab_check import unified_diff
    from toolkit.generate.lvm_check import check_with_lvmconfig
    from toolkit.generate.lvm_filter import set_filter

    edit = set_filter(old, asked.wanted, label)
    for warning in edit.warnings:
        click.echo(f"warning: {label}: {warning}", err=True)
    outcome: dict[str, object] = {"file": label, "action": edit.action, "line": edit.line,
                                  "old_filter": edit.old_value, "new_filter": edit.new_value, "written": False,
                                  "target": None, "backup": None, "warnings": list(edit.warnings)}
    if edit.changed:
        click.echo(f"{label}:{edit.line}: filter {edit.action}", err=True)
    else:
        click.echo(f"{label}: filter already set; nothing to change", err=True)
    if asked.show_diff:
        diff = unified_diff(Path(label), old, edit.text, "lvm filter")
        if asked.as_json:
            outcome["diff"] = diff
        else:
            sys.stdout.write(diff)
    if asked.check or asked.show_diff or not edit.changed:
        _print_json(asked, outcome)
        if asked.check and edit.changed:
            raise click.exceptions.Exit(1)
        return
    for complaint in check_with_lvmconfig(old, edit.text, edit.new_value, label):
        click.echo(f"warning: {label}: lvmconfig here complains about the old text too (kept): {complaint}",
                   err=True)
    from toolkit.remote.file_edit import real_path, replace_file

    target = real_path(executor, path, label)
    backup = replace_file(executor, target, old, edit.text, label=label)
    click.echo(f"{label if target == path else f'{label} -> {target}'}: written; backup: {backup}", err=True)
    outcome.update(written=True, target=target, backup=backup)
    _print_json(asked, outcome)


def _print_json(asked: _Asked, outcome: dict[str, object]) -> None:
    if asked.as_json:
        click.echo(json.dumps(outcome, indent=2))
