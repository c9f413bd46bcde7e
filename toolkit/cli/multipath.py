"""`xenkit multipath`: read the multipath status of a host or of saved output."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from toolkit.cli.hostopts import host_options
from toolkit.errors import ToolkitError, UsageError


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
