"""`xenkit ddk network`: the DDK VM's static network (seed 002, step 5): printed, written under a directory,
or merged into the VM's own files over SSH with backups, all or nothing."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host
from toolkit.cli.options import make_guest_network, network_options
from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.ddk.network_files import FileEdit
    from toolkit.inputs.network import GuestNetwork
    from toolkit.remote.executor import Executor, FileInfo

MAX_TEXT = 1 << 20  # these files are a few hundred bytes; anything near this is not one of them


@click.command("network")
@network_options
@host_options
@click.option("--diff", "show_diff", is_flag=True,
              help="With --host: print what would change as unified diffs; write nothing.")
@click.option("-o", "--output", "output", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Without --host: write the three files under DIR (DIR/etc/...), all or nothing, instead of "
                   "printing them.")
def network_cmd(hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
                host: str | None, trust_new_host: bool, show_diff: bool, output: Path | None) -> None:
    """Give the DDK VM a static IPv4 address, gateway, name servers and host name.

    Without a DHCP server the DDK VM (CentOS 5) has no network: seed 002 sets it up by hand on its
    console. This command writes the same three files:

    \b
      /etc/sysconfig/network-scripts/ifcfg-eth0  DEVICE, BOOTPROTO=static, ONBOOT=yes, IPADDR, NETMASK,
                                                 PEERDNS=no (initscripts and dhclient leave resolv.conf be)
      /etc/sysconfig/network                     NETWORKING=yes, HOSTNAME, GATEWAY
      /etc/resolv.conf                           nameserver lines

    Without --host it prints them, each after a `# /etc/...` line, or writes them under -o DIR
    (DIR/etc/...) to copy into the VM.

    With --host (the VM answers SSH already, e.g. on a temporary address) it merges them into the
    VM's own files: HWADDR, UUID, comments and every other key stay. NETMASK, not PREFIX: CentOS 5's
    initscripts work out the broadcast address and the gateway check from NETMASK (without one, from
    the address class), and a stale PREFIX would win over it, so one is removed; so is a GATEWAY in
    ifcfg that differs (it would override /etc/sysconfig/network's). In resolv.conf only the
    nameserver lines change; search, domain and options stay. Each changed file is backed up beside
    it (FILE.xenkit-<time>.bak), replaced atomically and read back; if one fails, those written
    before it are put back. Files already right are left alone: running it again changes nothing.
    The network is not restarted (that would drop the SSH session): run `service network restart` on
    the VM's console afterwards. --diff shows the changes and writes nothing.

    --ip is ADDR/PREFIX or ADDR/NETMASK; --gateway must be in that subnet; up to three --nameserver;
    --hostname is a DNS name such as ddk.example.com; --interface eth1 edits ifcfg-eth1.

    \b
    Examples:
      xenkit ddk network --ip 192.0.2.30/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
          --hostname ddk.example.com
      xenkit ddk network ... -o ddk-net          # ddk-net/etc/sysconfig/network-scripts/ifcfg-eth0, ...
      xenkit ddk network ... --host root@192.0.2.99 --diff     # what would change on the VM
      xenkit ddk network ... --host root@192.0.2.99 --trust-new-host
    """
    from toolkit.inputs.network import parse_device

    net = make_guest_network(hostname, ip, gateway, nameservers, parse_device("interface", interface))
    if host is None:
        if show_diff:
            raise UsageError("--diff: only with --host (it compares with the files on the VM)")
        _emit(net, output)
        return
    if output is not None:
        raise UsageError("-o/--output: only without --host (with --host the VM's own files are edited)")
    with open_host(host, trust_new_host) as executor:
        _on_host(executor, net, show_diff)


def _emit(net: GuestNetwork, output: Path | None) -> None:
    from toolkit.ddk.network_files import render_all

    edits = render_all(net)
    if output is None:
        sys.stdout.write("\n".join(f"# {edit.path}\n{edit.text}" for edit in edits))
        return
    from toolkit.output import OutputFile, write_all_atomic

    files = [OutputFile(output / edit.path.lstrip("/"), edit.text, mode=0o644) for edit in edits]
    write_all_atomic(files)
    for out in files:
        click.echo(f"wrote {out.path}", err=True)


@dataclass(frozen=True)
class _Current:
    """A file on the host as found: where it really is (a symlink's target), its text and metadata."""

    path: str
    text: str | None
    info: FileInfo | None


def _on_host(ex: Executor, net: GuestNetwork, show_diff: bool) -> None:
    from toolkit.ddk.network_files import merge_all, render_all

    found = {edit.path: _read_current(ex, edit.path) for edit in render_all(net)}
    edits = merge_all(net, {path: cur.text for path, cur in found.items()})
    for edit in edits:
        for warning in edit.warnings:
            click.echo(f"warning: {ex.name}:{edit.path}: {warning}", err=True)
    if show_diff:
        sys.stdout.write("".join(_diff(f"{ex.name}:{found[e.path].path}", e) for e in edits if e.changed))
        if not any(edit.changed for edit in edits):
            click.echo(f"{ex.name}: nothing to change", err=True)
        return
    backups = _apply(ex, [(edit, found[edit.path]) for edit in edits])
    for edit in edits:
        where = found[edit.path].path
        shown = edit.path if where == edit.path else f"{edit.path} (-> {where})"
        outcome = "unchanged" if not edit.changed else (
            f"changed; backup: {backups[edit.path]}" if backups.get(edit.path) else "created")
        click.echo(f"{ex.name}:{shown}: {outcome}")
        for change in edit.changes if edit.changed else ():
            click.echo(f"  {change}")
    if any(edit.changed for edit in edits):
        hint = "next: on the VM's console (not over SSH: it would drop the session) run `service network restart`"
        if edits[0].changed:
            hint += f", then connect to {net.address}"
        if any(change.startswith("HOSTNAME") for change in edits[1].changes):
            hint += f"; `hostname {net.hostname}` sets the name now"
        click.echo(hint)


def _diff(label: str, edit: FileEdit) -> str:
    import difflib

    old = (edit.old or "").splitlines(keepends=True)
    new = edit.text.splitlines(keepends=True)
    return "".join(difflib.unified_diff(old, new, label if edit.old is not None else "/dev/null", label))


def _read_current(ex: Executor, path: str) -> _Current:
    """The file's text (None if there is none yet); a usage error for a directory, a device, a binary file."""
    info = ex.stat(path)
    label = f"{ex.name}:{path}"
    if info is None:
        parent = path.rsplit("/", 1)[0]
        directory = ex.stat(parent)
        if directory is None or not directory.is_dir:
            raise UsageError(f"{label}: {parent} is not a directory there; is this the DDK VM (CentOS)?")
        return _Current(path, None, None)
    if not info.is_file:
        raise UsageError(f"{label}: is {'a directory' if info.is_dir else 'not a regular file'}; nothing written")
    # A symlink is followed and its target edited: renaming a file over the link would cut the link.
    link = ex.run(["readlink", "-f", "--", path], step=f"readlink {path}")
    target = link.text().strip() if link.ok else ""
    where = target if target.startswith("/") else path
    raw = ex.read_bytes(where, MAX_TEXT)
    if b"\0" in raw:
        raise UsageError(f"{label}: holds NUL bytes: not a text file; nothing written")
    try:
        return _Current(where, raw.decode("utf-8"), info)
    except UnicodeDecodeError:
        raise UsageError(f"{label}: is not UTF-8 text; nothing written") from None


def _apply(ex: Executor, work: list[tuple[FileEdit, _Current]]) -> dict[str, str]:
    """Write each changed file (backup, atomic replace, read back: file_edit.replace_file); the backups by path.

    The backup of ifcfg-eth0 sits in network-scripts, where initscripts take every ifcfg-* for an interface,
    except names ending in .bak (/etc/init.d/network filters them out): replace_file's FILE.xenkit-<time>.bak.

    If one fails (or Ctrl-C stops it), the files written before it are put back as they were, so the VM is never
    left with half a configuration (an address from the new one and a gateway from the old).
    """
    from toolkit.remote.executor import FileInfo
    from toolkit.remote.file_edit import create_file, replace_file

    done: list[_Current] = []
    backups: dict[str, str] = {}
    for edit, cur in work:
        if not edit.changed:
            continue
        try:
            if cur.text is None:  # a new file: nothing to back up; root's 0644, as the VM's own are
                create_file(ex, cur.path, edit.text, FileInfo(0, 0o644, 0, 0, False, True))
            else:
                backups[edit.path] = replace_file(ex, cur.path, cur.text, edit.text)
        except BaseException as exc:  # whatever stopped it, Ctrl-C too, the files already written go back
            if not done:
                raise
            note = _put_back(ex, done)
            if not isinstance(exc, Exception):  # KeyboardInterrupt, SystemExit: say what was put back, then stop
                click.echo(f"{ex.name}: stopped before every file was written; {note}", err=True)
                raise
            if isinstance(exc, ToolkitError):
                raise ToolkitError(f"{exc.message}; {note}", exc.hint) from exc
            raise ToolkitError(f"{type(exc).__name__}: {exc}; {note}") from exc
        done.append(cur)
    return backups


def _put_back(ex: Executor, done: list[_Current]) -> str:
    """Restore the files written so far (latest first); say which were put back and which were not."""
    from toolkit.remote.file_edit import restore_file

    restored: list[str] = []
    failed: list[str] = []
    for cur in reversed(done):
        (restored if restore_file(ex, cur.path, cur.text, cur.info) else failed).append(cur.path)
    message = f"put back as they were: {', '.join(restored)}" if restored else ""
    if failed:
        message += ("; " if message else "") + f"could NOT put back {', '.join(failed)}: restore from its .bak"
    return message
