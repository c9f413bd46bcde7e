#!/usr/bin/env python3
"""A stateful simulator of XenServer's `xe` CLI, for tests. XenServer itself cannot run here.

Tests put this file on a test host's PATH as `xe` (a symlink or a wrapper running it with python3); it
runs under any name and any python3 >= 3.9, standard library only (it never imports toolkit). Commands
and parameters come from xe's own command table (xen-api's cli_frontend.ml, in toolkit/data/); objects
live in a JSON state file that starts as a one-host XenServer 6.0.2 pool (tests/xe_sim_state.py).

Environment:
  XE_STATE    the state file (required to run a command); created with the stock state if missing.
              Each call holds an exclusive flock on XE_STATE.lock and replaces the file atomically,
              and only when the command succeeded: a failed command changes nothing.
  XE_TABLE    the command table (default: ../toolkit/data/xe-commands.json beside this file).
  XE_LOG      if set, every call appends its argv, as ["xe", arg, ...], as one JSON line.
  XE_FAIL_ON  a command name: that command fails with xe's internal error after its parameters passed
              the checks below, so tests can exercise rollback.

Syntax as xe: each argument is split on its first '='; '--name' means name=true; -u/-pw/-s/-h/-p take the
next argument. Output as xe's Cli_printer: records as `name ( RW): value` with the colons aligned and two
empty lines after each record; --minimal prints the first field of each record (table order) comma-
separated, ',' escaped as '\\,' and '\\' as '\\\\'. Errors go to stderr with exit code 1, worded as xe:
  Unknown command: NAME                         + For usage run: 'xe help'
  Required parameter not found: PARAM           + the same hint (the first missing one, in table order)
  Syntax error: ...                             + the same hint (argument without '=', unknown -switch)
  The uuid you supplied was invalid.            + type: VM / uuid: VALUE  (any API error: doc + params)
  Error: Key K not found in map                 (and xe's other "Error: ..." failures, e.g.
                                                 Field 'X' is read-only., No matching VMs found)
Stricter than xe, to catch typos in generated plans (xe ignores unknown parameters):
  Unknown parameter: PARAM                      + the hint; also Error: Unknown field 'F' for params=F
  xe simulator: command NAME is not implemented (a real command this simulator does not model)
vm-uninstall and template-uninstall need --force: real xe would ask "Type 'yes' to continue".

Implemented: for the classes vm, template, snapshot, host, pool, network, sr, pbd, vdi, vbd and vif, the
generated <class>-list, -param-list, -param-get, -param-set, -param-add, -param-remove and -param-clear
(where the table has them); vm-clone, vm-install, vm-uninstall, template-uninstall, vm-destroy, vm-start,
vm-shutdown, vm-reboot, vm-memory-limits-set, vdi-resize, vif-create, vif-destroy, pbd-plug, pbd-unplug.
Modelled xapi rules: vm-clone drops other-config:default_template and mac_seed; vm-install provisions
other-config:disks into VDIs and owner VBDs ("<vm name> <device>", "Created by template provisioner");
a default template cannot be destroyed; power states; VCPUs-at-startup <= VCPUs-max; memory static-min <=
dynamic-min <= dynamic-max <= static-max; no VDI shrinking; host multipathing and other-config:multipathing
kept in step. Selector commands take <vm-selectors> (field filters and vm=<name or uuid>), as xe.
"""

from __future__ import annotations

import copy
import fcntl
import importlib.util
import json
import os
import random
import re
import sys
import tempfile
import uuid
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Record = dict[str, Any]
HERE = Path(__file__).resolve().parent
HINT = "For usage run: 'xe help'"
STD_PARAMS = frozenset(
    {"server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace"}
)
SWITCHES = {"-u": "username", "-pw": "password", "-pwf": "password", "-s": "server", "-h": "server", "-p": "port"}
CLIENT_SWITCHES = {"--nossl", "--debug", "--debug-on-fail"}
SELECTORS = {"Vm_selectors": "vm", "Host_selectors": "host", "Sr_selectors": "sr"}
STORE = {"template": "vm", "snapshot": "vm"}  # classes that share the VM records
API_CLASS = {"vm": "VM", "host": "host", "sr": "SR", "network": "network", "vdi": "VDI", "vbd": "VBD", "vif": "VIF",
             "pbd": "PBD", "pool": "pool"}
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAC = re.compile(r"^([0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}$")
BYTES_FIELDS = {"memory-static-max", "memory-dynamic-max", "memory-dynamic-min", "memory-static-min"}
INT_FIELDS = {"VCPUs-max", "VCPUs-at-startup", "user-version", "start-delay", "shutdown-delay", "order", "MTU",
              "ha-host-failures-to-tolerate", "ssh-enabled-timeout", "console-idle-timeout"}
