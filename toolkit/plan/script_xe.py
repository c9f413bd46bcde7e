"""The xe calls of a bash plan written as a template (the dom0 plans of the day-2 commands), found in its text so
that each can be checked against xe's command tables (toolkit/catalog/xetable.py) before the plan is printed or run.
"""

from __future__ import annotations

import re
import shlex


def xe_commands_of(script: str) -> list[list[str]]:
    """Every xe call of a bash plan as argv ("$var" values standing in for what they will hold): an `xe` word
    where a command starts (line start, after $(, a pipe or list operator, if/then/do, or `bounded SECONDS`),
    not inside a message that merely mentions one."""
    commands = []
    heredoc_end: str | None = None
    for line in script.replace("\\\n", " ").splitlines():  # continuation lines joined
        if heredoc_end is not None:  # a here-document's text is data, not commands
            heredoc_end = None if line.strip() == heredoc_end else heredoc_end
            continue
        if line.lstrip().startswith("#"):
            continue
        opened = _HEREDOC.search(line)
        if opened:
            heredoc_end = opened.group(1)
        for match in _XE_WORD.finditer(line):
            before = line[:match.start()].rstrip()
            if before and not (before.endswith(_COMMAND_STARTS) or _BOUNDED.search(before)):
                continue
            text = _COMMAND_END.split(line[match.start():], maxsplit=1)[0]
            commands.append(shlex.split(text))
    return commands


_HEREDOC = re.compile(r"<<-?\s*['\"]?(\w+)['\"]?")
_XE_WORD = re.compile(r"(?<![\w/.-])xe (?=[a-z])")
_COMMAND_STARTS = ("$(", "&&", "||", ";", "|", "if", "then", "do", "!")
_BOUNDED = re.compile(r"\bbounded\s+\S+$")
_COMMAND_END = re.compile(r"\)|\s\|\|?\s|\s&&\s|;|\s2>|\s>")
