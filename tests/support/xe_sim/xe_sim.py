#!/usr/bin/env python3
"""A stateful simulator of XenServer's `xe` CLI, for tests. XenServer itself cannot run here.

Tests put this file on a test host's PATH as `xe` (a symlink or a wrapper running it with python3); it
runs under any name and any python3 >= 3.9, standard library only (it never imports toolkit). Commands
and parameters come from xe's own command table (xen-api's cli_frontend.ml, in toolkit/data/); objects
live in a JSON state file that starts as a one-host pool of one release (tests/support/xe_sim/xe_sim_state.py):
XenServer 6.0.2 (the default), 8.4 (XenServer 8) or XCP-ng 8.3, each with its own stock templates and xe table.

This file is the entry point: argv parsing, the table's checks, the state file, dispatch. Its sibling modules
are relative imports from its package, the directory it is in (symlinks resolved): run as a script, this file
imports itself as a module of that directory's package `xe_sim` and runs its main(); tests and mypy import it
as tests.support.xe_sim.xe_sim.
  xe_sim_common.py   xe's error texts, value syntax (booleans, byte sizes, escaping) and field types
  xe_sim_records.py  objects, output (records, --minimal), the generated <class>-list and -param-* commands
  xe_sim_ops.py      vm-clone, vm-install, template-uninstall and the other VM, VDI, VIF and PBD operations
  xe_sim_cd.py       CD drives and ISO SR scans: vbd-create, vbd-eject, vbd-destroy, sr-scan
  xe_sim_storage.py  CDs by the ISO's name (vm-cd-add/-remove/-insert/-eject) and vbd-insert
  xe_sim_import.py   vm-import of an export on the host's disk (the DDK's directory format)
  xe_sim_state.py    the stock state
  xe_sim_templates.py  the stock templates and host identity of each release

Environment:
  XE_STATE    the state file (required to run a command); created with the stock state if missing.
              Each call holds an exclusive flock on XE_STATE.lock and replaces the file atomically,
              and only when the command succeeded: a failed command changes nothing.
  XE_SIM_RELEASE  6.0.2 | 8.4 | xcp-ng-8.3: the release of a state created now (default 6.0.2); a state keeps
              the release it was made with. A 6.0.2 pool checks every call against XenServer 6.0's table
              (toolkit/data/xe-commands-6.0.json), 8.4 and xcp-ng-8.3 against xe-commands.json (xen-api today).
  XE_SIM_EXTRA  comma-separated optional packages of a state created now: data-pv (8.1 and later's
              guest-templates-json-data-pv, the EL5/EL6 PV templates).
  XE_SR_MOUNT where ISO SRs are mounted (default /var/run/sr-mount): sr-scan reads <that>/<SR uuid>/.
  XE_TABLE    the command table (default: the release's table in toolkit/data/ of the checkout this file is in).
  XE_LOG      if set, every call appends its argv, as ["xe", arg, ...], as one JSON line.
  XE_FAIL_ON  a command name: that command fails with xe's internal error after its parameters passed
              the checks below, so tests can exercise rollback.
  XE_SLOW_ON  NAME:SECONDS (e.g. vm-import:5): that command sleeps SECONDS after its parameters passed the
              checks, before it takes the state's lock, so tests can make a caller's step time out while
              other xe calls still run; then it goes on as usual (a caller that gave up does not stop it).

Syntax as xe: each argument is split on its first '='; '--name' means name=true; -u/-pw/-s/-h/-p take the
next argument. Output as xe's Cli_printer (xe_sim_records.py). Errors go to stderr with exit code 1, worded as xe:
  Unknown command: NAME                         + For usage run: 'xe help'
  Required parameter not found: PARAM           + the same hint (the first missing one, in table order)
  Syntax error: ...                             + the same hint (argument without '=', unknown -switch)
  The uuid you supplied was invalid.            + type: VM / uuid: VALUE  (any API error: doc + params)
  Error: Key K not found in map                 (and xe's other "Error: ..." failures, e.g.
                                                 Field 'X' is read-only., No matching VMs found)
Stricter than xe, to catch typos in generated plans (xe ignores unknown parameters):
  Unknown parameter: PARAM                      + the hint; also Error: Unknown field 'F' for params=F
  xe simulator: command NAME is not implemented (a real command this simulator does not model)
"""

