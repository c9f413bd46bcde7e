"""`xenkit pool`: change the pool master, the normal way or in an emergency."""

from __future__ import annotations

import click

from toolkit.cli.hostopts import host_options

_wait = click.option("--wait", type=click.IntRange(10, 3600), default=300, show_default=True, metavar="S",
                     help="How long to wait for the pool to answer with its new master.")
_print = click.option("--print", "print_only", is_flag=True, help="Print the plan as a bash script (the default).")


@click.group()
def pool() -> None:
    """The pool's master.

    \b
    Examples:
      xenkit pool designate-master --host xenserver1 --new-master xenserver2
      xenkit pool emergency-master --host xenserver2
    """


@pool.command("designate-master")
@host_options
@_print
@click.option("--new-master", required=True, metavar="HOST", help="The host to make master: its name-label or uuid.")
@_wait
def designate_master(host: str | None, trust_new_host: bool, print_only: bool, new_master: str, wait: int) -> None:
    """Make another host the pool master (the blog's "change the pool master"); run on the current master.

    If HA is on, its heartbeat SR(s) and host failures to tolerate are remembered and HA is disabled
    (the blog: "you have to disable the HA feature temporarily"); then pool-designate-new-master;
    the plan waits (--wait) until the pool answers with the new master, enables HA again with the
    same settings, and checks that every host is enabled. It refuses when --host is not the master
    (naming it), or the new master is unknown, disabled, or the master already. If the designation
    fails, HA is enabled again as it was.

    \b
    Examples:
      xenkit pool designate-master --host xenserver1 --new-master xenserver2
      xenkit pool designate-master --print --new-master xenserver2 > designate.sh
    """
    from toolkit.generate.pool_master import render_designate

    _print_or_run(render_designate(new_master, wait=wait), host, trust_new_host, print_only, wait,
                  f"{new_master} is the pool master")


@pool.command("emergency-master")
@host_options
@_print
@_wait
def emergency_master(host: str | None, trust_new_host: bool, print_only: bool, wait: int) -> None:
    """Make this slave the pool master while the master is down: emergency transition, then recover the slaves.

    Run on the slave to become master. It refuses while the master still answers, through xapi or to
    ping (a split brain, two masters, is worse than waiting), then runs
    pool-emergency-transition-to-master and pool-recover-slaves, and prints what to check afterwards
    (the old master must not come back as a master, VMs marked running on it, HA, XenCenter).

    \b
    Examples:
      xenkit pool emergency-master --host xenserver2
    """
    from toolkit.generate.pool_master import render_emergency

    _print_or_run(render_emergency(wait=wait), host, trust_new_host, print_only, wait,
                  "this host is the pool master now")


def _print_or_run(script: str, host: str | None, trust_new: bool, print_only: bool, wait: int, done: str) -> None:
    from toolkit.cli.hostopts import print_or_run_script

    if print_or_run_script(script, host, trust_new, print_only, timeout=wait * 3 + 300, what="pool") is not None:
        click.echo(f"{host}: {done}")
