"""Check xe command lines against xe's own command table (xen-api's cli_frontend.ml, shipped in data/).

Every plan checks its xe commands here before it is printed or run, so a typo in a command or a
parameter is our bug caught at home, not an error in someone's dom0.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from toolkit.errors import GeneratedFileError
from toolkit.resources import xe_table_path

# Never filters or fields to set; accepted by every command (the table's notes.stdparams).
STD_PARAMS = frozenset(
    {"server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace"}
)
_SELECTOR_CLASSES = {"Vm_selectors": ("vm", "vm"), "Host_selectors": ("host", "host"), "Sr_selectors": ("sr", "sr")}


@dataclass(frozen=True)
class XeCommandSpec:
    name: str
    required: frozenset[str]
    optional: frozenset[str]
    selector_fields: frozenset[str]  # class fields usable as selectors, plus the pseudo-field

    def accepts(self, param: str) -> bool:
        if param in self.required or param in self.optional or param in STD_PARAMS:
            return True
        base, colon, _key = param.partition(":")
        if colon and (f"{base}:" in self.optional or base in self.optional):
            return True  # a map field: other-config:key=value
        return base in self.selector_fields


@cache
def _table() -> dict[str, Any]:
    with xe_table_path().open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def command_spec(name: str) -> XeCommandSpec | None:
    table = _table()
    entry = table["commands"].get(name)
    if entry is None:
        return None
    selector_fields: set[str] = set()
    for flag in entry.get("flags", ()):
        if flag in _SELECTOR_CLASSES:
            klass, pseudo = _SELECTOR_CLASSES[flag]
            selector_fields.add(pseudo)
            selector_fields.update(f["name"] for f in table["classes"][klass]["fields"])
    return XeCommandSpec(name, frozenset(entry["reqd"]), frozenset(entry["optn"]), frozenset(selector_fields))


def problems_in(argv: Sequence[str]) -> list[str]:
    """What is wrong with one `xe ...` command line (argv without shell quoting); empty if nothing."""
    if not argv or argv[0] != "xe":
        return [f"not an xe command: {' '.join(argv)!r}"]
    if len(argv) < 2:
        return ["xe without a command"]
    name = argv[1]
    spec = command_spec(name)
    if spec is None:
        return [f"xe has no command {name!r}"]
    problems = []
    given: set[str] = set()
    for arg in argv[2:]:
        if arg.startswith("--"):
            param = arg[2:]
        elif "=" in arg:
            param = arg.split("=", 1)[0]
            if "\n" in arg:
                problems.append(f"xe {name}: value of {param} contains a newline")
        else:
            problems.append(f"xe {name}: argument {arg!r} is not name=value")
            continue
        given.add(param)
        if not spec.accepts(param):
            problems.append(f"xe {name}: no parameter {param!r}")
    missing = sorted(spec.required - given)
    if missing:
        problems.append(f"xe {name}: missing required parameter(s) {', '.join(missing)}")
    return problems


def check_commands(commands: Iterable[Sequence[str]], what: str) -> None:
    """Raise GeneratedFileError listing every problem in the xe commands of `what`."""
    problems = [p for argv in commands if argv and argv[0] == "xe" for p in problems_in(argv)]
    if problems:
        raise GeneratedFileError(f"{what}: {problems[0]}", hint=f"{len(problems)} problem(s); this is a bug in xenkit")
