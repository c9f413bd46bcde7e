"""`xenkit seed-volume`: the ISO image an HVM guest's installer reads its answers from."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from toolkit.cli.completion import complete_profiles
from toolkit.cli.kickstart import KICKSTART_FIELDS, kickstart_input, release_firmware
from toolkit.cli.options import OutputPath, guest_network_options, guest_options, make_guest_network
from toolkit.errors import UsageError
from toolkit.inputs.guest_fields import MAC, NAME
from toolkit.output.target import STDOUT

VM_NAME = dataclasses.replace(
    NAME, required=False,
    help="Name of the VM the volume is for: its NIC is pinned to the MAC vm install derives from it (unless --mac).",
)


@click.command("seed-volume")
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_profiles)
@guest_network_options
@guest_options(*KICKSTART_FIELDS, VM_NAME, MAC)
@click.option("-o", "--output", "output", type=OutputPath(), required=True,
              help="The image to write (atomically: all or nothing), e.g. web1-seed.iso.")
def seed_volume(
    profile_name: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
    root_password_file: Path | None, root_password_hash: str | None, ssh_keys: tuple[Path, ...],
    timezone: str, repo: str | None, firmware: str, xenserver: str | None, name: str | None, mac: str | None,
    output: Path,
) -> None:
    """Write PROFILE's seed volume: an ISO 9660 image (Rock Ridge, Joliet) its installer finds by label.

    A kickstart profile's volume is labelled OEMDRV and holds ks.cfg (anaconda of RHEL 7+ and
    Fedora 19+ loads it with no inst.ks= at the boot prompt); an Ubuntu autoinstall profile's is
    labelled cidata and holds user-data and meta-data (cloud-init's NoCloud). The kickstart is the
    one `xenkit kickstart render` writes, checked by pykickstart. The same inputs give the same
    bytes. Put the image in an ISO SR (vm install --host uploads it there itself) under the name
    `xenkit vm install --seed-iso` expects (default VM-seed.iso).

    \b
    Example:
      xenkit seed-volume rocky9 --name web1 --hostname web1.example.com --ip 192.0.2.10/24 \\
        --gateway 192.0.2.1 --nameserver 192.0.2.53 --root-password-file root-pw.txt \\
        --firmware uefi -o web1-seed.iso
    """
    from toolkit.catalog.profiles import get_profile
    from toolkit.generate.seed_iso import build_seed_iso
    from toolkit.generate.seed_volume import seed_volume as volume_for
    from toolkit.inputs.mac import mac_for_vm
    from toolkit.output import write_output_bytes

    if output == STDOUT:
        raise UsageError("-o -: an ISO image is binary; give a file name (e.g. -o seed.iso)")
    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    vm_mac = MAC.from_cli_optional(mac)
    if vm_mac is None and name is not None:
        vm_mac = mac_for_vm(NAME.from_cli(name))
    if root_password_file is not None and root_password_hash is None:
        root_password_hash = _earlier_hash(output, root_password_file)
        root_password_file = None if root_password_hash else root_password_file
    data = kickstart_input(profile, network, vm_mac, root_password_file, root_password_hash, ssh_keys, timezone,
                           repo, release_firmware(profile, firmware, xenserver))
    volume = volume_for(profile, data)
    image = build_seed_iso(volume.label, volume.files)
    # The kickstart holds the root password's hash: the image is the owner's only, as kickstart render's -o is.
    write_output_bytes(output, image, mode=0o600, label=f"-o {output}")
    click.echo(f"wrote {output} (label {volume.label}: {', '.join(sorted(volume.files))})", err=True)


def _earlier_hash(image: Path, password_file: Path) -> str | None:
    """The hash in the ks.cfg of the image being replaced, if the password file still matches it.

    A password file's hash gets a new random salt each time; keeping the earlier one while the password is the
    same keeps the image byte for byte the same when nothing else changed.
    """
    from toolkit.generate.seed_iso import read_seed_file
    from toolkit.generate.seed_volume import KICKSTART_FILE
    from toolkit.inputs.guest_fields import PASSWORD_FILE
    from toolkit.inputs.password import read_password_file
    from toolkit.site.previous import hash_in_kickstart, password_matches

    kickstart = read_seed_file(image, KICKSTART_FILE, 1 << 20)
    earlier = None if kickstart is None else hash_in_kickstart(kickstart)
    if earlier is None or not password_matches(read_password_file(PASSWORD_FILE.option_name, password_file), earlier):
        return None
    return earlier
