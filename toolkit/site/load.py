"""Site files (TOML): every [[vm]] a guest to render, checked whole before anything is written.

    [defaults]            # optional: any vm field, applied where a [[vm]] does not set it
    gateway = "192.0.2.1"
    [[vm]]
    name = "web1"
    profile = "fedora17-xenserver"
    ...

Every problem of every entry is collected (file, entry, field, why), so a user fixes them in one go.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.catalog.profiles import Profile, get_profile
from toolkit.errors import UsageError, ValidationError
from toolkit.generate.vm_install import VmInstallInput
from toolkit.inputs.network import make_network
from toolkit.inputs.safetext import check_label, check_url
from toolkit.inputs.sizes import parse_disk, parse_memory, parse_vcpus

VM_FIELDS = {
    "name": "VM name: also its output directory and the last part of its kickstart URL",
    "profile": "kickstart profile (xenkit kickstart list)",
    "hostname": "guest FQDN",
    "ip": "ADDR/PREFIX",
    "gateway": "default gateway",
    "nameservers": "list of DNS servers",
    "interface": "guest interface (default eth0)",
    "password_hash": "root password as a SHA-512 crypt hash",
    "password_file": "file holding the root password (relative to the site file)",
    "ssh_keys": "list of public key files (relative to the site file)",
    "timezone": "Olson time zone name (default Etc/UTC)",
    "template": "XenServer template (default: the profile's)",
    "repo": "install repository URL (default: the profile's)",
    "ks_url_base": "URL where the output directory is served; the VM's kickstart is <base>/<name>/ks.cfg",
    "network": "XenServer network name-label for the VIF",
    "memory": "memory size (default 2GiB)",
    "vcpus": "number of vCPUs (default 2)",
    "disk": "system disk size (default 20GiB)",
}
REQUIRED = ("name", "profile", "hostname", "ip", "gateway", "nameservers", "ks_url_base", "network")


@dataclass(frozen=True)
class SiteVm:
    """One checked [[vm]] entry. The password is not hashed yet: only the renderer does that."""

    profile: Profile
    install: VmInstallInput
    password_hash: str | None
    password_file: Path | None
    ssh_key_files: tuple[Path, ...]
    timezone: str

    @property
    def name(self) -> str:
        return self.install.name


@dataclass(frozen=True)
class Site:
    path: Path
    vms: tuple[SiteVm, ...]


def load_site(path: Path) -> Site:
    raw = _read_toml(path)
    unknown_top = set(raw) - {"defaults", "vm"}
    problems: list[str] = [f"{path}: unknown table {k!r} (allowed: defaults, vm)" for k in sorted(unknown_top)]
    defaults = raw.get("defaults", {})
    entries = raw.get("vm", [])
    if not isinstance(defaults, dict) or not isinstance(entries, list) or not all(
        isinstance(entry, dict) for entry in entries
    ):
        raise UsageError(f"{path}: [defaults] must be a table and [[vm]] an array of tables")
    if not entries:
        raise UsageError(f"{path}: no [[vm]] entries", hint="each guest is a [[vm]] table; see examples/site.toml")
    problems += [f"{path}: [defaults]: unknown field {k!r}" for k in sorted(set(defaults) - set(VM_FIELDS))]
    vms: list[SiteVm] = []
    seen: dict[str, dict[str, int]] = {"name": {}, "hostname": {}, "ip": {}}
    for index, entry in enumerate(entries, 1):
        label = f"{path}: vm #{index}" + (f" ({entry.get('name')})" if isinstance(entry.get("name"), str) else "")
        merged = {**defaults, **entry}
        if "password_hash" in entry or "password_file" in entry:
            # An entry's own password replaces the defaults' one, whichever way either is given.
            for key in ("password_hash", "password_file"):
                if key not in entry:
                    merged.pop(key, None)
        entry_problems = [f"{label}: unknown field {k!r}" for k in sorted(set(entry) - set(VM_FIELDS))]
        inherited = set(merged) - set(entry)
        vm = _check_entry(merged, path.parent, label, entry_problems, inherited, f"{path}: [defaults]")
        problems += entry_problems
        if vm is None or entry_problems:
            continue
        for key, value in (("name", vm.name), ("hostname", vm.install.network.hostname),
                           ("ip", vm.install.network.address)):
            if value in seen[key]:
                problems.append(f"{label}: {key}: {value!r} is already used by vm #{seen[key][value]}")
            seen[key][value] = index
        vms.append(vm)
    if problems:
        raise SiteError(list(dict.fromkeys(problems)))  # a bad default is reported once, not per vm
    return Site(path, tuple(vms))


class SiteError(UsageError):
    """Every problem found in a site file."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the site file", hint="nothing was written")
        self.problems = problems

    def lines(self) -> list[str]:
        return self.problems


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise UsageError(f"site file {path} does not exist") from None
    except IsADirectoryError:
        raise UsageError(f"site file {path} is a directory") from None
    except PermissionError:
        raise UsageError(f"site file {path} is not readable (permission denied)") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"site file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"site file {path} is not UTF-8 text") from None


