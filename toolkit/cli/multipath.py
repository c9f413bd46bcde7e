"""`xenkit multipath`: read the multipath status of a host or of saved output."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor


class TooFewPaths(ToolkitError):
    """--expect-paths: a map has fewer usable paths than expected (exit 1)."""


@click.group()
def multipath() -> None:
    """Multipath status of dom0s (the bracket layout of XenServer 6.x, the tree layout of 7.x and later).

    \b
    Examples:
      xenkit multipath status --host dom0 --expect-paths 2
      ssh root@dom0 multipath -ll | xenkit multipath status --input - --json
    """


@multipath.command("status")
@host_options
@click.option("--input", "input_path", metavar="FILE|-", type=click.Path(dir_okay=False, path_type=Path),
              help="Parse saved output (multipath -ll, mpathutil status, multipathd show topology; - for stdin) "
                   "instead of asking a host.")
@click.option("--json", "as_json", is_flag=True,
              help="Print {maps: [{name, wwid, dm, vendor, product, size, hwhandler, path_groups: [{prio, status, "
                   "paths: [{hcil, dev, devt, dm_state, checker_state, online_state}]}]}], warnings: [..]}.")
@click.option("--expect-paths", type=click.IntRange(min=1), metavar="N",
              help="Exit 1 when a map has fewer than N usable (active and ready) paths, naming it.")
def status(host: str | None, trust_new_host: bool, input_path: Path | None, as_json: bool,
           expect_paths: int | None) -> None:
    """Show each multipath map and its paths: which are usable, which group is active.

    On a host (--host) it runs `mpathutil status` where that works, else `multipath -ll`; both only
    read. --input parses output saved earlier or pasted by someone: the bracket layout of
    device-mapper-multipath 0.4.7 (XenServer 6.x), the tree layout of 0.4.9 and later, `mpathutil
    status` and `multipathd show topology`. Lines that belong to no map (checker messages,
    timestamps, prompts, debug output) are skipped and listed as warnings. No map at all is a valid
    answer (multipathing off); text that is not multipath output at all is an error (exit 2).

    \b
    Examples:
      xenkit multipath status --host root@xenserver1
      xenkit multipath status --input multipath-ll.txt --json
      xenkit multipath status --host dom0 --expect-paths 2 || echo "a LUN lost a path"
    """
    from toolkit.mpstatus.parse import StatusParseError, parse_status
    from toolkit.mpstatus.render import summary_lines

    if (host is None) == (input_path is None):
        raise UsageError("give --host HOST or --input FILE|- (one of them)")
    if input_path is not None:
        text, source, bad_input = _read_input(input_path), f"--input {input_path}", True
    else:
        assert host is not None
        text, source, bad_input = _read_host(host, trust_new_host)
    try:
        topology = parse_status(text)
    except StatusParseError as exc:
        error = UsageError if bad_input else ToolkitError
        raise error(f"{source}: {exc}") from None
    if as_json:
        click.echo(json.dumps(topology.as_json(), indent=2))
    else:
        for line in summary_lines(topology):
            click.echo(line)
        for warning in topology.warnings:
            click.echo(f"warning: {warning}", err=True)
    if expect_paths is not None:
        _check_paths(topology, expect_paths)


def _read_input(path: Path) -> str:
    from toolkit.inputs.userfile import decode_user_text, read_user_text

    if str(path) == "-":
        return decode_user_text(sys.stdin.buffer.read(), "--input -")
    return read_user_text(path, "--input")


def _read_host(host: str, trust_new: bool) -> tuple[str, str, bool]:
    from toolkit.cli.hostopts import open_host
    from toolkit.mpstatus.host_status import read_host_status

    with open_host(host, trust_new) as executor:
        found = read_host_status(executor)
    click.echo(f"{host}: {found.source}", err=True)
    return found.text, f"{host}: {found.source}", False


def _check_paths(topology: object, wanted: int) -> None:
    from toolkit.mpstatus.model import Topology

    assert isinstance(topology, Topology)
    short = [f"{m.name} ({len(m.usable_paths)} of {len(m.paths)})" for m in topology.maps
             if len(m.usable_paths) < wanted]
    if short:
        raise TooFewPaths(f"fewer than {wanted} usable (active and ready) paths: {', '.join(short)}")


@multipath.command("watch")
@host_options
@click.option("--interval", type=click.FloatRange(min=0.2), default=2.0, show_default=True, metavar="S",
              help="Seconds between two readings of the status (and of the log).")
@click.option("--duration", type=click.FloatRange(min=0), metavar="S",
              help="Stop after S seconds (default: run until Ctrl-C).")
@click.option("--expect-paths", type=click.IntRange(min=1), metavar="N",
              help="A map with fewer than N usable paths counts as degraded (default: fewer than at the start); "
                   "exit 1 when a map ends with fewer.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Write the whole run as Markdown: status before, each event with its log lines, summary, "
                   "status after.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the run as JSON at the end (events, summary per map, status before and after); the "
                   "running lines go to stderr.")
@click.option("--syslog", "log_path", metavar="PATH",
              help="The log file on the host to follow (default /var/log/messages, else the journal).")
def watch(host: str | None, trust_new_host: bool, interval: float, duration: float | None,
          expect_paths: int | None, report_path: Path | None, as_json: bool, log_path: str | None) -> None:
    """Record a failover test: every change of the paths, with the host's multipathd and kernel log lines.

    Reads the status (as `multipath status --host`) every --interval seconds and the new multipathd
    and kernel lines of the host's log over the same SSH connection, and prints each change with the
    time: path removed or added, path state changed, active group switched, a map with no usable
    path left and back. A dropped connection is reported and made again; the watch goes on. At
    Ctrl-C (or --duration) a summary per map: events, fewest usable paths, time degraded, time with
    no usable path. Exit 1 when a map ever had no usable path (or, with --expect-paths, ends short).

    \b
    Examples:
      xenkit multipath watch --host dom0 --report failover-scm2.md     # pull the controller, push it back, Ctrl-C
      xenkit multipath watch --host dom0 --interval 1 --duration 600 --expect-paths 2 --json
    """
    from toolkit.mpstatus.watch import Watcher
    from toolkit.mpstatus.watch_report import as_json as record_json
    from toolkit.mpstatus.watch_report import markdown, summary_lines

    if host is None:
        raise UsageError("--host HOST is required: the watch reads a live host")
    if log_path is not None and not log_path.startswith("/"):
        raise UsageError(f'--syslog "{log_path}": give an absolute path on the host, e.g. /var/log/messages')
    if report_path is not None:
        _check_report_target(report_path)

    def say(line: str) -> None:
        click.echo(line, err=as_json)

    watcher = Watcher(host, _connector(host, trust_new_host), interval=interval, expect_paths=expect_paths,
                      log_path=log_path, say=say)
    record = watcher.run(duration)
    for line in summary_lines(record):
        click.echo(line, err=as_json)
    if as_json:
        click.echo(json.dumps(record_json(record), indent=2))
    if report_path is not None:
        from toolkit.cli.options import emit

        emit(markdown(record), report_path)
    if record.ever_zero:
        raise ToolkitError("a map had no usable path during the watch (see the summary)")
    if expect_paths is not None and record.after is not None:
        _check_paths(record.after, expect_paths)


def _check_report_target(path: Path) -> None:
    """Before a watch that may run for an hour: the report must be writable when it ends."""
    import os

    directory = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UsageError(f"--report {path}: is a directory; give a file name")
    if not directory.is_dir() or not os.access(directory, os.W_OK | os.X_OK):
        raise UsageError(f"--report {path}: cannot write in {directory} (missing or not writable)")


def _connector(host: str, trust_new: bool) -> Callable[[], Executor]:
    from toolkit.remote.hosts import resolve_host
    from toolkit.remote.ssh import connect

    spec = resolve_host(host)

    def connect_now() -> Executor:
        return connect(spec, trust_new=trust_new)

    return connect_now


def _add_switch_commands() -> None:
    from toolkit.cli.multipath_switch import switch_command

    multipath.add_command(switch_command(True))
    multipath.add_command(switch_command(False))


_add_switch_commands()