from __future__ import annotations

import fcntl
import importlib
import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if __name__ == "__main__":
    # Run as a script (`xe`), which cannot make relative imports: run this file as a module of the package
    # `xe_sim` (its directory, from the directory above) instead, since tests run the simulator with `python -I`
    # (no script directory on sys.path) and the tests package need not be importable on a test host.
    sys.path.insert(0, str(HERE.parent))
    sys.exit(importlib.import_module(f"{HERE.name}.{Path(__file__).resolve().stem}").main(sys.argv[1:]))

# Below the script case above, which must come first (a script's relative imports fail).
from . import xe_sim_state  # noqa: E402
from .xe_sim_common import STD_PARAMS, STORE, Record, XeError, api_error, class_fields  # noqa: E402
from .xe_sim_ops import Sim  # noqa: E402
from .xe_sim_pool import refuse_if_master_down  # noqa: E402
from .xe_sim_templates import DEFAULT_RELEASE, HOSTS, RELEASES  # noqa: E402

HINT = "For usage run: 'xe help'"
SWITCHES = {"-u": "username", "-pw": "password", "-pwf": "password", "-s": "server", "-h": "server", "-p": "port"}
CLIENT_SWITCHES = {"--nossl", "--debug", "--debug-on-fail"}
SELECTORS = {"Vm_selectors": "vm", "Host_selectors": "host", "Sr_selectors": "sr"}



def parse_args(args: list[str]) -> tuple[str, list[tuple[str, str]]]:
    """The command (the first word that is neither a switch nor name=value) and its parameters, in order."""
    command, rest, params = "", list(args), []
    while rest:
        arg = rest.pop(0)
        if arg in CLIENT_SWITCHES:
            continue
        if arg == "--traceparent" or arg in SWITCHES:
            if not rest:
                raise XeError(f"Syntax error: Switch {arg} requires a parameter\n{HINT}")
            value = rest.pop(0)
            if arg in SWITCHES:
                params.append((SWITCHES[arg], value))
        elif arg.startswith("--"):
            params.append((arg[2:], "true"))
        elif arg.startswith("-") and "=" not in arg:
            raise XeError(f"Syntax error: Unknown switch: {arg}\n{HINT}")
        elif not command:
            if "=" in arg:
                raise XeError(f"Syntax error: command name is missing\n{HINT}")
            command = arg
        elif "=" in arg:
            name, _, value = arg.partition("=")
            params.append((name, value))
        else:
            raise XeError(f"Syntax error: argument '{arg}' is not name=value\n{HINT}")
    if not command:
        raise XeError(f"Syntax error: no command given\n{HINT}")
    return command, params


def load_table(release: str) -> dict[str, Any]:
    path = os.environ.get("XE_TABLE") or HERE.parents[2] / "toolkit" / "data" / HOSTS[release][3]
    with open(path, encoding="utf-8") as handle:
        table: dict[str, Any] = json.load(handle)
    return table


def check_params(table: dict[str, Any], command: str, entry: Record, params: list[tuple[str, str]]) -> None:
    """xe's check of required parameters, plus this simulator's strict check of unknown ones."""
    given = {name for name, _ in params}
    for name in entry["reqd"]:
        if name not in given:
            raise XeError(f"Required parameter not found: {name}\n{HINT}")
    optional = set(entry["optn"])
    given_ok = set(entry["reqd"]) | STD_PARAMS
    selector = next((SELECTORS[f] for f in entry["flags"] if f in SELECTORS), None)
    cls = entry.get("generated_for_class") or selector
    fields = class_fields(table, cls) if cls else {}
    filters = selector is not None or command.endswith("-list")
    for name, _ in params:
        if name in given_ok or name in optional:
            continue
        base, colon, sub = name.partition(":")
        meta = fields.get(base)
        if (colon and f"{base}:" in optional) or command.endswith("-param-add"):
            continue  # a map entry (other-config:key=...; param-add takes key=value pairs)
        if meta is not None and command.endswith("-param-set"):
            continue  # a read-only field or a map without a key: param-set says what is wrong
        if filters and meta is not None and (not colon or meta["kind"] == "map" or sub == "contains"):
            continue
        if name != selector:
            raise XeError(f"Unknown parameter: {name}\n{HINT}")


