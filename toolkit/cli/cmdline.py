"""The command line as main() reads it before click does: where `--debug` is, and which command runs with
which of its own arguments, so that every missing required option is reported in one run.

`--debug` may come before or after the command name. It is not the flag when it is an option's value
(`--name --debug`), when it comes after `--`, or when it follows the first argument of a command that
passes unknown options through (`host run --host h echo --debug`). The scan loads only the commands the
line names, as click would: start-up stays as fast as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import click

DEBUG = "--debug"


class CommandLine(NamedTuple):
    args: list[str]  # for click: the line without its --debug flags
    debug: bool
    command: click.Command  # the last command the line names (the root group if none)
    context: click.Context  # a bare context of `command`: enough to list its parameters
    own_args: list[str]  # what follows the command's name: its own options and arguments


def read_command_line(root: click.Group, argv: Sequence[str]) -> CommandLine:
    args: list[str] = []
    debug = False
    command: click.Command = root
    context = _bare_context(root, "xenkit", None)
    own_start = 0
    index = 0
    while index < len(argv):
        token = argv[index]
        if token == "--":
            args += argv[index:]
            break
        if token == DEBUG:
            debug = True
            index += 1
            continue
        if token.startswith("-") and token != "-":
            taken = 1 + _values_taken(command, context, token)
            args += argv[index:index + taken]
            index += taken
            continue
        if isinstance(command, click.Group):
            sub = command.get_command(context, token)
            if sub is None:  # click reports the unknown command
                args += argv[index:]
                break
            command, context = sub, _bare_context(sub, token, context)
            args.append(token)
            own_start = len(args)
            index += 1
            continue
        if _passes_options_through(command):  # the rest is the command's, `--debug` included
            args += argv[index:]
            break
        args.append(token)
        index += 1
    return CommandLine(args, debug, command, context, args[own_start:])


def _bare_context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    """A context as click makes it for `command` (with its context settings: a command caches its help option
    with the first context's option names, `-h` and `--help` here), without parsing anything."""
    return click.Context(command, info_name=name, parent=parent, **command.context_settings)


def _values_taken(command: click.Command, context: click.Context, token: str) -> int:
    """How many of the next tokens are the value of option `token` (0 for a flag, `--opt=value` or unknown)."""
    if token.startswith("--") and "=" in token:
        return 0
    for param in command.get_params(context):
        if isinstance(param, click.Option) and token in (*param.opts, *param.secondary_opts):
            return 0 if param.is_flag or param.count else param.nargs
    return 0


def _passes_options_through(command: click.Command) -> bool:
    settings = command.context_settings
    return bool(settings.get("ignore_unknown_options")) or settings.get("allow_interspersed_args") is False


def missing_parameters(line: CommandLine) -> list[click.Parameter]:
    """The required parameters of `line.command` that its arguments do not give, in the order --help lists
    them (click itself stops at the first)."""
    command, context = line.command, line.context
    try:
        given, _, _ = command.make_parser(context).parse_args(args=list(line.own_args))
    except click.UsageError:
        return []
    return [param for param in command.get_params(context)
            if param.required and param.name is not None and not _is_given(given.get(param.name))]


def _is_given(value: object) -> bool:
    """What the parser stored for a parameter: a string, or a non-empty list of them, when it was given."""
    return isinstance(value, str) or (isinstance(value, (list, tuple)) and len(value) > 0)
