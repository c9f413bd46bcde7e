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


def print_or_run_script(script: str, host: str | None, trust_new: bool, print_only: bool, *, timeout: float,
                        what: str) -> str | None:
    """A bash plan of a day-2 command: printed (no --host), or run in the host's bash with its lines shown as
    they come (on stderr). Returns the plan's standard output when it ran; a failure raises ToolkitError."""
    if host is not None and print_only:
        raise UsageError("--print and --host: give one (--print shows the plan, --host runs it)")
    if host is None:
        click.echo(script, nl=False)
        return None
    from toolkit.errors import ToolkitError
    from toolkit.remote.executor import run

    def show_all(stream: str, chunk: bytes) -> None:
        click.echo(chunk.decode("utf-8", "replace"), nl=False, err=True)

    with open_host(host, trust_new) as executor:
        result = run(executor, ["bash", "-s"], stdin=script.encode(), check=False, on_output=show_all,
                     timeout=timeout, what=f"{host}: {what}")
    if not result.ok:
        raise ToolkitError(f"{host}: {what} stopped (exit {result.status}); see the lines above")
    return result.stdout.decode("utf-8", "replace")
