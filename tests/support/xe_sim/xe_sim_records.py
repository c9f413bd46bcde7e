"""The xe simulator's objects, output and generated commands: Records, the base of its command class xe_sim_ops.Sim.

A record's view holds every field of xe's command table: stored values, empty defaults, derived fields. Output
as xe's Cli_printer: records as `name ( RW): value` with the colons aligned and two empty lines after each
record; --minimal prints the first field of each record (table order) comma-separated, ',' escaped as '\\,' and
'\\' as '\\\\'. Implemented: for the classes vm, template, snapshot, host, pool, network, sr, pbd, vdi, vbd and
vif, the generated <class>-list, -param-list, -param-get, -param-set, -param-add, -param-remove and -param-clear
(where the table has them). Modelled xapi rules: VCPUs-at-startup <= VCPUs-max; memory static-min <=
dynamic-min <= dynamic-max <= static-max; host multipathing and other-config:multipathing kept in step.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from .xe_sim_common import (
    API_CLASS,
    BOOL_FIELDS,
    BYTES_FIELDS,
    INT_FIELDS,
    STD_PARAMS,
    STORE,
    UUID,
    Record,
    XeError,
    api_error,
    class_fields,
    escape,
    fail,
    parse_bool,
    parse_bytes,
    render,
    writable,
)


class Records:
    """One xe command run against the state (mutated in place; the caller saves it on success)."""

    def __init__(self, table: dict[str, Any], state: dict[str, Any], command: str, entry: Record,
                 params: list[tuple[str, str]]) -> None:
        self.table, self.state = table, state
        self.objects: dict[str, dict[str, Record]] = state["objects"]  # class -> uuid -> record
        self.command, self.entry, self.params = command, entry, params
        self.strict_bools = state.get("release") == "6.0.2"  # XenServer 6.0 takes no yes/no as a boolean
        self.minimal = self.boolean("minimal", self.get("minimal", "false")) == "true"
        self.out: list[str] = []
        self.buffer: list[str] = []

    # ---- parameters, objects and output ------------------------------------------------------------------
    def get(self, name: str, default: str = "") -> str:
        return next((v for k, v in self.params if k == name), default)

    def has(self, name: str) -> bool:
        return any(k == name for k, _ in self.params)

    def flag(self, name: str) -> bool:
        return self.boolean(name, self.get(name, "false")) == "true"

    def boolean(self, field: str, value: str) -> str:
        return parse_bool(field, value, self.strict_bools)

    def lookup(self, kind: str, uid: str) -> Record:
        record: Record | None = self.objects[kind].get(uid) if UUID.match(uid) else None
        if record is None:
            raise api_error("UUID_INVALID", API_CLASS[kind], uid)
        return record

    def new(self, kind: str, record: Record) -> Record:
        created: Record = {"uuid": str(uuid.uuid4()), **record}
        self.objects[kind][created["uuid"]] = created
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
            value = self.boolean(name, value)
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
