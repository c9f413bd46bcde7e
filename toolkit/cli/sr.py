"""`xenkit sr`: storage repositories on a host: the HBA LUNs it sees, and an HBA SR made the way that works."""

from __future__ import annotations

import json

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import ToolkitError, UsageError


@click.group()
def sr() -> None:
    """Storage repositories (SRs) of a host.

    \b
    Examples:
      xenkit sr hba-list --host dom0
      xenkit sr create-hba --host dom0 --scsi-id 3600a0b80000f4b1c000004c04a07e1c0 --name "SAN LUN 1"
    """


@sr.command("hba-list")
@host_options
@click.option("--json", "as_json", is_flag=True,
              help="Print [{scsi_id, device, size, map, paths_usable, paths_total, sr}].")
def hba_list(host: str | None, trust_new_host: bool, as_json: bool) -> None:
    """The LUNs the host sees (/dev/disk/by-id/scsi-*): size, multipath map, usable paths, the SR using it.

    \b
    Example:
      xenkit sr hba-list --host root@xenserver1
    """
    from toolkit.cli.hostopts import open_host
    from toolkit.inputs.sizes import format_size
    from toolkit.mpstatus.hba_list import list_luns

    if host is None:
        raise UsageError("--host HOST is required: the LUNs are listed on the host")
    with open_host(host, trust_new_host) as executor:
        luns, warnings = list_luns(executor)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps([lun.as_json() for lun in luns], indent=2))
        return
    if not luns:
        click.echo("no LUNs under /dev/disk/by-id/scsi-*")
    for lun in luns:
        size = "size ?" if lun.size is None else format_size(lun.size)
        paths = ("no multipath map" if lun.map_name is None
                 else f"map {lun.map_name}: {lun.usable_paths}/{lun.total_paths} paths usable")
        used = f"used by SR {lun.sr}" if lun.sr else "free"
        click.echo(f"{lun.scsi_id}  {lun.device}  {size}  {paths}  {used}")


@sr.command("create-hba")
@host_options
@click.option("--print", "print_only", is_flag=True, help="Print the plan as a bash script (the default).")
@click.option("--scsi-id", required=True, metavar="ID", help="The LUN, as in /dev/disk/by-id/scsi-ID.")
@click.option("--name", required=True, metavar="NAME", help="The new SR's name-label (any printable text).")
@click.option("--shared/--no-shared", default=True, show_default=True,
              help="A shared SR (the pool's hosts all see the LUN) or this host's only.")
def create_hba(host: str | None, trust_new_host: bool, print_only: bool, scsi_id: str, name: str,
               shared: bool) -> None:
    """Create an HBA SR (lvmohba) on a LUN: the way around XenCenter's "The SCSIid parameter is missing or incorrect".

    The plan runs `xe sr-create type=lvmohba content-type=user shared=true name-label=NAME
    host-uuid=.. device-config:device=/dev/disk/by-id/scsi-ID` after its checks (a failed check
    changes nothing): the device is a block device on the host, no SR's PBD uses it, no SR has the
    name. If a later step fails, the new SR is unplugged and forgotten (sr-forget, never sr-destroy,
    which would wipe the LUN). With --host it runs there and prints the new SR's uuid.

    \b
    Examples:
      xenkit sr create-hba --print --scsi-id 3600a0b80000f4b1c000004c04a07e1c0 --name "SAN LUN 1" > hba.sh
      xenkit sr create-hba --host dom0 --scsi-id 3600a0b80000f4b1c000004c04a07e1c0 --name "SAN LUN 1"
    """
    from toolkit.generate.sr_hba import render_create_hba

    if host is not None and print_only:
        raise UsageError("--print and --host: give one (--print shows the plan, --host runs it)")
    script = render_create_hba(scsi_id, name, shared)
    if host is None:
        click.echo(script, nl=False)
        return
    from toolkit.cli.hostopts import open_host
    from toolkit.remote.executor import run

    with open_host(host, trust_new_host) as executor:
        result = run(executor, ["bash", "-s"], stdin=script.encode(), check=False, timeout=900,
                     what=f"{host}: sr create-hba")
    for line in result.stderr.decode("utf-8", "replace").splitlines():
        click.echo(f"{host}: {line}", err=True)
    if not result.ok:
        raise ToolkitError(f"{host}: sr create-hba failed (exit {result.status}); see the lines above")
    click.echo(result.stdout.decode("utf-8", "replace").strip().splitlines()[-1])
