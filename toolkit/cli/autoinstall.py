"""`xenkit autoinstall render`: an Ubuntu guest's NoCloud user-data and meta-data."""

from __future__ import annotations

import re
from pathlib import Path

import click

from toolkit.cli.completion import complete_autoinstall_profiles
from toolkit.cli.kickstart import read_ssh_keys, resolve_root_password
from toolkit.cli.options import OutputDir, guest_options, make_guest_network
from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.guest_fields import (
    INTERFACE,
    NETWORK_FIELDS,
    PASSWORD_FILE,
    PASSWORD_HASH,
    REPO,
    SSH_KEYS,
    TIMEZONE,
)

# Ubuntu's adduser NAME_REGEX, and useradd's 32-character limit.
_USERNAME = re.compile(r"[a-z][-a-z0-9_]{0,31}")


@click.group()
def autoinstall() -> None:
    """Ubuntu 20.04+ autoinstall answers (subiquity), for a cidata seed volume."""


@autoinstall.command("render")
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_autoinstall_profiles)
@guest_options(*NETWORK_FIELDS[:-1], INTERFACE.with_help(
    "The NIC's MAC address (52:54:00:12:34:56) pins it; a name is accepted but not used: the Xen NIC is "
    "matched by its driver, as it is eth0 or enX0 depending on the release."))
@guest_options(
    PASSWORD_FILE.with_help("File whose first line is the password of --username (Ubuntu locks root); it is "
                            "hashed (SHA-512 crypt, random salt)."),
    PASSWORD_HASH.with_help("A ready SHA-512 crypt hash ($6$...) of --username's password."),
    SSH_KEYS.with_help("OpenSSH public key file to authorize for --username; repeatable."),
    TIMEZONE, REPO,
)
@click.option("--username", default="ubuntu", show_default=True, metavar="NAME",
              help="The first user (sudo; Ubuntu installs with root locked).")
@click.option("--firmware", type=click.Choice(["bios", "uefi"]), default="bios", show_default=True,
              help="How the VM boots, which decides the boot partition: bios (Citrix Hypervisor 8.2's Ubuntu "
                   "templates) or uefi (XenServer 8, XCP-ng 8.3).")
@click.option("--guest-utilities", is_flag=True, help="Also install xe-guest-utilities (Ubuntu universe).")
@click.option("-o", "--output", "out_dir", required=True, type=OutputDir(), metavar="DIR",
              help="Directory to write user-data and meta-data into (both or neither).")
def render_autoinstall_cmd(
    profile_name: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
    root_password_file: Path | None, root_password_hash: str | None, ssh_keys: tuple[Path, ...],
    timezone: str, repo: str | None, username: str, firmware: str, guest_utilities: bool, out_dir: Path,
) -> None:
    """Write PROFILE's user-data and meta-data for one guest into DIR.

    user-data is #cloud-config with an `autoinstall:` section (version 1): static network (the Xen
    NIC matched by --interface's MAC address, else by its driver), the profile's mirror (or --repo),
    the first user with the password as a SHA-512 crypt hash, SSH keys, time zone, a GPT disk with
    a separate /boot (ext4), swap and / (plus an EFI system partition with --firmware uefi), the
    linux-virtual kernel and nobarrier in the installed fstab. Put both files on a volume labelled
    cidata (xenkit seed-volume) attached to the VM: the installer finds them there. user-data holds
    the password hash and is written 0600.

    \b
    Example:
      xenkit autoinstall render ubuntu2204-autoinstall --hostname web1.example.com \\
        --ip 192.0.2.10/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
        --root-password-file pw.txt --ssh-key ~/.ssh/id_ed25519.pub --firmware uefi -o seed/
    """
    from toolkit.catalog.profiles import InstallerKind, all_profiles, get_profile
    from toolkit.generate.autoinstall import USER_DATA, AutoinstallInput, autoinstall_answer_files
    from toolkit.generate.autoinstall_storage import Firmware
    from toolkit.output import AtomicBatch, OutputFile

    profile = get_profile(profile_name)
    if profile.kind is not InstallerKind.AUTOINSTALL:
        known = ", ".join(p.name for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL)
        raise UsageError(f"profile {profile_name!r} is a {profile.kind} profile; autoinstall profiles: {known}")
    if not _USERNAME.fullmatch(username):
        raise ValidationError("--username", f"{username!r} must be 1-32 lower-case letters, digits, '-' or '_', "
                                            "starting with a letter")
    # No boot line here (check_profile_fit's business): netplan takes a MAC, a /32's on-link gateway, three servers.
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    data = AutoinstallInput(
        network=network,
        root_password_hash=resolve_root_password(root_password_file, root_password_hash),
        firmware=Firmware(firmware),
        timezone=TIMEZONE.from_cli(timezone),
        repo=REPO.from_cli_optional(repo),
        ssh_keys=read_ssh_keys(ssh_keys),
        username=username,
        guest_utilities=guest_utilities,
    )
    files = autoinstall_answer_files(profile, data)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {out_dir}: exists and is not a directory")
    with AtomicBatch() as batch:  # both files or neither
        for name, text in files.items():
            batch.add(OutputFile(out_dir / name, text, mode=0o600 if name == USER_DATA else None))
        batch.commit()
    for name in files:
        click.echo(f"wrote {out_dir / name}", err=True)