def run(sim: Sim) -> str:
    """Dispatch: a generated <class>-<op> to Records.gen_<op>, any other command to Sim.cmd_<command>."""
    if any(k.startswith("database:") for k, _ in sim.params):
        raise XeError("xe simulator: database: parameters are not implemented")
    cls = sim.entry.get("generated_for_class")
    op = sim.command[len(cls) + 1:].replace("-", "_") if cls else ""
    handler = getattr(sim, f"gen_{op}", None) if STORE.get(cls or "", cls) in sim.objects else None
    if handler is None:
        handler = getattr(sim, "cmd_" + sim.command.replace("-", "_"), None)
    if handler is None:
        raise XeError(f"xe simulator: command {sim.command} is not implemented")
    handler(cls)
    return sim.output()


def new_release() -> str:
    """The release of a state created now: XE_SIM_RELEASE, checked."""
    release = os.environ.get("XE_SIM_RELEASE") or DEFAULT_RELEASE
    if release not in RELEASES:
        raise XeError(f"xe simulator: XE_SIM_RELEASE={release!r} is not one of {', '.join(RELEASES)}")
    return release


def stock_state() -> dict[str, Any]:
    extras = frozenset(e for e in os.environ.get("XE_SIM_EXTRA", "").split(",") if e)
    state: dict[str, Any] = xe_sim_state.stock_state(new_release(), extras)
    return state


def state_path() -> Path:
    name = os.environ.get("XE_STATE")
    if not name:
        raise XeError("xe simulator: XE_STATE is not set")
    return Path(name)


def release_of_state() -> str:
    """The release of the state file (fixed when it was created), or of the one the next call creates."""
    path = state_path()
    try:
        release = json.loads(path.read_text(encoding="utf-8")).get("release", DEFAULT_RELEASE)
    except FileNotFoundError:
        return new_release()
    return str(release)


def write_atomically(path: Path, text: str) -> None:
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        os.unlink(temp)
        raise


@contextmanager
def locked_state() -> Iterator[tuple[Path, dict[str, Any], str]]:
    """The state under an exclusive lock (on a side file, since the state file itself is replaced)."""
    path = state_path()
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            write_atomically(path, json.dumps(stock_state(), indent=1) + "\n")
        text = path.read_text(encoding="utf-8")
        yield path, json.loads(text), text


def main(args: list[str]) -> int:
    if os.environ.get("XE_LOG"):
        with open(os.environ["XE_LOG"], "a", encoding="utf-8") as log:
            log.write(json.dumps(["xe", *args]) + "\n")
    sim: Sim | None = None
    try:
        table = load_table(release_of_state())  # replaced atomically: a read without the lock is whole
        command, params = parse_args(args)
        entry = table["commands"].get(command)
        if entry is None:
            raise XeError(f"Unknown command: {command}\n{HINT}")
        check_params(table, command, entry, params)
        if os.environ.get("XE_FAIL_ON") == command:
            raise api_error("INTERNAL_ERROR", f"xe simulator: XE_FAIL_ON={command}")
        slow, _, seconds = os.environ.get("XE_SLOW_ON", "").partition(":")
        if slow == command:
            time.sleep(float(seconds))
        with locked_state() as (path, state, text):
            refuse_if_master_down(state, command)
            sim = Sim(table, state, command, entry, params)
            output = run(sim)
            new_text = json.dumps(state, indent=1) + "\n"
            if new_text != text:
                write_atomically(path, new_text)
    except XeError as error:
        if sim is not None:
            sys.stdout.write("".join(sim.out))  # what xe printed before the failure
        sys.stderr.write(error.text + "\n")
        return 1
    sys.stdout.write(output)
    return 0
