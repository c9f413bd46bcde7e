"""Options shared by several commands, and the one way a command emits its result.

A guest's options are made from its fields' table (toolkit/inputs/guest_fields.py), so a command
line and a site file name, default and check each value alike. Every `-o FILE` is an OutputPath and
goes through emit(), every `-o DIR` an OutputDir: `-o -` is standard output wherever one file is
written, and a usage error where a directory of files is.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from toolkit.inputs.guest_field_type import GuestField, Kind, option_name
from toolkit.inputs.guest_fields import INTERFACE, NETWORK_FIELDS
from toolkit.output.target import STDOUT

if TYPE_CHECKING:
    from toolkit.catalog.profiles import Profile
    from toolkit.inputs.network import GuestNetwork

F = TypeVar("F", bound=Callable[..., Any])


def guest_options(*fields: GuestField[Any]) -> Callable[[F], F]:
    """The click options of `fields`, in this order, as toolkit/inputs/guest_fields.py declares them."""

    def decorate(func: F) -> F:
        for field in reversed(fields):
            func = _click_option(field)(func)
        return func

    return decorate


def _click_option(field: GuestField[Any]) -> Callable[[F], F]:
    settings: dict[str, Any] = {}  # only what the field sets: click's own defaults stay click's
    if field.required:
        settings["required"] = True
    if field.kind.repeated:
        settings["multiple"] = True
    if field.kind is Kind.FLAG:
        settings["is_flag"] = True
    elif field.kind is Kind.INT:
        settings["type"] = int
    elif field.kind in (Kind.FILE, Kind.FILE_LIST):
        settings["type"] = click.Path(path_type=Path)
    if field.default not in (None, ()):  # a repeated option's empty default is click's own: not shown
        settings.update(default=field.default, show_default=True)
    if field.metavar is not None:
        settings["metavar"] = field.metavar
    return click.option(field.option_name, field.dest or field.key, help=field.help, **settings)


def guest_network_options(func: F) -> F:
    """--hostname --ip --gateway --nameserver (repeatable) --interface NAME|MAC."""
    return guest_options(*NETWORK_FIELDS)(func)


class OutputPath(click.Path):
    """-o FILE: a path, or `-` for standard output (STDOUT); `./-` is the file named `-`."""

    def __init__(self) -> None:
        super().__init__(dir_okay=False, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-":
            return STDOUT
        path = super().convert(value, param, ctx)
        return path.absolute() if path == STDOUT else path  # pathlib reads `./-` as `-`


class OutputDir(click.Path):
    """-o DIR: a directory to write several files under. `-` is standard output only if `dash_is_stdout`."""

    def __init__(self, *, dash_is_stdout: bool = False) -> None:
        super().__init__(file_okay=False, path_type=Path)
        self.dash_is_stdout = dash_is_stdout

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value == "-":
            if self.dash_is_stdout:
                return STDOUT
            self.fail("'-' (standard output) cannot hold a directory of files; give a directory", param, ctx)
        path = super().convert(value, param, ctx)
        return path.absolute() if path == STDOUT else path


# A machine whose files are edited (ifcfg-NAME) has its interface named: no MAC address.
INTERFACE_NAME_ONLY = dataclasses.replace(
    INTERFACE, metavar="NAME", help="Guest network interface the installer configures."
)


def network_options(func: F) -> F:
    """The network options for a machine whose files are edited: --interface takes a name only."""
    return guest_options(*NETWORK_FIELDS[:-1], INTERFACE_NAME_ONLY)(func)


def output_option(func: F) -> F:
    return click.option(
        "-o", "--output", "output", type=OutputPath(), default=None,
        help="Write to FILE (atomically: all or nothing) instead of standard output (also `-o -`). A device "
             "or FIFO is written into, not replaced; a symlink's target is replaced and the link kept.",
    )(func)


def make_guest_network(
    hostname: str, ip: str, gateway: str, nameservers: Sequence[str], interface: str, *, on_link_gateway: bool = False
) -> GuestNetwork:
    """The network options checked together; errors name the options (`--ip`)."""
    from toolkit.inputs.network import make_network

    return make_network(
        hostname, ip, gateway, nameservers, interface, on_link_gateway=on_link_gateway, spell=option_name
    )


def check_profile_fit(
    profile: Profile, network: GuestNetwork, ks_url: str | None = None, repo: str | None = None
) -> None:
    """Refuse, naming the option, an input PROFILE's installer cannot take (a kickstart alone: no ks_url)."""
    from toolkit.generate.installer_fit import boot_line_urls, check_fit

    urls = None if ks_url is None else boot_line_urls(profile, ks_url, repo)
    check_fit(profile, network, urls, spell=option_name)


def emit(text: str, output: Path | None, *, mode: int | None = None) -> None:
    """Print `text`, or write it to `output` (toolkit/output.py's write_output) and say where it went (on stderr)."""
    if output is None or output == STDOUT:
        sys.stdout.write(text)
        return
    from toolkit.output import write_output

    write_output(output, text, mode=mode, label=f"-o {output}")
    click.echo(f"wrote {output}", err=True)


def emit_json(data: object, output: Path | None) -> None:
    emit(json.dumps(data, indent=2) + "\n", output)
