"""Check xe command lines against xe's own command table (xen-api's cli_frontend.ml, shipped in data/).

Every plan checks its xe commands here before it is printed or run, so a typo in a command or a
parameter is our bug caught at home, not an error in someone's dom0.

Two tables ship: "current" (xe-commands.json, xen-api today: XenServer 8, XCP-ng 8.3) and "6.0"
(xe-commands-6.0.json, XenServer 6.0 and 6.0.2). A plan for a known release is checked against that
release's tables (XenServerRelease.xe_tables): for the releases in between (6.1 to 8.2) there is no table
of their own, so a command there is checked against BOTH, and must exist with every parameter in both: the
conservative rule, which may refuse a parameter that a middle release did have, never accept one it lacked.
Without a release, `tables` defaults to the current table (what callers checked before releases were
known); a plan meant to run on any release passes ANY_RELEASE (both tables).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from toolkit.errors import GeneratedFileError
from toolkit.resources import xe_table_path

if TYPE_CHECKING:
    from toolkit.catalog.xenserver import XenServerRelease

CURRENT = ("current",)
ANY_RELEASE = ("6.0", "current")  # a plan that runs on a release it does not know: valid in every table
# Never filters or fields to set; accepted by every command (the table's notes.stdparams; 6.0 has no trace).
STD_PARAMS = frozenset(
    {"server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace"}
)
_STD_PARAMS_6_0 = STD_PARAMS - {"trace"}
_SELECTOR_CLASSES = {"Vm_selectors": ("vm", "vm"), "Host_selectors": ("host", "host"), "Sr_selectors": ("sr", "sr")}


@dataclass(frozen=True)
class XeCommandSpec:
    name: str
    required: frozenset[str]
    optional: frozenset[str]
    selector_fields: frozenset[str]  # class fields usable as selectors, plus the pseudo-field
    std_params: frozenset[str] = STD_PARAMS

    def accepts(self, param: str) -> bool:
        if param in self.required or param in self.optional or param in self.std_params:
            return True
        base, colon, _key = param.partition(":")
        if colon and (f"{base}:" in self.optional or base in self.optional):
            return True  # a map field: other-config:key=value
        return base in self.selector_fields


def tables_for(release: XenServerRelease | None) -> tuple[str, ...]:
    """The tables a plan for `release` is checked against; None: the current table only."""
    return CURRENT if release is None else release.xe_tables


def tables_for_versions(versions: Sequence[str]) -> tuple[str, ...]:
    """The tables a plan meant for every release in `versions` (release names as users write them, e.g. a
    templates/releases.toml `xenserver` list) is checked against. A version older than XenServer 6.0 ("5.6 SP2")
    is checked against 6.0's table, the oldest there is; none: the current table."""
    from toolkit.catalog.xenserver import parse_release
    from toolkit.errors import UsageError

    tables: set[str] = set()
    for version in versions:
        try:
            tables.update(parse_release(version).xe_tables)
        except UsageError:
            tables.add("6.0")
    return tuple(sorted(tables)) or CURRENT


@cache
def _table(table_name: str = "current") -> dict[str, Any]:
    with xe_table_path(table_name).open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@cache
def command_spec(name: str, table_name: str = "current") -> XeCommandSpec | None:
    table = _table(table_name)
    entry = table["commands"].get(name)
    if entry is None:
        return None
    selector_fields: set[str] = set()
    for flag in entry.get("flags", ()):
        if flag in _SELECTOR_CLASSES:
            klass, pseudo = _SELECTOR_CLASSES[flag]
            selector_fields.add(pseudo)
            selector_fields.update(f["name"] for f in table["classes"][klass]["fields"])
    std = _STD_PARAMS_6_0 if table_name == "6.0" else STD_PARAMS
    return XeCommandSpec(name, frozenset(entry["reqd"]), frozenset(entry["optn"]), frozenset(selector_fields), std)


def problems_in(argv: Sequence[str], tables: Sequence[str] = CURRENT) -> list[str]:
    """What is wrong with one `xe ...` command line (argv without shell quoting) in any of `tables`."""
    problems: list[str] = []
    for table_name in tables:
        suffix = "" if tuple(tables) == CURRENT else f" (XenServer {table_name} table)"
        problems += [p + suffix for p in _problems_in_table(argv, table_name)]
    return problems


def _problems_in_table(argv: Sequence[str], table_name: str) -> list[str]:
    if not argv or argv[0] != "xe":
        return [f"not an xe command: {' '.join(argv)!r}"]
    if len(argv) < 2:
        return ["xe without a command"]
    name = argv[1]
    spec = command_spec(name, table_name)
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


def check_commands(commands: Iterable[Sequence[str]], what: str, tables: Sequence[str] = CURRENT) -> None:
    """Raise GeneratedFileError listing every problem in the xe commands of `what`, checked in every table
    of `tables` (tables_for(release), or ANY_RELEASE)."""
    problems = [p for argv in commands if argv and argv[0] == "xe" for p in problems_in(argv, tables)]
    if problems:
        raise GeneratedFileError(f"{what}: {problems[0]}", hint=f"{len(problems)} problem(s); this is a bug in xenkit")
