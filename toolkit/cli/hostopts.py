"""--host / --trust-new-host / --print, and the one way a command prints or runs its plan."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from toolkit.cli.completion import complete_hosts
from toolkit.errors import UsageError
from toolkit.report import say

if TYPE_CHECKING:
    from toolkit.plan.model import Plan
    from toolkit.remote.executor import Executor

F = TypeVar("F", bound=Callable[..., Any])

HOST_HELP = ("Run on this host over SSH: [user@]address[:port] (user root by default) or a name from "
             "xenkit.toml (in this directory or ~/.config/xenkit/). Keys only; its host key must be known.")


def host_options(func: F) -> F:
    """--host H and --trust-new-host."""
    func = click.option("--trust-new-host", is_flag=True,
                        help="Accept a host whose key is not yet known, and record it in known_hosts (the "
                             "project's from xenkit.toml, else ~/.ssh/known_hosts). A CHANGED key is always "
                             "refused.")(func)
    return click.option("--host", "host", metavar="HOST", help=HOST_HELP, shell_complete=complete_hosts)(func)


def print_option(func: F) -> F:
    return click.option("--print", "print_only", is_flag=True,
                        help="Print the plan as a bash script to review (the default without --host).")(func)


@contextmanager
def open_host(host: str, trust_new: bool) -> Iterator[Executor]:
    """Connect (paramiko is imported only here), and close the connection whatever happens."""
    from toolkit.remote.hosts import resolve_host
    from toolkit.remote.ssh import connect

    spec = resolve_host(host)
    say(f"connecting to {spec}")
    executor = connect(spec, trust_new=trust_new)
    try:
        yield executor
    finally:
        executor.close()


def print_or_run(plan: Plan, host: str | None, print_only: bool, trust_new: bool, output: Path | None) -> None:
    """--print (or no --host): the bash script. --host: run the same plan there and print its result."""
    from toolkit.cli.options import emit

    if host is not None and print_only:
        raise UsageError("--print and --host: give one (--print shows the plan, --host runs it)")
    if host is None:
        emit(plan.render_script(), output, mode=0o755)
        return
    if output is not None:
        raise UsageError("-o/--output: only with --print (with --host the plan runs and prints its result)")
    from toolkit.plan.run import run_plan

    with open_host(host, trust_new) as executor:
        outcome = run_plan(plan, executor)
    if outcome.result:
        click.echo(outcome.result)