BOOL_FIELDS = {"is-a-template", "is-default-template", "ha-always-run", "has-vendor-device", "multipathing",
               "https-only", "ssl-legacy", "shared", "bootable", "unpluggable", "allow-caching",
               "ha-allow-overcommit", "ha-reboot-vm-on-internal-shutdown", "wlb-enabled", "wlb-verify-cert"}
UNITS = {"": 1, "k": 2**10, "kb": 2**10, "kib": 2**10, "m": 2**20, "mb": 2**20, "mib": 2**20, "g": 2**30,
         "gb": 2**30, "gib": 2**30, "t": 2**40, "tb": 2**40, "tib": 2**40}
ERRORS: dict[str, tuple[str, tuple[str, ...]]] = {  # xen-api datamodel: error doc and parameter names
    "UUID_INVALID": ("The uuid you supplied was invalid.", ("type", "uuid")),
    "INTERNAL_ERROR": ("The server failed to handle your request, due to an internal error.  The given message "
                       "may give details useful for debugging the problem.", ("message",)),
    "VM_BAD_POWER_STATE": ("You attempted an operation on a VM that was not in an appropriate power state at the "
                           "time; for example, you attempted to start a VM that was already running.  The "
                           "parameters returned are the VM's handle, and the expected and actual VM state at the "
                           "time of the call.", ("vm", "expected", "actual")),
    "VM_CANNOT_DELETE_DEFAULT_TEMPLATE": ("You cannot delete the specified default template.", ("vm",)),
    "VALUE_NOT_SUPPORTED": ("You attempted to set a value that is not supported by this implementation.  The "
                            "fully-qualified field name and the value that you tried to set are returned.  Also "
                            "returned is a developer-only diagnostic reason.", ("field", "value", "reason")),
    "INVALID_VALUE": ("The value given is invalid", ("field", "value")),
    "MEMORY_CONSTRAINT_VIOLATION": ("The dynamic memory range does not satisfy the following constraint.",
                                    ("constraint",)),
    "MAP_DUPLICATE_KEY": ("You tried to add a key-value pair to a map, but that key is already there.",
                          ("type", "param_name", "uuid", "key")),
    "DEVICE_ALREADY_EXISTS": ("A device with the name given already exists on the selected VM", ("device",)),
    "INVALID_DEVICE": ("The device name is invalid", ("device",)),
    "MAC_INVALID": ("The MAC address specified is not valid.", ("MAC",)),
    "OPERATION_NOT_ALLOWED": ("You attempted an operation that was not allowed.", ("reason",)),
    "VDI_IN_USE": ("This operation cannot be performed because this VDI is in use by some other operation",
                   ("vdi", "operation")),
}


class XeError(Exception):
    """A failed xe call: `text` goes to stderr, exit code 1."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def fail(message: str) -> XeError:
    return XeError(f"Error: {message}")


def api_error(code: str, *params: str) -> XeError:
    doc, names = ERRORS[code]
    lines = [f"{name}: {params[i] if i < len(params) else '<unknown>'}" for i, name in enumerate(names)]
    return XeError("\n".join([doc, *lines]))


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace(",", "\\,")


def render(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def parse_bool(field: str, value: str) -> str:
    word = value.lower()
    if word in ("true", "t", "yes", "y", "1", "false", "f", "no", "n", "0"):
        return str(word in ("true", "t", "yes", "y", "1")).lower()
    raise fail(f"Parameter {field} must be a boolean (true or false)")


def parse_bytes(field: str, value: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", value)
    if not match or match.group(2).lower() not in UNITS:
        raise fail(f"Failed to parse field '{field}': expecting an integer (possibly with suffix)")
    return int(match.group(1)) * UNITS[match.group(2).lower()]


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


def load_table() -> dict[str, Any]:
    path = os.environ.get("XE_TABLE") or HERE.parent / "toolkit" / "data" / "xe-commands.json"
    with open(path, encoding="utf-8") as handle:
        table: dict[str, Any] = json.load(handle)
    return table


def writable(meta: Record) -> bool:
    """The table's access: RO/RW for scalars, MRO/MRW for maps, SRO/SRW for sets."""
    return str(meta["access"]).endswith("RW")


def class_fields(table: dict[str, Any], cls: str) -> dict[str, Record]:
    return {f["name"]: f for f in table["classes"][cls]["fields"] if not f.get("hidden")}


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


