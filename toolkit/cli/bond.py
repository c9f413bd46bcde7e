"""`xenkit bond`: the state of a dom0's Open vSwitch bonds, and choosing their active member at boot."""

from __future__ import annotations

import json

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import ToolkitError, UsageError


@click.group()
def bond() -> None:
    """Open vSwitch bonds in dom0 (XenCenter's NIC bonds).

    \b
    Examples:
      xenkit bond status --host dom0
      xenkit bond active-slave --host dom0 --bond bond0 --prefer eth0 --check-target 192.0.2.1 --install
    """


@bond.command("status")
@host_options
@click.option("--bond", "only", metavar="BOND", help="Only this bond (default: every bond of `ovs-appctl bond/list`).")
@click.option("--json", "as_json", is_flag=True,
              help="Print [{bond, mode, active_slave, slaves: [{name, link: up|down, active}]}].")
def status(host: str | None, trust_new_host: bool, only: str | None, as_json: bool) -> None:
    """Show each bond's members, their link state and which one is active (`ovs-appctl bond/show`).

    \b
    Example:
      xenkit bond status --host root@xenserver1 --json
    """
    from toolkit.bond.remote import read_bonds
    from toolkit.cli.hostopts import open_host
    from toolkit.inputs.network import parse_device

    if host is None:
        raise UsageError("--host HOST is required: the bonds are read on the host")
    if only is not None:
        parse_device("--bond", only)
    with open_host(host, trust_new_host) as executor:
        bonds = read_bonds(executor, only)
    if as_json:
        click.echo(json.dumps([b.as_json() for b in bonds], indent=2))
        return
    if not bonds:
        click.echo("no bonds")
    for each in bonds:
        active = each.active
        click.echo(f"{each.name}  {each.mode or 'mode ?'}  active: {active.name if active else 'none'}")
        for member in each.members:
            flags = "  (active)" if member.active else ""
            click.echo(f"  {member.name}  link {'up' if member.enabled else 'DOWN'}{flags}")


@bond.command("active-slave")
@host_options
@click.option("--bond", "bond_name", required=True, metavar="BOND", help="The bond, as ovs-appctl names it (bond0).")
@click.option("--prefer", required=True, metavar="IFACE", help="The member to make active when it passes (eth0).")
@click.option("--check-target", "target", metavar="ADDR",
              help="An address that must answer (ping) through the member, e.g. the gateway to the internet; "
                   "without it only the link state counts.")
@click.option("--install", "do_install", is_flag=True,
              help="Install it on --host (backups, atomic writes, enabled at boot) and run it once.")
@click.option("--print", "print_only", is_flag=True, help="Print the installer script to review (the default).")
@click.option("--init", "init", type=click.Choice(["auto", "sysv", "systemd"]), default="auto", show_default=True,
              help="The host's init system: auto finds it (systemd on 7.x and later, SysV on 6.x).")
def active_slave(host: str | None, trust_new_host: bool, bond_name: str, prefer: str, target: str | None,
                 do_install: bool, print_only: bool, init: str) -> None:
    """Choose a bond's active member at every boot, by link state and (optionally) by a target that answers.

    The admin's init script fixed the active slaves; this one checks: at boot (SysV script with a
    chkconfig header on 6.x dom0s, a systemd unit on 7.x and later) and whenever it is run
    (/usr/local/sbin/xenkit-bond-BOND), it reads `ovs-appctl bond/show BOND`, makes --prefer active
    when its link is up and --check-target answers through it, otherwise keeps or picks another
    member that passes, and logs what it decided and why (stdout and syslog, tag xenkit-bond).
    --print shows the installer; --install runs that same installer on --host: it backs up what it
    replaces, writes each file atomically, enables it at boot, runs it once, and puts every file
    back if a step fails. Exit 1 when the first run finds no member that passes.

    \b
    Examples:
      xenkit bond active-slave --bond bond0 --prefer eth0 --check-target 192.0.2.1 --print
      xenkit bond active-slave --host dom0 --bond bond0 --prefer eth0 --check-target 192.0.2.1 --install
    """
    from toolkit.generate.bond_active import make_choice, render_installer

    choice = make_choice(bond_name, prefer, target, init)
    if do_install and print_only:
        raise UsageError("--install and --print: give one (--print shows the installer, --install runs it)")
    if not do_install:
        if host is not None:
            raise UsageError("--host: only with --install (--print needs no host)")
        click.echo(render_installer(choice), nl=False)
        return
    if host is None:
        raise UsageError("--install needs --host HOST")
    from toolkit.bond.remote import install
    from toolkit.cli.hostopts import open_host

    with open_host(host, trust_new_host) as executor:
        outcome = install(executor, choice, lambda line: click.echo(f"{executor.name}: {line}", err=True))
    if outcome.first_run_status:
        raise ToolkitError(f"{host}: {choice.name} is installed, but its first run found no member of "
                           f"{choice.bond} that passes (exit {outcome.first_run_status}); see its lines above")
    click.echo(f"{host}: {choice.name} installed and run")
