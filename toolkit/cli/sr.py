"""`xenkit sr`: storage repositories on a host: the HBA LUNs it sees, and an HBA SR made the way that works."""

from __future__ import annotations

import json

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import UsageError


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
    from toolkit.cli.hostopts import print_or_run_script
    from toolkit.generate.sr_hba import render_create_hba

    out = print_or_run_script(render_create_hba(scsi_id, name, shared), host, trust_new_host, print_only,
                              timeout=900, what="sr create-hba")
    if out is not None:
        click.echo(out.strip().splitlines()[-1])


@sr.command("forget")
@host_options
@click.option("--print", "print_only", is_flag=True, help="Print the plan as a bash script (the default).")
@click.option("--sr-uuid", metavar="UUID", help="The SR, by uuid.")
@click.option("--sr-name", metavar="NAME", help="The SR, by name-label (it must name exactly one).")
@click.option("--force", is_flag=True,
              help="Unplug even when the SR's server does not answer (xe pbd-unplug --force); a host restart may "
                   "still be needed.")
@click.option("--timeout", type=click.IntRange(5, 3600), default=120, show_default=True, metavar="S",
              help="Give up on an xe call (a hung unplug) after S seconds, and say so.")
@click.option("--check-timeout", type=click.IntRange(1, 300), default=10, show_default=True, metavar="S",
              help="How long the SR's server has to answer (showmount, else a TCP connection to 2049).")
def forget(host: str | None, trust_new_host: bool, print_only: bool, sr_uuid: str | None, sr_name: str | None,
           force: bool, timeout: int, check_timeout: int) -> None:
    """Detach an SR: unplug each of its PBDs, then sr-forget (never sr-destroy: the data stays).

    The blog's "detach NFS ISO library", without its trap: an NFS SR whose server is gone cannot be
    unplugged (the unplug hangs or fails), and the only fix without a restart was to bring up the
    same export at the same address. So the plan first asks the SR's server (showmount, or a TCP
    connection to port 2049) and, if it does not answer, stops before unplugging anything and says
    so; --force goes on with `pbd-unplug --force`. It refuses while VMs use the SR's disks or ISOs.
    Each unplug is bounded by --timeout: a hung one is reported, and the PBDs already unplugged are
    plugged again.

    \b
    Examples:
      xenkit sr forget --host dom0 --sr-name "NFS ISO library"
      xenkit sr forget --print --sr-uuid 1c5f5e8a-... > forget.sh
    """
    from toolkit.cli.hostopts import print_or_run_script
    from toolkit.generate.sr_forget import render_forget

    script = render_forget(sr_uuid, sr_name, force=force, timeout=timeout, check_timeout=check_timeout)
    if print_or_run_script(script, host, trust_new_host, print_only, timeout=timeout * 4 + check_timeout + 120,
                           what="sr forget") is not None:
        click.echo(f"{host}: SR forgotten")
