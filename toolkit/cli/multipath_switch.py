"""`xenkit multipath enable` and `disable`: the vendor's procedure as a plan, printed or run on a host."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import ToolkitError, UsageError


def _help(enable: bool) -> str:
    action, state = ("enable", "on") if enable else ("disable", "off")
    handle = " and multipathhandle=dmp" if enable else " (never multipathhandle)"
    paths = ("\n    With --host, every SR's LUN must then show at least 2 usable paths (1: a warning).\n"
             if enable else "")
    return (
        f"{action.capitalize()} multipathing on a host: unplug its PBDs, set it, plug them again.\n\n"
        "    The vendor's procedure as a plan: it finds the host (INSTALLATION_UUID in\n"
        "    /etc/xensource-inventory) and its release (software-version), and does nothing when\n"
        f"    multipathing is already {state}. It refuses, changing nothing, while running VMs\n"
        "    have disks on the SRs whose PBDs it would unplug (migrate or suspend them first). Up to 7.4 it\n"
        f"    sets other-config:multipathing{handle}; from 7.5 the host field\n"
        "    multipathing, with the host disabled meanwhile. If a step fails the old setting comes back,\n"
        f"    the PBDs are plugged again and the host is enabled.\n{paths}\n"
        "    \b\n    Examples:\n"
        f"      xenkit multipath {action} --print -o {action}-multipath.sh\n"
        f"      xenkit multipath {action} --host dom0\n"
    )


def switch_command(enable: bool) -> click.Command:
    @host_options
    @click.option("--print", "print_only", is_flag=True, help="Print the plan as a bash script (the default).")
    @click.option("--xenserver", metavar="VERSION",
                  help="The host's release (e.g. 6.0.2, 8.4), fixed in the plan; default: the script reads it.")
    @click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
                  help="With --print: write the script to FILE (atomically) instead of standard output.")
    def command(host: str | None, trust_new_host: bool, print_only: bool, xenserver: str | None,
                output: Path | None) -> None:
        from toolkit.generate.multipath_switch import release_version, render_switch

        if host is not None and print_only:
            raise UsageError("--print and --host: give one (--print shows the plan, --host runs it)")
        script = render_switch(enable, release_version(xenserver))
        if host is None:
            from toolkit.cli.options import emit

            emit(script, output, mode=0o755)
            return
        if output is not None:
            raise UsageError("-o/--output: only with --print")
        _run(host, trust_new_host, script, enable)

    command.__doc__ = _help(enable)
    return click.command("enable" if enable else "disable")(command)


def _run(host: str, trust_new: bool, script: str, enable: bool) -> None:
    from toolkit.cli.hostopts import open_host
    from toolkit.mpstatus.switch_run import run_switch

    say: Callable[[str], None] = lambda line: click.echo(f"{host}: {line}", err=True)  # noqa: E731
    with open_host(host, trust_new) as executor:
        outcome = run_switch(executor, script, enable, say)
    for warning in outcome.warnings:
        click.echo(f"warning: {warning}", err=True)
    if outcome.problems:
        raise ToolkitError(f"{host}: multipathing is {'on' if enable else 'off'}, but: " + "; ".join(outcome.problems))
    click.echo(f"{host}: multipathing {'enabled' if enable else 'disabled'}" + ("" if outcome.changed else
                                                                              " (it already was)"))
