"""Which host `--host H` means: `[user@]address[:port]`, or a name from a hosts file (xenkit.toml).

The hosts file is `xenkit.toml` in the working directory, else `$XDG_CONFIG_HOME/xenkit/xenkit.toml`
(`~/.config/xenkit/xenkit.toml`). Paths in it are relative to the file. Example:

    known_hosts = "known_hosts"        # the project's known_hosts (new hosts are recorded here)

    [hosts.dom0]
    address = "192.0.2.5"
    user = "root"                      # default: root (dom0 logins are root)
    port = 22
    identity = "~/.ssh/xenserver_ed25519"
    legacy = true                      # CentOS 5-era OpenSSH: XenServer 6.x dom0, the DDK VM

    [groups]                           # for `--group NAME`: host names of this file or [user@]address[:port]
    pool1 = ["dom0", "192.0.2.7"]
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError
from toolkit.inputs.userfile import read_user_toml

HOSTS_FILE = "xenkit.toml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_USER = re.compile(r"^[a-z_][a-z0-9_.-]*\$?$", re.I)
_HOST_KEYS = {"address", "user", "port", "identity", "known_hosts", "legacy"}


@dataclass(frozen=True)
class HostSpec:
    """Where and how to connect. `label` is what the user typed, for messages."""

    label: str
    address: str
    user: str = "root"
    port: int = 22
    identity: Path | None = None
    known_hosts: Path | None = None  # the project's file; the user's ~/.ssh/known_hosts is always read too
    legacy: bool = False

    @property
    def known_hosts_name(self) -> str:
        """How OpenSSH's known_hosts names this host: `addr`, or `[addr]:port` off port 22."""
        return self.address if self.port == 22 else f"[{self.address}]:{self.port}"

    def __str__(self) -> str:
        port = "" if self.port == 22 else f":{self.port}"
        return f"{self.user}@{self.address}{port}"


def config_paths(cwd: Path | None = None) -> list[Path]:
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return [(cwd or Path.cwd()) / HOSTS_FILE, base / "xenkit" / HOSTS_FILE]


def resolve_host(text: str, cwd: Path | None = None) -> HostSpec:
    """A host named in the hosts file, else `[user@]address[:port]` (project known_hosts from the file)."""
    text = text.strip()
    if not text:
        raise UsageError("--host: empty; give [user@]address[:port] or a name from xenkit.toml")
    for path in config_paths(cwd):
        if path.is_file():
            return _from_file(text, path)
    return parse_host(text, None)


def parse_host(text: str, known_hosts: Path | None) -> HostSpec:
    user, at, rest = text.rpartition("@")
    if at and not _USER.fullmatch(user):
        raise UsageError(f'--host "{text}": bad user name "{user}"')
    address, port = _split_port(text, rest)
    _check_address(text, address)
    return HostSpec(text, address, user if at else "root", port, None, known_hosts)


def _split_port(text: str, rest: str) -> tuple[str, int]:
    if rest.startswith("["):  # [v6addr]:port, as OpenSSH writes it
        address, bracket, tail = rest[1:].partition("]")
        if not bracket or (tail and not tail.startswith(":")):
            raise UsageError(f'--host "{text}": expected [address]:port')
        port_text, has_port = tail[1:], bool(tail)
    elif rest.count(":") == 1:
        address, _, port_text = rest.partition(":")
        has_port = True
    else:
        address, port_text, has_port = rest, "", False
    if not has_port:
        return address, 22
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise UsageError(f'--host "{text}": port "{port_text}" is not a number from 1 to 65535')
    return address, int(port_text)


def _check_address(text: str, address: str) -> None:
    try:
        ipaddress.ip_address(address)
        return
    except ValueError:
        pass
    labels = address.rstrip(".").split(".")
    if not address or len(address) > 253 or not all(re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?", x)
                                                    for x in labels):
        raise UsageError(f'--host "{text}": "{address}" is not an IP address or host name, '
                         "nor a host named in xenkit.toml")


def hosts_file(cwd: Path | None = None) -> Path | None:
    """The hosts file in use: the first of config_paths that exists."""
    return next((path for path in config_paths(cwd) if path.is_file()), None)


