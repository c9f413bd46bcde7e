"""Site files (TOML): every [[vm]] a guest to render, checked whole before anything is written.

    [defaults]            # optional: any vm field, applied where a [[vm]] does not set it
    gateway = "192.0.2.1"
    [[vm]]
    name = "web1"
    profile = "fedora17-xenserver"
    ...

The fields of a [[vm]], their types, defaults and checks are toolkit/inputs/guest_fields.py's (the same
as the guest commands' options); a field's key may also be its option's name (toolkit/site/keys.py).
Every problem of every entry is collected (file, entry, field as written, why), so a user fixes them in
one go.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.catalog.profiles import BootMode, InstallerKind, Profile
from toolkit.errors import UsageError, ValidationError
from toolkit.generate.answer_files import answer_url
from toolkit.generate.installer_fit import boot_line_urls, misfits
from toolkit.generate.seed_volume import check_seed_profile
from toolkit.generate.vm_install import VmInstallInput, choose_template
from toolkit.generate.vm_install_hvm import HvmInstallInput, seed_iso_name
from toolkit.inputs import guest_fields as guest
from toolkit.inputs.guest_field_type import GuestField, Kind, password_problem
from toolkit.inputs.mac import mac_for_vm, pinned_by_mac
from toolkit.inputs.network import make_network
from toolkit.inputs.userfile import read_user_toml
from toolkit.site.keys import Table


@dataclass(frozen=True)
class SiteVm:
    """One checked [[vm]] entry. The password is not hashed yet: only the renderer does that."""

    profile: Profile
    install: VmInstallInput
    password_hash: str | None
    password_file: Path | None
    ssh_key_files: tuple[Path, ...]
    timezone: str
    xs_tools: bool = False

    @property
    def name(self) -> str:
        return self.install.name


@dataclass(frozen=True)
class Site:
    path: Path
    vms: tuple[SiteVm, ...]


def load_site(path: Path) -> Site:
    raw = read_user_toml(path, "site file")
    unknown_top = set(raw) - {"defaults", "vm"}
    problems: list[str] = [f"{path}: unknown table {k!r} (allowed: defaults, vm)" for k in sorted(unknown_top)]
    raw_defaults = raw.get("defaults", {})
    entries = raw.get("vm", [])
    if not isinstance(raw_defaults, dict) or not isinstance(entries, list) or not all(
        isinstance(entry, dict) for entry in entries
    ):
        raise UsageError(f"{path}: [defaults] must be a table and [[vm]] an array of tables")
    if not entries:
        raise UsageError(f"{path}: no [[vm]] entries", hint="each guest is a [[vm]] table; see examples/site.toml")
    defaults = Table.read(raw_defaults, f"{path}: [defaults]", problems)
    vms: list[SiteVm] = []
    seen: dict[str, dict[str, int]] = {guest.NAME.key: {}, guest.HOSTNAME.key: {}, guest.IP.key: {},
                                       guest.SEED_ISO.key: {}}
    for index, raw_entry in enumerate(entries, 1):
        name = raw_entry.get(guest.NAME.key)
        label = f"{path}: vm #{index}" + (f" ({name})" if isinstance(name, str) else "")
        entry_problems: list[str] = []
        entry = Table.read(raw_entry, label, entry_problems)
        merged = {**defaults.values, **entry.values}
        if any(field.key in entry.values for field in guest.PASSWORD_FIELDS):
            # An entry's own password replaces the defaults' one, whichever way either is given.
            for field in guest.PASSWORD_FIELDS:
                if field.key not in entry.values:
                    merged.pop(field.key, None)
        written = Table(merged, {**defaults.written, **entry.written})
        inherited = set(merged) - set(entry.values)
        vm = _check_entry(written, path.parent, label, entry_problems, inherited, f"{path}: [defaults]")
        problems += entry_problems
        if vm is None or entry_problems:
            continue
        unique = [(guest.NAME.key, vm.name), (guest.HOSTNAME.key, vm.install.network.hostname),
                  (guest.IP.key, vm.install.network.address)]
        if vm.install.hvm is not None:  # install.sh finds its seed image by name among all of the pool's ISOs
            unique.append((guest.SEED_ISO.key, vm.install.hvm.seed_iso))
        for key, value in unique:
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


def _check_entry(
    entry: Table, base: Path, label: str, problems: list[str], inherited: set[str], defaults_label: str
) -> SiteVm | None:
    """Check one merged entry; append a line per bad field to `problems`, return None if any.

    A bad value the entry took from [defaults] is reported against [defaults]; every field is named as
    the user wrote it.
    """
    start = len(problems)
    raw = entry.values

    def spell(field: GuestField[Any]) -> str:
        return entry.name_of(guest.KS_URL_BASE if field is guest.KS else field)  # a guest's ks URL is made from it

    def checked(field: GuestField[Any]) -> Any:
        """The field's value; a missing or bad one is a problem, and the field's default stands in."""
        fallback = None if field.default is None else field.default_value()
        if field.key not in raw:
            if field.required:
                problems.append(f"{label}: {field.key}: missing ({field.description})")
            return fallback
        where = defaults_label if field.key in inherited else label
        try:
            return field.from_site(_typed(field.kind, raw[field.key], base, shown=not field.secret))
        except ValidationError as exc:
            problems.append(f"{where}: {spell(field)}: {exc.reason}")
        except (UsageError, TypeError, ValueError) as exc:
            problems.append(f"{where}: {spell(field)}: {getattr(exc, 'message', exc)}")
        return fallback

    name = checked(guest.NAME)
    profile = checked(guest.PROFILE)
    network = None
    hostname, ip, gateway, servers, interface = (checked(field) for field in guest.NETWORK_FIELDS)
    if all(v is not None for v in (hostname, ip, gateway, servers, interface)):
        try:
            network = make_network(hostname, ip, gateway, servers, interface, on_link_gateway=True, spell=spell)
        except ValidationError as exc:
            problems.append(f"{label}: {exc.field}: {exc.reason}")
    password_hash, password_file = (checked(field) for field in guest.PASSWORD_FIELDS)
    if password_problem(guest.PASSWORD_HASH.key in raw, guest.PASSWORD_FILE.key in raw):
        problems.append(
            f"{label}: password: give exactly one of {spell(guest.PASSWORD_HASH)} and {spell(guest.PASSWORD_FILE)}"
        )
    keys = checked(guest.SSH_KEYS)
    timezone = checked(guest.TIMEZONE)
    template = checked(guest.TEMPLATE)
    repo = checked(guest.REPO)
    ks_base = checked(guest.KS_URL_BASE)
    network_name = checked(guest.NETWORK)
    memory = checked(guest.MEMORY)
    vcpus = checked(guest.VCPUS)
    disk = checked(guest.DISK)
    xs_tools = checked(guest.XS_TOOLS)
    xenserver = checked(guest.XENSERVER)
    iso, seed_iso = checked(guest.ISO), checked(guest.SEED_ISO)
    if seed_iso is not None and iso is None:
        problems.append(f"{label}: {spell(guest.SEED_ISO)}: only with {guest.ISO.key} (an HVM install from an ISO)")
    if len(problems) > start or network is None or profile is None:
        return None
    if xs_tools and profile.kind is not InstallerKind.PRESEED:
        problems.append(f"{label}: {spell(guest.XS_TOOLS)}: only preseed profiles install the tools at the end "
                        f"of the install; {profile.name} is a {profile.kind} profile")
        return None
    ks_url = answer_url(profile, ks_base, name)
    for misfit in misfits(profile, network, boot_line_urls(profile, ks_url, repo)):
        problems.append(f"{label}: {spell(misfit.field)}: {misfit.reason}")
    if len(problems) > start:
        return None
    mac = None
    if iso is not None and profile.kind is InstallerKind.KICKSTART:
        # As vm install does: the VIF gets a MAC from the name, and the seed's kickstart finds its NIC by it
        # (Rocky 9 names it enX0, not eth0); casper's ip= on an autoinstall boot line takes only a name.
        mac = network.mac or mac_for_vm(name)
        network = pinned_by_mac(network, mac)
    install = VmInstallInput(
        name=name, network_name=network_name, network=network, ks_url=ks_url,
        repo=repo, template=template, memory=memory, vcpus=vcpus, disk=disk, xenserver=xenserver, mac=mac,
        hvm=HvmInstallInput(iso, seed_iso or seed_iso_name(name)) if iso is not None else None,
    )
    try:
        choice = choose_template(profile, install)  # a release without the profile's template: a problem
    except UsageError as exc:
        where = defaults_label if guest.XENSERVER.key in inherited else label
        problems.append(f"{where}: {spell(guest.XENSERVER)}: {exc.message}")
        return None
    if choice.mode is BootMode.HVM and install.hvm is None:
        problems.append(f"{label}: {guest.ISO.key}: missing (template {choice.shown} is HVM: it boots install "
                        "media; the install ISO's name in one of the pool's ISO SRs)")
    elif choice.mode is BootMode.PV and install.hvm is not None:
        problems.append(f"{label}: {spell(guest.ISO)}: profile {profile.name} installs PV (template {choice.shown}), "
                        "from the install repository and PV-args; iso is for HVM profiles")
    elif install.hvm is not None:
        try:
            check_seed_profile(profile)  # the render writes the seed image its installer reads
        except UsageError as exc:
            problems.append(f"{label}: {spell(guest.ISO)}: {exc.message}")
    if len(problems) > start:
        return None
    return SiteVm(profile, install, password_hash, password_file, keys, timezone, xs_tools)


def _typed(kind: Kind, value: Any, base: Path, *, shown: bool = True) -> Any:
    """`value` as TOML must give it for `kind`; a file's path is relative to the site file.

    Without `shown`, a wrong type is named but the value is not (it may be a password).
    """
    if kind is Kind.INT:
        return _int(value, shown)
    if kind is Kind.FLAG:
        if not isinstance(value, bool):
            raise TypeError(f"must be true or false, not {_type_of(value, shown)}")
        return value
    if kind is Kind.TEXT_LIST:
        return _text_list(value)
    if kind is Kind.FILE:
        return _existing_file(base, _text(value))
    if kind is Kind.FILE_LIST:
        return tuple(_existing_file(base, v) for v in _text_list(value))
    return _text(value, shown)


def _text(value: Any, shown: bool = True) -> str:
    if not isinstance(value, str):
        raise TypeError(f"must be a string, not {_type_of(value, shown)}")
    return value


def _int(value: Any, shown: bool = True) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"must be an integer, not {_type_of(value, shown)}")
    return value


def _type_of(value: Any, shown: bool) -> str:
    name = type(value).__name__
    return f"{name} {value!r}" if shown else f"{'an' if name[0] in 'aeiou' else 'a'} {name}"


def _text_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise TypeError(f"must be a list of strings, not {type(value).__name__}")
    return [_text(v) for v in value]


def _existing_file(base: Path, value: str) -> Path:
    path = (base / value) if not Path(value).is_absolute() else Path(value)
    if not path.exists():
        raise ValueError(f"{value!r}: {path} does not exist")
    if not path.is_file():
        raise ValueError(f"{value!r}: {path} is not a regular file")
    return path