class Sim:
    """One xe command run against the state (mutated in place; the caller saves it on success)."""

    def __init__(self, table: dict[str, Any], state: dict[str, Any], command: str, entry: Record,
                 params: list[tuple[str, str]]) -> None:
        self.table, self.state, self.objects = table, state, state["objects"]
        self.command, self.entry, self.params = command, entry, params
        self.minimal = parse_bool("minimal", self.get("minimal", "false")) == "true"
        self.out: list[str] = []
        self.buffer: list[str] = []

    # ---- parameters, objects and output ------------------------------------------------------------------
    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.params if k == name), default)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params)

    def flag(self, name: str) -> bool:
        return parse_bool(name, self.get(name, "false")) == "true"

    def lookup(self, kind: str, uid: str) -> Record:
        record: Record | None = self.objects[kind].get(uid) if UUID.match(uid) else None
        if record is None:
            raise api_error("UUID_INVALID", API_CLASS[kind], uid)
        return record

    def new(self, kind: str, record: Record) -> Record:
        uid = str(uuid.uuid4())
        created: Record = {"uuid": uid, **record}
        self.objects[kind][uid] = created
        return created

    def related(self, kind: str, field: str, uid: str) -> list[Record]:
        return [r for r in self.objects[kind].values() if r.get(field) == uid]

    def name_of(self, kind: str, uid: str) -> str:
        return str(self.objects[kind].get(uid, {}).get("name-label", "")) if uid else ""

    def ref(self, record: Record) -> str:
        return f"{record['uuid']} ({record.get('name-label', '')})"

    def fields(self, cls: str) -> dict[str, Record]:
        return class_fields(self.table, cls)

    def view(self, cls: str, record: Record) -> Record:
        """Every field of a record: stored values, empty defaults, and fields derived from other objects."""
        kind = STORE.get(cls, cls)
        full: Record = {n: {} if m["kind"] == "map" else [] if m["kind"] == "set" else ""
                        for n, m in self.fields(cls).items()}
        full.update(copy.deepcopy(record))
        uid = record["uuid"]
        derived: Record = {
            "vm": lambda: {"VBDs": [r["uuid"] for r in self.related("vbd", "vm-uuid", uid)]},
            "vbd": lambda: {"vm-name-label": self.name_of("vm", record.get("vm-uuid", "")),
                            "vdi-name-label": self.name_of("vdi", record.get("vdi-uuid", ""))},
            "vdi": lambda: {"sr-name-label": self.name_of("sr", record.get("sr-uuid", "")),
                            "vbd-uuids": [r["uuid"] for r in self.related("vbd", "vdi-uuid", uid)]},
            "vif": lambda: {"vm-name-label": self.name_of("vm", record.get("vm-uuid", "")),
                            "network-name-label": self.name_of("network", record.get("network-uuid", ""))},
            "pbd": lambda: {"host": record.get("host-uuid", ""), "sr-name-label": self.name_of("sr", record["sr-uuid"]),
                            "host-name-label": self.name_of("host", record.get("host-uuid", ""))},
            "sr": lambda: {"PBDs": [r["uuid"] for r in self.related("pbd", "sr-uuid", uid)],
                           "VDIs": [r["uuid"] for r in self.related("vdi", "sr-uuid", uid)],
                           "host": next((self.name_of("host", r["host-uuid"]) for r in
                                         self.related("pbd", "sr-uuid", uid)), "<shared>")},
            "network": lambda: {"VIF-uuids": [r["uuid"] for r in self.related("vif", "network-uuid", uid)]},
            "host": lambda: {"resident-vms": [r["uuid"] for r in self.related("vm", "resident-on", uid)],
                             "control-domain-uuid": next((r["uuid"] for r in self.related("vm", "resident-on", uid)
                                                          if r.get("is-control-domain") == "true"), "")},
        }
        if kind in derived:
            full.update({k: v for k, v in derived[kind]().items() if k in full})
        return full

    def matches(self, cls: str, full: Record, name: str, value: str) -> bool:
        if name in full:
            return render(full[name]) == value
        base, _, sub = name.partition(":")
        if isinstance(full.get(base), dict):
            return bool(full[base].get(sub) == value)
        if isinstance(full.get(base), list) and sub == "contains":
            return value in full[base]
        raise fail(f"Unknown field '{name}'")

    def print_table(self, records: list[list[tuple[str, str]]]) -> None:
        if self.minimal:
            self.buffer.append(",".join(escape(r[0][1]) for r in records if r))
            return
        for record in records:
            width = 4 + max((len(k) for k, _ in record), default=0)
            lines = [(k.ljust(width) if i == 0 else k.rjust(width)) + ": " + v for i, (k, v) in enumerate(record)]
            self.out.append("\n".join(lines) + "\n\n\n")

    def print_list(self, values: list[str]) -> None:
        if self.minimal:
            self.buffer.append(",".join(escape(v) for v in values))
        else:
            self.out.extend(v + "\n" for v in values)

    def output(self) -> str:
        return "".join(self.out) + (",".join(reversed(self.buffer)) + "\n" if self.minimal else "")

    def labelled(self, cls: str, full: Record, names: list[str] | None, listing: bool) -> list[tuple[str, str]]:
        pairs = []
        for name, meta in self.fields(cls).items():
            if names is not None and name not in names:
                continue
            label = f"{name} ({meta['access']:>3})" + (" [DEPRECATED]" if meta.get("deprecated") else "")
            pairs.append((label, "<expensive field>" if listing and meta.get("expensive") else render(full[name])))
        return pairs

    # ---- generated commands: <class>-list and -param-* ---------------------------------------------------
    def run(self) -> str:
        if any(k.startswith("database:") for k, _ in self.params):
            raise XeError("xe simulator: database: parameters are not implemented")
        cls = self.entry.get("generated_for_class")
        op = self.command[len(cls) + 1:].replace("-", "_") if cls else ""
        handler = getattr(self, f"gen_{op}", None) if STORE.get(cls or "", cls) in self.objects else None
        if handler is None:
            handler = getattr(self, "cmd_" + self.command.replace("-", "_"), None)
        if handler is None:
            raise XeError(f"xe simulator: command {self.command} is not implemented")
        handler(cls)
        return self.output()

    def gen_list(self, cls: str) -> None:
        classinfo = self.table["classes"][cls]
        fields = self.fields(cls)
        records = [self.view(cls, r) for r in self.objects[STORE.get(cls, cls)].values()]
        if not self.flag("all"):
            filters = [*classinfo["default_filters"].items(),
                       *((k, v) for k, v in self.params if k != "params" and k not in STD_PARAMS)]
            records = [r for r in records if all(self.matches(cls, r, k, v) for k, v in filters)]
        wanted = self.get("params", ",".join(classinfo["default_list_params"]))
        names = None if wanted == "all" else wanted.split(",")
        for name in names or []:
            if name not in fields:
                raise fail(f"Unknown field '{name}'")
        self.print_table([self.labelled(cls, r, names, listing=True) for r in records])

    def _target(self, cls: str) -> tuple[Record, Record, str, Record]:
        """The uuid= object, its field, and the field's metadata (for param-get/-add/-remove/-clear)."""
        record = self.lookup(STORE.get(cls, cls), self.get("uuid"))
        name = self.get("param-name")
        meta = self.fields(cls).get(name)
        if meta is None:
            raise XeError(f"Error code: Missing parameter\nError parameters: {name}")
        return record, self.view(cls, record), name, meta

    def gen_param_list(self, cls: str) -> None:
        record = self.lookup(STORE.get(cls, cls), self.get("uuid"))
        self.print_table([self.labelled(cls, self.view(cls, record), None, listing=False)])

    def gen_param_get(self, cls: str) -> None:
        _, full, name, meta = self._target(cls)
        value = full[name]
        if self.has("param-key") and meta["kind"] == "map":
            key = self.get("param-key")
            if key not in value:
                raise fail(f"Key {key} not found in map")
            value = value[key]
        self.print_list([render(value)])

    def gen_param_set(self, cls: str) -> None:
        record = self.lookup(STORE.get(cls, cls), self.get("uuid"))
        fields, settable = self.fields(cls), set(self.entry["optn"])
        for name, value in self.params:
            if name == "uuid" or name in STD_PARAMS:
                continue
            base, colon, key = name.partition(":")
            meta = fields.get(base)
            if meta is None:
                raise fail(f"Unknown field '{name}'")
            if colon and meta["kind"] == "map":
                if f"{base}:" not in settable:
                    raise fail(f"Map field '{base}' is read-only.")
                record.setdefault(base, {})[key] = value
            elif colon:
                raise fail("Cannot param-set on set fields" if meta["kind"] == "set"
                           else f"Field '{base}' is not a set or map")
            elif name not in settable:
                raise fail(f"Field '{name}' is a map or set. use the 'name:key=value' syntax." if
                           meta["kind"] != "scalar" and writable(meta) else f"Field '{name}' is read-only.")
            else:
                self.set_scalar(cls, record, name, meta, value)
        self.after_set(STORE.get(cls, cls), record, {k for k, _ in self.params})

    def set_scalar(self, cls: str, record: Record, name: str, meta: Record, value: str) -> None:
        if meta["kind"] == "set":
            record[name] = [v for v in value.split(",") if v]
            return
        if name in BOOL_FIELDS:
            value = parse_bool(name, value)
        elif name in BYTES_FIELDS:
            value = str(parse_bytes(name, value))
        elif name in INT_FIELDS and not re.fullmatch(r"-?\d+", value):
            raise fail(f"Parameter {name} must be an integer")
        if STORE.get(cls, cls) == "vm" and name in ("VCPUs-max", "VCPUs-at-startup"):
            self.check_vcpus(record, name, int(value))
        record[name] = value

    def check_vcpus(self, vm: Record, name: str, value: int) -> None:
        if value < 1:
            raise api_error("INVALID_VALUE", name, str(value))
        if name == "VCPUs-max":
            if vm.get("power-state", "halted") != "halted":
                raise api_error("VM_BAD_POWER_STATE", self.ref(vm), "halted", vm["power-state"])
            if value < int(vm.get("VCPUs-at-startup", "1")):
                raise api_error("VALUE_NOT_SUPPORTED", name, str(value), "value less than VCPUs-at-startup")
        elif value > int(vm.get("VCPUs-max", "1")):
            raise api_error("VALUE_NOT_SUPPORTED", name, str(value), "value greater than VCPUs-max")

    def after_set(self, kind: str, record: Record, names: set[str]) -> None:
        if kind == "vm" and names & BYTES_FIELDS:
            self.check_memory(record)
        if kind == "host" and "multipathing" in names:  # xapi's Host.set_multipathing keeps other-config in step
            record.setdefault("other-config", {})["multipathing"] = record["multipathing"]
        elif kind == "host" and record.get("other-config", {}).get("multipathing") in ("true", "false"):
            record["multipathing"] = record["other-config"]["multipathing"]  # xapi's other-config watcher

    def check_memory(self, vm: Record) -> None:
        order = ("memory-static-min", "memory-dynamic-min", "memory-dynamic-max", "memory-static-max")
        values = [int(vm.get(n) or 0) for n in order]
        if values != sorted(values):
            raise api_error("MEMORY_CONSTRAINT_VIOLATION", "static_min <= dynamic_min <= dynamic_max <= static_max")

    def gen_param_add(self, cls: str) -> None:
        record, _, name, meta = self._target(cls)
        if meta["kind"] == "scalar":
            raise fail("Can only add to parameters of type Set or Map")
        if not writable(meta):
            raise fail("Parameter is read-only")
        if meta["kind"] == "set":
            if not self.has("param-key"):
                raise fail("When adding a key to a set, use the syntax: *-param-add param-name=<name> param-key=<key>")
            members = record.setdefault(name, [])
            members.extend([] if self.get("param-key") in members else [self.get("param-key")])
            return
        entries = record.setdefault(name, {})
        for key, value in self.params:
            if key in ("uuid", "param-name", "param-key") or key in STD_PARAMS:
                continue
            if key in entries:
                raise api_error("MAP_DUPLICATE_KEY", API_CLASS[STORE.get(cls, cls)], name, record["uuid"], key)
            entries[key] = value
        self.after_set(STORE.get(cls, cls), record, {name})

    def gen_param_remove(self, cls: str) -> None:
        record, full, name, meta = self._target(cls)
        key = self.get("param-key")
        if meta["kind"] == "scalar":
            raise fail("Can only remove from parameters of type Set or Map")
        if not writable(meta):
            raise fail("Cannot remove parameters from read-only map")
        if key not in full[name]:
            raise fail(f"Key {key} is not in map" if meta["kind"] == "map" else f"Key {key} is not in the set")
        if meta["kind"] == "map":
            del record[name][key]
        else:
            record[name].remove(key)

    def gen_param_clear(self, cls: str) -> None:
        record, _, name, meta = self._target(cls)
        if not writable(meta):
            raise fail("Can only clear RW parameters")
        if meta["kind"] != "scalar":
            record[name] = {} if meta["kind"] == "map" else []
        elif name in BOOL_FIELDS | INT_FIELDS | BYTES_FIELDS:
            raise fail("Cannot clear this parameter")
        else:
            record[name] = ""
        self.after_set(STORE.get(cls, cls), record, {name})

    # ---- VM lifecycle -----------------------------------------------------------------------------------
    def select(self, kind: str, templates: bool = False, control: bool = False) -> list[Record]:
        """xe's <vm-selectors> / <host-selectors> / <sr-selectors>."""
        own = set(self.entry["reqd"]) | set(self.entry["optn"]) | STD_PARAMS | {kind}
        filters = [(k, v) for k, v in self.params if k.partition(":")[0] not in own]
        if kind == "vm":
            filters += [("is-control-domain", "false")] * (not control) + [("is-a-template", "false")] * (not templates)
        found = []
        for record in self.objects[kind].values():
            full = self.view(kind, record)
            names = {full["uuid"], full["name-label"], full.get("hostname", "")}
            if self.has(kind) and self.get(kind) not in names:
                continue
            if all(self.matches(kind, full, k, v) for k, v in filters):
                found.append(record)
        what = {"vm": "VMs", "host": "hosts", "sr": "SRs"}[kind]
        if not found:
            raise fail(f"No matching {what} found")
        if len(found) > 1 and not self.flag("multiple"):
            raise fail(f"Multiple matches {what} found. --multiple required to complete the operation")
        return found

    def power(self, vm: Record, expected: str, *allowed: str) -> None:
        if vm.get("power-state") not in (expected, *allowed):
            raise api_error("VM_BAD_POWER_STATE", self.ref(vm), expected, vm.get("power-state", ""))

    def clone_vm(self, source: Record, name: str) -> Record:
        self.power(source, "halted")
        record = copy.deepcopy(source)
        del record["uuid"]
        record["other-config"] = {k: v for k, v in record.get("other-config", {}).items()
                                  if k not in ("default_template", "mac_seed")}  # xapi's clone drops these
        record.update({"name-label": name, "is-default-template": "false"})
        clone = self.new("vm", record)
        for vbd in self.related("vbd", "vm-uuid", source["uuid"]):
            vdi = self.objects["vdi"].get(vbd.get("vdi-uuid", ""))
            new_vdi = self.new("vdi", {k: v for k, v in vdi.items() if k != "uuid"}) if vdi else None
            self.new("vbd", {**{k: v for k, v in vbd.items() if k != "uuid"}, "vm-uuid": clone["uuid"],
                             "vdi-uuid": new_vdi["uuid"] if new_vdi else "", "currently-attached": "false"})
        return clone

    def cmd_vm_clone(self, _cls: str | None) -> None:
        clones = [self.clone_vm(vm, self.get("new-name-label")) for vm in self.select("vm", templates=True)]
        if self.has("new-name-description"):
            clones[0]["name-description"] = self.get("new-name-description")
        self.print_list([c["uuid"] for c in clones])

    def find_template(self) -> Record:
        if not self.has("template"):
            raise fail("Template must be specified by parameter 'template-uuid', 'template-name', "
                       "'template-name-label' or 'template'")
        wanted = self.get("template")
        if wanted in self.objects["vm"]:
            template: Record = self.objects["vm"][wanted]
        else:
            found = [r for r in self.objects["vm"].values() if r.get("name-label") == wanted
                     and r.get("is-a-template") == "true" and r.get("is-control-domain") != "true"]
            if len(found) != 1:
                raise fail("No templates matched" if not found else "More than one matching template found")
            template = found[0]
        if template.get("is-a-template") != "true":
            raise fail("Can only install from templates")
        return template

    def install_sr(self, template: Record) -> str:
        """The SR for the new VM's disks: sr-uuid and/or sr-name-label, else the pool's default SR."""
        by_uuid = str(self.lookup("sr", self.get("sr-uuid"))["uuid"]) if self.has("sr-uuid") else None
        if self.has("sr-name-label"):
            label = self.get("sr-name-label")
            named: list[str] = [u for u, r in self.objects["sr"].items() if r.get("name-label") == label]
            if not named:
                raise fail("No SR with that name-label found")
            if by_uuid is not None and by_uuid not in named:
                raise fail("SR specified via sr-uuid doesn't have the name specified via sr-name-label")
            if by_uuid is None and len(named) > 1:
                raise fail("Multiple SRs with that name-label found")
            return by_uuid or named[0]
        if by_uuid is not None:
            return by_uuid
        pool: Record = next(iter(self.objects["pool"].values()), {})
        default = str(pool.get("default-SR", ""))
        if default not in self.objects["sr"] and "disks" in template.get("other-config", {}):
            raise fail("Failed to find a valid default SR for the Pool. Please provide an sr-name-label or sr-uuid "
                       "parameter.")
        return default

    def cmd_vm_install(self, _cls: str | None) -> None:
        template = self.find_template()
        sr = self.install_sr(template)
        vm = self.clone_vm(template, self.get("new-name-label"))
        vm.update({"name-description": "Installed via xe CLI", "is-a-template": "false"})
        vm["other-config"]["mac_seed"] = str(uuid.uuid4())
        disks = vm["other-config"].get("disks")
        if disks:
            root = ElementTree.fromstring(disks)
            for disk in root.iter("disk"):
                disk.set("sr", disk.get("sr") or sr)
                vdi = self.new("vdi", {  # as xapi's template provisioner names and describes them
                    "name-label": f"{vm['name-label']} {disk.get('device')}",
                    "name-description": "Created by template provisioner",
                    "sr-uuid": self.lookup("sr", disk.get("sr", ""))["uuid"], "virtual-size": disk.get("size", "0"),
                    "physical-utilisation": "0", "type": disk.get("type", "system"), "sharable": "false",
                    "read-only": "false", "managed": "true", "on-boot": "persist", "allow-caching": "false",
                })
                self.new("vbd", {"vm-uuid": vm["uuid"], "vdi-uuid": vdi["uuid"], "userdevice": disk.get("device", "0"),
                                 "bootable": disk.get("bootable", "false"), "mode": "RW", "type": "Disk",
                                 "unpluggable": str(disk.get("type") != "system").lower(), "empty": "false",
                                 "currently-attached": "false", "device": "", "other-config": {"owner": ""}})
            vm["other-config"]["disks"] = ElementTree.tostring(root, encoding="unicode").replace(" />", "/>")
        self.print_list([vm["uuid"]])

    def uninstall(self, vms: list[Record]) -> None:
        doomed: list[tuple[Record, list[Record]]] = []
        self.out.append("The following items are about to be destroyed\n")
        for vm in vms:
            vbds = self.related("vbd", "vm-uuid", vm["uuid"])
            vdis = [self.objects["vdi"][b["vdi-uuid"]] for b in vbds
                    if "owner" in b.get("other-config", {}) and b.get("vdi-uuid") in self.objects["vdi"]]
            self.out.append(f"VM : {self.ref(vm)}\n")
            for vdi in vdis:
                shared = len(self.related("vbd", "vdi-uuid", vdi["uuid"])) > 1
                warning = " ** WARNING: disk is shared by other VMs" if shared else ""
                self.out.append(f"VDI: {self.ref(vdi)} {warning}\n")
            doomed.append((vm, vdis))
        if not self.flag("force"):
            raise XeError(f"xe simulator: {self.command} asks \"Type 'yes' to continue\" unless given --force")
        for vm, vdis in doomed:
            vm["power-state"] = "halted"
            self.destroy_vm(vm)
            for vdi in vdis:
                self.objects["vdi"].pop(vdi["uuid"], None)
        self.out.append("All objects destroyed\n")

    def destroy_vm(self, vm: Record) -> None:
        if vm.get("is-control-domain") == "true":
            raise api_error("OPERATION_NOT_ALLOWED", "You cannot destroy a control domain via the CLI")
        if vm.get("other-config", {}).get("default_template") == "true":
            raise api_error("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", self.ref(vm))
        self.power(vm, "halted", "suspended")
        for kind in ("vbd", "vif"):
            for device in self.related(kind, "vm-uuid", vm["uuid"]):
                del self.objects[kind][device["uuid"]]
        del self.objects["vm"][vm["uuid"]]

    def cmd_vm_uninstall(self, _cls: str | None) -> None:
        self.uninstall(self.select("vm"))

    def cmd_template_uninstall(self, _cls: str | None) -> None:
        template = self.lookup("vm", self.get("template-uuid"))
        if template.get("is-a-template") != "true":
            raise fail(f"This operation can only be performed on a VM template. {template['uuid']} is not a VM "
                       "template.")
        self.uninstall([template])

    def cmd_vm_destroy(self, _cls: str | None) -> None:
        self.destroy_vm(self.lookup("vm", self.get("uuid")))

    def cmd_vm_start(self, _cls: str | None) -> None:
        host = next(iter(self.objects["host"]))
        if self.has("on"):
            hosts = [u for u, h in self.objects["host"].items() if self.get("on") in (u, h.get("name-label"))]
            if not hosts:
                raise fail(f"Host {self.get('on')} not found")
            host = hosts[0]
        for vm in self.select("vm", control=True):
            self.power(vm, "halted")
            self.state["counters"]["dom-id"] += 1
            vm.update({"power-state": "paused" if self.flag("paused") else "running", "resident-on": host,
                       "dom-id": str(self.state["counters"]["dom-id"])})
            prefix = "hd" if vm.get("domain-type") == "hvm" else "xvd"
            for vbd in self.related("vbd", "vm-uuid", vm["uuid"]):
                letter = "abcdefghijklmnop"[int(vbd["userdevice"])]
                vbd.update({"currently-attached": "true", "device": prefix + letter})
            for vif in self.related("vif", "vm-uuid", vm["uuid"]):
                vif["currently-attached"] = "true"

    def cmd_vm_shutdown(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            self.power(vm, "running", "paused")
            vm.update({"power-state": "halted", "resident-on": "", "dom-id": "-1"})
            for kind in ("vbd", "vif"):
                for device in self.related(kind, "vm-uuid", vm["uuid"]):
                    device["currently-attached"] = "false"

    def cmd_vm_reboot(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            self.power(vm, "running")

    def cmd_vm_memory_limits_set(self, _cls: str | None) -> None:
        names = ("static-min", "static-max", "dynamic-min", "dynamic-max")
        values = {f"memory-{n}": str(parse_bytes(n, self.get(n))) for n in names}
        for vm in self.select("vm", templates=True, control=True):
            self.power(vm, "halted")
            vm.update(values)
            self.check_memory(vm)

    # ---- storage and network ----------------------------------------------------------------------------
    def cmd_vdi_resize(self, _cls: str | None) -> None:
        vdi = self.lookup("vdi", self.get("uuid"))
        size = parse_bytes("disk-size", self.get("disk-size"))
        if any(b.get("currently-attached") == "true" for b in self.related("vbd", "vdi-uuid", vdi["uuid"])):
            raise api_error("VDI_IN_USE", self.ref(vdi), "resize")
        if size < int(vdi.get("virtual-size", "0")):
            raise XeError("Error code: SR_BACKEND_FAILURE_79\n"
                          "Error parameters: , VDI Invalid size [opterr=shrinking not allowed], ")
        vdi["virtual-size"] = str(size)

    def cmd_vif_create(self, _cls: str | None) -> None:
        vm = self.lookup("vm", self.get("vm-uuid"))
        network = self.lookup("network", self.get("network-uuid"))
        device = self.get("device")
        if not device.isdigit():
            raise api_error("INVALID_DEVICE", device)
        if any(v.get("device") == device for v in self.related("vif", "vm-uuid", vm["uuid"])):
            raise api_error("DEVICE_ALREADY_EXISTS", device)
        mac = self.get("mac", "")
        if mac and not MAC.match(mac):
            raise api_error("MAC_INVALID", mac)
        octets = [random.randrange(256) & 0xFE | 0x02] + [random.randrange(256) for _ in range(5)]
        vif = self.new("vif", {
            "vm-uuid": vm["uuid"], "network-uuid": network["uuid"], "device": device,
            "MAC": mac.lower() or ":".join(f"{o:02x}" for o in octets), "MAC-autogenerated": str(not mac).lower(),
            "MTU": network.get("MTU", "1500"), "currently-attached": "false", "locking-mode": "network_default",
            "other-config": {}, "qos_algorithm_params": {},
        })
        self.print_list([vif["uuid"]])

    def cmd_vif_destroy(self, _cls: str | None) -> None:
        del self.objects["vif"][self.lookup("vif", self.get("uuid"))["uuid"]]

    def cmd_pbd_plug(self, _cls: str | None) -> None:
        self.lookup("pbd", self.get("uuid"))["currently-attached"] = "true"

    def cmd_pbd_unplug(self, _cls: str | None) -> None:
        self.lookup("pbd", self.get("uuid"))["currently-attached"] = "false"


def stock_state() -> dict[str, Any]:
    spec = importlib.util.spec_from_file_location("xe_sim_state", HERE / "xe_sim_state.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    state: dict[str, Any] = module.stock_state()
    return state


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
    name = os.environ.get("XE_STATE")
    if not name:
        raise XeError("xe simulator: XE_STATE is not set")
    path = Path(name)
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
        table = load_table()
        command, params = parse_args(args)
        entry = table["commands"].get(command)
        if entry is None:
            raise XeError(f"Unknown command: {command}\n{HINT}")
        check_params(table, command, entry, params)
        if os.environ.get("XE_FAIL_ON") == command:
            raise api_error("INTERNAL_ERROR", f"xe simulator: XE_FAIL_ON={command}")
        with locked_state() as (path, state, text):
            sim = Sim(table, state, command, entry, params)
            output = sim.run()
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


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