def resolve_group(name: str, cwd: Path | None = None) -> list[HostSpec]:
    """The hosts of `[groups] NAME` in the hosts file, in the order written there."""
    path = hosts_file(cwd)
    if path is None:
        raise UsageError(f'--group "{name}": no {HOSTS_FILE} here or in ~/.config/xenkit/ to define groups in')
    data = read_user_toml(path)  # read once for the whole group: not again for each member
    groups = _groups(path, data)
    if name not in groups:
        known = ", ".join(sorted(groups)) or "none"
        raise UsageError(f'--group "{name}": not a group of {path} (its groups: {known})')
    return [_from_file(member, path, data) for member in groups[name]]


def list_hosts(cwd: Path | None = None) -> tuple[Path | None, list[HostSpec], dict[str, list[str]]]:
    """The hosts file, its hosts (in file order) and its groups, for `xenkit host list`."""
    path = hosts_file(cwd)
    if path is None:
        return None, [], {}
    data = read_user_toml(path)
    _check_top(path, data)
    return path, [_from_file(name, path, data) for name in _hosts_table(path, data)], _groups(path, data)


def _check_top(path: Path, data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - {"known_hosts", "hosts", "groups"})
    if unknown:
        raise UsageError(f"{path}: unknown key {unknown[0]!r}; allowed at the top: known_hosts, [hosts.NAME], "
                         "[groups]")


def _hosts_table(path: Path, data: dict[str, Any]) -> dict[str, Any]:
    hosts = data.get("hosts", {})
    if not isinstance(hosts, dict):
        raise UsageError(f"{path}: hosts: must be tables [hosts.NAME]")
    return hosts


def _groups(path: Path, data: dict[str, Any]) -> dict[str, list[str]]:
    _check_top(path, data)
    groups = data.get("groups", {})
    if not isinstance(groups, dict):
        raise UsageError(f"{path}: groups: must be a table [groups] of NAME = [hosts]")
    for name, members in groups.items():
        if not isinstance(members, list) or not members or not all(isinstance(m, str) and m for m in members):
            raise UsageError(f"{path}: [groups] {name}: must be a non-empty list of host names or addresses")
        if len(set(members)) != len(members):
            raise UsageError(f"{path}: [groups] {name}: names a host twice")
    return groups


def _from_file(text: str, path: Path, data: dict[str, Any] | None = None) -> HostSpec:
    """The host `text` as the hosts file at `path` names it (`data`: its contents, when already read)."""
    data = read_user_toml(path) if data is None else data
    _check_top(path, data)
    project_known = _path_field(path, data, "known_hosts", "known_hosts")
    entry = _hosts_table(path, data).get(text)
    if entry is None:
        return parse_host(text, project_known)
    return _entry(path, text, entry, project_known)


def _entry(path: Path, name: str, entry: Any, project_known: Path | None) -> HostSpec:
    where = f"{path}: [hosts.{name}]"
    if not isinstance(entry, dict):
        raise UsageError(f"{where}: must be a table")
    unknown = sorted(set(entry) - _HOST_KEYS)
    if unknown:
        raise UsageError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(_HOST_KEYS))}")
    address = entry.get("address")
    if not isinstance(address, str):
        raise UsageError(f"{where}: address: required, a string")
    _check_address(f"{name} ({where})", address)
    user = entry.get("user", "root")
    if not isinstance(user, str) or not _USER.fullmatch(user):
        raise UsageError(f"{where}: user: {user!r} is not a user name")
    port = entry.get("port", 22)
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise UsageError(f"{where}: port: {port!r} is not a number from 1 to 65535")
    legacy = entry.get("legacy", False)
    if not isinstance(legacy, bool):
        raise UsageError(f"{where}: legacy: {legacy!r} is not true or false")
    identity = _path_field(path, entry, "identity", f"[hosts.{name}] identity")
    known = _path_field(path, entry, "known_hosts", f"[hosts.{name}] known_hosts") or project_known
    return HostSpec(name, address, user, port, identity, known, legacy)


def _path_field(path: Path, table: dict[str, Any], key: str, label: str) -> Path | None:
    value = table.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or "\0" in value:
        raise UsageError(f"{path}: {label}: {value!r} is not a file path")
    return path.parent / Path(value).expanduser()
