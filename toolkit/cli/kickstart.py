"""`xenkit kickstart list|render`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.completion import complete_kickstart_profiles
from toolkit.cli.options import (
    check_profile_fit,
    emit,
    emit_json,
    guest_network_options,
    guest_options,
    make_guest_network,
    output_option,
)
from toolkit.errors import UsageError
from toolkit.inputs.guest_field_type import password_problem
from toolkit.inputs.guest_fields import FIRMWARE, MAC, PASSWORD_FILE, PASSWORD_HASH, REPO, SSH_KEYS, TIMEZONE, XENSERVER

if TYPE_CHECKING:
    from toolkit.catalog.profiles import Profile
    from toolkit.generate.kickstart import KickstartInput
    from toolkit.inputs.network import GuestNetwork


@click.group()
def kickstart() -> None:
    """Kickstart profiles: one per target OS release, validated with pykickstart."""


@kickstart.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of objects instead of a table.")
@click.option("--all", "show_all", is_flag=True,
              help="Also list the d-i preseed and Ubuntu autoinstall profiles (bootargs and vm install take them).")
@output_option
def list_profiles(as_json: bool, show_all: bool, output: Path | None) -> None:
    """List the kickstart profiles: pykickstart version, boot-argument family, template, repository."""
    from toolkit.catalog.profiles import all_profiles, kickstart_profiles

    profiles = list(all_profiles().values()) if show_all else kickstart_profiles()
    if as_json:
        emit_json([p.as_dict() for p in profiles], output)
        return
    rows = [("PROFILE", "PYKICKSTART", "BOOTARGS", "TEMPLATE", "REPO")]
    rows += [(p.name, p.pykickstart_version or "", p.bootargs_family, p.template, p.repo) for p in profiles]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=False)) + "  " + row[4] for row in rows]
    emit("\n".join(lines) + "\n", output)


# The options of a kickstart's own inputs (beyond the network): kickstart render and seed-volume take them alike.
KICKSTART_FIELDS = (PASSWORD_FILE, PASSWORD_HASH, SSH_KEYS, TIMEZONE, REPO, FIRMWARE, XENSERVER.with_help(
    "XenServer release of the pool: where its template for PROFILE boots UEFI (XenServer 8, XCP-ng 8.3), the "
    "layout gets an EFI system partition without --firmware."))


@kickstart.command("render")
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_kickstart_profiles)
@guest_network_options
@guest_options(*KICKSTART_FIELDS, MAC.with_help(
    "MAC address of the VM's interface: the kickstart configures the NIC that has it (network --device=MAC)."))
@output_option
def render_kickstart_cmd(
    profile_name: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
    root_password_file: Path | None, root_password_hash: str | None, ssh_keys: tuple[Path, ...],
    timezone: str, repo: str | None, firmware: str, xenserver: str | None, mac: str | None, output: Path | None,
) -> None:
    """Render PROFILE's kickstart for one guest and validate it with pykickstart.

    \b
    Example:
      xenkit kickstart render fedora17-xenserver --hostname web1.example.com \\
        --ip 192.0.2.10/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
        --root-password-file root-pw.txt -o web1.ks
    """
    from toolkit.catalog.profiles import get_profile
    from toolkit.generate.kickstart import render_kickstart

    profile = get_profile(profile_name, kickstart_only=True)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    data = kickstart_input(profile, network, MAC.from_cli_optional(mac), root_password_file, root_password_hash,
                           ssh_keys, timezone, repo, release_firmware(profile, firmware, xenserver))
    emit(render_kickstart(profile, data), output, mode=0o600)


def kickstart_input(
    profile: Profile, network: GuestNetwork, mac: str | None, root_password_file: Path | None,
    root_password_hash: str | None, ssh_keys: tuple[Path, ...], timezone: str, repo: str | None, firmware: str,
) -> KickstartInput:
    """The KICKSTART_FIELDS options checked; with `mac`, the NIC is pinned by it (mac.pinned_by_mac)."""
    from toolkit.generate.kickstart import KickstartInput
    from toolkit.inputs.mac import pinned_by_mac

    if mac is not None:
        network = pinned_by_mac(network, mac)
    check_profile_fit(profile, network)
    return KickstartInput(
        network=network,
        root_password_hash=resolve_root_password(root_password_file, root_password_hash),
        timezone=TIMEZONE.from_cli(timezone),
        repo=REPO.from_cli_optional(repo),
        ssh_keys=read_ssh_keys(ssh_keys),
        firmware="uefi" if FIRMWARE.from_cli(firmware) == "uefi" else "bios",
    )


def release_firmware(profile: Profile, firmware: str, xenserver: str | None) -> str:
    """--firmware, or with --xenserver and no --firmware what the release's template boots (platforms.md
    section 5: UEFI for RHEL/Rocky 8-9 on XenServer 8 and XCP-ng 8.3); a --firmware that contradicts it is refused."""
    from click.core import ParameterSource

    from toolkit.catalog.xenserver import template_for

    chosen = FIRMWARE.from_cli(firmware)
    if xenserver is None:
        return chosen
    release = XENSERVER.from_cli(xenserver)
    template = template_for(profile.guest_os, release)
    if template is None or template.mode != "hvm":
        return chosen
    context = click.get_current_context(silent=True)
    given = context is not None and context.get_parameter_source("firmware") is not ParameterSource.DEFAULT
    if given and chosen != template.firmware:
        raise UsageError(f'{FIRMWARE.option_name} {chosen}: on {release} the template "{template.name}" boots '
                         f"{template.firmware.upper()}")
    return template.firmware


def resolve_root_password(password_file: Path | None, password_hash: str | None) -> str:
    """Exactly one of the two; the file's password is hashed and never kept or shown."""
    from toolkit.inputs.password import hash_password_file

    problem = password_problem(password_hash is not None, password_file is not None)
    if problem == "both":
        raise UsageError(f"give either {PASSWORD_FILE.option} or {PASSWORD_HASH.option}, not both")
    if problem == "neither":
        raise UsageError(
            f"a root password is required: {PASSWORD_FILE.option} {PASSWORD_FILE.metavar} "
            f"or {PASSWORD_HASH.option} {PASSWORD_HASH.metavar}"
        )
    if password_file is not None:
        return hash_password_file(PASSWORD_FILE.option_name, password_file)
    return PASSWORD_HASH.from_cli(password_hash)


def read_ssh_keys(paths: tuple[Path, ...]) -> tuple[str, ...]:
    """Every key line of the --ssh-key files, checked (toolkit/inputs/sshkeys.py)."""
    from toolkit.inputs.sshkeys import read_public_keys

    return tuple(key for path in paths for key in read_public_keys(path, SSH_KEYS.option_name))
