"""Options shared by several commands, and the one way a command emits its result."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from toolkit.errors import UsageError

if TYPE_CHECKING:
    from toolkit.inputs.network import GuestNetwork

F = TypeVar("F", bound=Callable[..., Any])


def network_options(func: F) -> F:
    """--hostname --ip --gateway --nameserver (repeatable) --interface."""
    decorators = [
        click.option("--hostname", required=True, metavar="FQDN", help="Guest host name, e.g. web1.example.com."),
        click.option("--ip", "ip", required=True, metavar="ADDR/PREFIX",
                     help="Static IPv4 address with prefix or netmask: 192.0.2.10/24 or 192.0.2.10/255.255.255.0."),
        click.option("--gateway", required=True, metavar="ADDR", help="Default gateway; must be in the --ip subnet."),
        click.option("--nameserver", "nameservers", required=True, multiple=True, metavar="ADDR",
                     help="DNS server; repeat for more (at most 3)."),
        click.option("--interface", default="eth0", show_default=True, metavar="NAME",
                     help="Guest network interface the installer configures."),
    ]
    for decorator in reversed(decorators):
        func = decorator(func)
    return func


def output_option(func: F) -> F:
    return click.option(
        "-o", "--output", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
        help="Write to FILE (atomically: all or nothing) instead of standard output.",
    )(func)


def make_guest_network(
    hostname: str, ip: str, gateway: str, nameservers: Sequence[str], interface: str
) -> GuestNetwork:
    from toolkit.inputs.network import make_network

    return make_network(hostname, ip, gateway, nameservers, interface)


def emit(text: str, output: Path | None, *, mode: int | None = None) -> None:
    """Print `text`, or write it atomically to `output` and say where it went (on stderr)."""
    if output is None:
        sys.stdout.write(text)
        return
    from toolkit.output import write_atomic

    if output.is_dir():
        raise UsageError(f"-o {output}: is a directory; give a file name")
    write_atomic(output, text, mode=mode)
    click.echo(f"wrote {output}", err=True)


def emit_json(data: object, output: Path | None) -> None:
    emit(json.dumps(data, indent=2) + "\n", output)
