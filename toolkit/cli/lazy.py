"""A click group whose subcommands are imported when they are used, not when `xenkit` starts.

Why: every command module pulls in its own imports (click types, ipaddress, the netaddr checks ...), and a
group that imported all of them made every command pay for all the others at each start.
`xenkit --help` (and a group's --help) still lists every command, importing them all for that. A misspelled
command gets "Did you mean ...?" from every command's name, loaded or not (click's own suggestion only sees
the loaded ones).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

import click


class LazyGroup(click.Group):
    """`lazy` maps a subcommand's name to "module:attribute" of its click command."""

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            command = getattr(importlib.import_module(module), attribute)
            if not isinstance(command, click.Command):
                raise TypeError(f"{self.lazy[cmd_name]} is not a click command")
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else ""
        if name and not name.startswith("-") and not ctx.resilient_parsing and self.get_command(ctx, name) is None:
            import difflib  # only for a misspelled command

            close = difflib.get_close_matches(name, self.list_commands(ctx))
            if close:
                raise click.UsageError(f"No such command {name!r}. {_did_you_mean(close)}", ctx)
        return super().resolve_command(ctx, args)


def _did_you_mean(names: list[str]) -> str:
    """The wording of click's own suggestion (click >= 8.4), for one name or several."""
    quoted = ", ".join(repr(name) for name in sorted(names))
    return f"Did you mean {quoted}?" if len(names) == 1 else f"(Did you mean one of: {quoted}?)"