def _check_entry(
    raw: dict[str, Any], base: Path, label: str, problems: list[str], inherited: set[str], defaults_label: str
) -> SiteVm | None:
    """Check one merged entry; append a line per bad field to `problems`, return None if any.

    A bad value the entry took from [defaults] is reported against [defaults].
    """
    start = len(problems)

    def where(name: str) -> str:
        return defaults_label if name in inherited else label

    def field(name: str, parse: Callable[[Any], Any], default: Any = None) -> Any:
        if name not in raw:
            if name in REQUIRED:
                problems.append(f"{label}: {name}: missing ({VM_FIELDS[name]})")
            return default
        try:
            return parse(raw[name])
        except ValidationError as exc:
            problems.append(f"{where(name)}: {name}: {exc.reason}")
        except (UsageError, TypeError, ValueError) as exc:
            problems.append(f"{where(name)}: {name}: {getattr(exc, 'message', exc)}")
        return default

    name = field("name", lambda v: _vm_name(_text(v)))
    profile = field("profile", lambda v: get_profile(_text(v), kickstart_only=True))
    network = None
    net_fields = {k: field(k, _text) for k in ("hostname", "ip", "gateway")}
    servers = field("nameservers", _text_list)
    interface = field("interface", _text, "eth0")
    if all(v is not None for v in (*net_fields.values(), servers, interface)):
        try:
            network = make_network(net_fields["hostname"], net_fields["ip"], net_fields["gateway"], servers, interface)
        except ValidationError as exc:
            problems.append(f"{label}: {exc.field}: {exc.reason}")
    password_hash = field("password_hash", lambda v: _password_hash(_text(v)))
    password_file = field("password_file", lambda v: _existing_file(base, _text(v)))
    if ("password_hash" in raw) == ("password_file" in raw):
        problems.append(f"{label}: password: give exactly one of password_hash and password_file")
    keys = field("ssh_keys", lambda v: tuple(_existing_file(base, k) for k in _text_list(v)), ())
    timezone = field("timezone", lambda v: _timezone(_text(v)), "Etc/UTC")
    template = field("template", lambda v: check_label("template", _text(v)))
    repo = field("repo", lambda v: check_url("repo", _text(v)))
    ks_base = field("ks_url_base", lambda v: check_url("ks_url_base", _text(v)))
    network_name = field("network", lambda v: check_label("network", _text(v)))
    memory = field("memory", lambda v: parse_memory("memory", _text(v)), 2 * 2**30)
    vcpus = field("vcpus", lambda v: parse_vcpus("vcpus", _int(v)), 2)
    disk = field("disk", lambda v: parse_disk("disk", _text(v)), 20 * 2**30)
    if len(problems) > start or network is None or profile is None:
        return None
    install = VmInstallInput(
        name=name, network_name=network_name, network=network, ks_url=ks_base.rstrip("/") + f"/{name}/ks.cfg",
        repo=repo, template=template, memory=memory, vcpus=vcpus, disk=disk,
    )
    return SiteVm(profile, install, password_hash, password_file, keys, timezone)


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {type(value).__name__} {value!r}")
    return value


def _int(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be an integer, not {type(value).__name__} {value!r}")
    return value


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise TypeError(f"must be a list of strings, not {type(value).__name__}")
    return [_text(v) for v in value]


def _vm_name(value: str) -> str:
    import re

    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", value):
        raise ValueError(
            f"{value!r} must be 1-63 letters, digits, '.', '_' or '-' (it names a directory and a URL path)"
        )
    return value


def _password_hash(value: str) -> str:
    from toolkit.inputs.password import check_hash

    return check_hash("password_hash", value)


def _existing_file(base: Path, value: str) -> Path:
    path = (base / value) if not Path(value).is_absolute() else Path(value)
    if not path.exists():
        raise ValueError(f"{value!r}: {path} does not exist")
    if not path.is_file():
        raise ValueError(f"{value!r}: {path} is not a regular file")
    return path


def _timezone(value: str) -> str:
    from toolkit.inputs.timezones import parse_timezone

    return parse_timezone("timezone", value)
