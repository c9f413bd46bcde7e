"""`xenkit ddk network`: the DDK VM's static network: printed, written under a directory,
or merged into the VM's own files over SSH with backups, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host
from toolkit.cli.options import OutputDir, make_guest_network, network_options
from toolkit.errors import UsageError
from toolkit.report import reporting_to

if TYPE_CHECKING:
    from toolkit.inputs.network import GuestNetwork


@click.command("network")
@network_options
@host_options
@click.option("--diff", "show_diff", is_flag=True,
              help="With --host: print what would change as unified diffs; write nothing.")
@click.option("-o", "--output", "output", type=OutputDir(dash_is_stdout=True), metavar="DIR",
              help="Without --host: write the three files under DIR (DIR/etc/...), all or nothing, instead of "
                   "printing them (`-o -` prints them).")
def network_cmd(hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
                host: str | None, trust_new_host: bool, show_diff: bool, output: Path | None) -> None:
    """Give the DDK VM a static IPv4 address, gateway, name servers and host name.

    Without a DHCP server the DDK VM (CentOS 5) has no network: admins set it up by hand on its
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
    from toolkit.ddk.network_edit import edit_network

    with open_host(host, trust_new_host) as executor:
        with reporting_to(_stderr):  # this command's messages have no `xenkit:` prefix
            outcome = edit_network(executor, net, diff_only=show_diff)
        sys.stdout.write(outcome.diff)
        for line in outcome.report:
            click.echo(line)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def _emit(net: GuestNetwork, output: Path | None) -> None:
    from toolkit.ddk.network_files import render_all
    from toolkit.output.target import STDOUT

    edits = render_all(net)
    if output is None or output == STDOUT:
        sys.stdout.write("\n".join(f"# {edit.path}\n{edit.text}" for edit in edits))
        return
    from toolkit.output import OutputFile, write_all_atomic

    files = [OutputFile(output / edit.path.lstrip("/"), edit.text, mode=0o644) for edit in edits]
    write_all_atomic(files)
    for out in files:
        click.echo(f"wrote {out.path}", err=True)
