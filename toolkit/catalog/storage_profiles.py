"""Storage profiles (templates/multipath-profiles.toml): one array's multipath device settings, checked
once when loaded. multipath.py writes them in the keyword dialect of the target's multipath-tools."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

from toolkit.errors import GeneratedFileError, UsageError
from toolkit.resources import data_dir

PROFILES_FILE = "multipath-profiles.toml"

# multipath-tools 0.4.7 had no `prio` keyword: a callout program per priority method.
PRIO_CALLOUTS = {
    "alua": "/sbin/mpath_prio_alua /dev/%n",
    "emc": "/sbin/mpath_prio_emc /dev/%n",
    "rdac": "/sbin/mpath_prio_rdac /dev/%n",
    "hp_sw": "/sbin/mpath_prio_hp_sw /dev/%n",
}

@dataclass(frozen=True)
class StorageProfile:
    name: str
    description: str
    source: str
    vendor: str
    product: str
    product_blacklist: str | None = None
    path_grouping_policy: str | None = None
    path_checker: str | None = None
    prio: str | None = None
    hardware_handler: str | None = None
    failback: str | None = None
    no_path_retry: str | None = None


# The device stanza's keywords, in the order the stanza lists them.
DEVICE_FIELDS = (
    "vendor", "product", "product_blacklist", "path_grouping_policy", "path_checker", "prio", "hardware_handler",
    "failback", "no_path_retry",
)
_REQUIRED = ("description", "source", "vendor", "product")
_CHOICES = {
    "path_grouping_policy": ("failover", "multibus", "group_by_serial", "group_by_prio", "group_by_node_name"),
    "path_checker": ("tur", "readsector0", "directio", "emc_clariion", "hp_sw", "rdac"),
    "prio": tuple(PRIO_CALLOUTS),
}
_WORD_OR_COUNT = {"failback": ("immediate", "manual"), "no_path_retry": ("queue", "fail")}
_HANDLER = re.compile(r"0|([1-9][0-9]*)((?: [a-z0-9_]+)+)")
_PROFILE_NAME = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def check_string(field: str, value: Any) -> str:
    """A value multipath.conf can hold in double quotes: no quote, no control character, no edge spaces."""
    if not isinstance(value, str) or not value:
        raise ValueError(f"{field} must be a non-empty string")
    if '"' in value or any(ord(c) < 32 or ord(c) == 127 for c in value) or value != value.strip():
        raise ValueError(f"{field} {value!r}: no double quote, control character or leading/trailing space")
    return value


def _check_regex(field: str, value: Any) -> str:
    text = check_string(field, value)
    try:
        re.compile(text)  # multipath-tools uses POSIX EREs; this catches unbalanced brackets and the like
    except re.error as exc:
        raise ValueError(f"{field} {text!r} is not a regular expression: {exc}") from None
    return text


def _check_field(field: str, value: Any) -> str:
    if field in ("vendor", "product", "product_blacklist"):
        return _check_regex(field, value)
    if field in ("description", "source"):
        return check_string(field, value)
    if field in _CHOICES:
        if value not in _CHOICES[field]:
            raise ValueError(f"{field} {value!r}: not one of {', '.join(_CHOICES[field])}")
        return str(value)
    if field in _WORD_OR_COUNT:
        words = _WORD_OR_COUNT[field]
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return str(value)
        if isinstance(value, str) and (value in words or (value.isascii() and value.isdigit() and int(value) > 0)):
            return str(int(value)) if value.isdigit() else value
        raise ValueError(f"{field} {value!r}: not {', '.join(words)} or a positive integer")
    if field == "hardware_handler":
        text = check_string(field, value)
        match = _HANDLER.fullmatch(text)
        if not match or (match.group(1) and int(match.group(1)) != len(match.group(2).split())):
            raise ValueError(f"{field} {text!r}: not \"0\" or \"<n> <handler> [<args>]\" with n words after n")
        return text
    raise ValueError(f"unknown field {field!r}")


def _profile(name: str, table: Any) -> StorageProfile:
    if not _PROFILE_NAME.fullmatch(name):
        raise ValueError("the name must be lower-case words joined by '-'")
    if not isinstance(table, dict):
        raise TypeError("is not a table")
    missing = [f for f in _REQUIRED if f not in table]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    known = {f.name for f in fields(StorageProfile)} - {"name"}
    extra = sorted(set(table) - known)
    if extra:
        raise ValueError(f"unknown field(s): {', '.join(extra)}")
    return StorageProfile(name=name, **{field: _check_field(field, value) for field, value in table.items()})


@cache
def load_profiles() -> dict[str, StorageProfile]:
    """templates/multipath-profiles.toml by name; a malformed entry is a GeneratedFileError naming it."""
    path = data_dir("templates") / PROFILES_FILE
    try:
        with path.open("rb") as handle:
            tables = tomllib.load(handle)["profile"]
        if not isinstance(tables, dict) or not tables:
            raise ValueError("no [profile.<name>] tables")
    except KeyError as exc:
        raise GeneratedFileError(f"{path}: missing {exc}") from exc
    except (OSError, ValueError) as exc:
        raise GeneratedFileError(f"{path}: {exc}") from exc
    profiles: dict[str, StorageProfile] = {}
    for name, table in tables.items():
        try:
            profiles[name] = _profile(name, table)
        except (ValueError, TypeError) as exc:
            raise GeneratedFileError(f"{path}: profile {name}: {exc}") from exc
    return profiles


def find_profile(name: str) -> StorageProfile:
    profiles = load_profiles()
    wanted = name.strip().lower()
    if wanted not in profiles:
        raise UsageError(f'storage profile "{name}": unknown; known: {", ".join(profiles)}')
    return profiles[wanted]
