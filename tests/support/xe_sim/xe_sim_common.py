"""What every part of the xe simulator (xe_sim.py) shares: xe's error texts, value syntax and field types.

XeError is a failed xe call (its text goes to stderr, exit code 1): fail() words xe's "Error: ..." failures,
api_error() an API error as xe prints it, the error's doc and then its parameters (ERRORS, from the xen-api
datamodel). Values as xe parses and prints them: booleans, byte sizes with unit suffixes, maps and sets
rendered as `k: v; ...`, --minimal's escaping. Field metadata comes from xe's command table. Standard
library only, as the simulator.
"""

from __future__ import annotations

import re
from typing import Any

Record = dict[str, Any]
STD_PARAMS = frozenset(
    {"server", "password", "port", "username", "minimal", "force", "multiple", "all", "message-priority", "trace"}
)
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
    "SR_OPERATION_NOT_SUPPORTED": ("The SR backend does not support the operation (check the SR's allowed operations)",
                                   ("sr",)),
    "VBD_NOT_REMOVABLE_MEDIA": ("Media could not be ejected because it is not removable", ("vbd",)),
    "VBD_NOT_EMPTY": ("Operation could not be performed because the drive is not empty", ("vbd",)),
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


def render(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}: {v}" for k, v in value.items())
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def parse_bool(field: str, value: str, strict: bool = False) -> str:
    """xe's boolean: true/t/yes/y/1 or false/f/no/n/0 (any case); `strict` (XenServer 6.0): no yes/y/no/n."""
    word = value.lower()
    words = ("true", "t", "1", "false", "f", "0") if strict else ("true", "t", "yes", "y", "1", "false", "f", "no",
                                                                   "n", "0")
    if word in words:
        return str(word in ("true", "t", "yes", "y", "1")).lower()
    if strict:
        raise fail(f"Failed to parse parameter '{field}': expecting true or false")
    raise fail(f"Parameter {field} must be a boolean (true or false)")


def parse_bytes(field: str, value: str) -> int:
    match = re.fullmatch(r"\s*(\d+)\s*([A-Za-z]*)\s*", value)
    if not match or match.group(2).lower() not in UNITS:
        raise fail(f"Failed to parse field '{field}': expecting an integer (possibly with suffix)")
    return int(match.group(1)) * UNITS[match.group(2).lower()]


def writable(meta: Record) -> bool:
    """The table's access: RO/RW for scalars, MRO/MRW for maps, SRO/SRW for sets."""
    return str(meta["access"]).endswith("RW")


def class_fields(table: dict[str, Any], cls: str) -> dict[str, Record]:
    return {f["name"]: f for f in table["classes"][cls]["fields"] if not f.get("hidden")}

