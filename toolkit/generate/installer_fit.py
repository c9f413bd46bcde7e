"""What a profile's installer can take of a guest's inputs, checked before anything is rendered.

Ubuntu autoinstall's casper takes at most two nameservers, and cloud-init a NoCloud URL ending in '/'.
Three inputs suit some installers and not others:
- the interface given as a MAC address: dracut names that NIC with ifname=, old anaconda's ksdevice=
  and kickstart's network --device= take the MAC as it is; debian-installer and casper want a name;
- a /32 address whose gateway lies outside it (on-link): dracut's ip= gets the gateway as the
  point-to-point peer (the network-legacy module routes to it; NetworkManager's initrd adds the route
  itself), and NetworkManager, which every dracut profile's minimal install has, routes to it afterwards;
- ';' or '&' in a URL on the boot line: nothing reads PV-args but the installer's kernel, GRUB 2 reads
  them as shell syntax (the line escapes them), and a line that isolinux or GRUB may read cannot be
  right for both.
The commands check with their option names and the site loader with its keys (`spell`); render_bootargs
and render_kickstart check again, so no generator writes what its installer would misread.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from toolkit.catalog.profiles import BootFamily, BootPrompt, Profile
from toolkit.errors import ValidationError
from toolkit.inputs.guest_field_type import GuestField, Spelling, site_key
from toolkit.inputs.guest_fields import GATEWAY, INTERFACE, KS, NAMESERVERS, REPO
from toolkit.inputs.network import GuestNetwork

# Why a family cannot take a MAC address as the interface (absent: it can).
_NO_MAC = {
    BootFamily.DEBIAN_INSTALLER: "this debian-installer chooses its interface by name (netcfg/choose_interface); "
                                 "give the name, e.g. eth0",
    BootFamily.UBUNTU_AUTOINSTALL: "casper's ip= names the interface; give the name, e.g. eth0",
}
# Why a family cannot reach a gateway outside a /32 address (absent: it can).
_NO_ON_LINK_GATEWAY = {
    BootFamily.ANACONDA_LEGACY: "a CentOS 6 minimal install brings the network up with the network scripts, "
                                "which skip a gateway outside the address's subnet",
    BootFamily.DEBIAN_INSTALLER: "debian-installer's boot arguments (netcfg) have no on-link gateway: for a /32 "
                                 "it asks for a point-to-point address instead",
    BootFamily.UBUNTU_AUTOINSTALL: "casper's ip= (klibc ipconfig) adds no route to a gateway outside the "
                                   "address's subnet",
}
GRUB_SPECIAL = ";&"  # the characters check_url lets through that GRUB 2's command line reads as syntax


@dataclass(frozen=True)
class Misfit:
    """An input `field` that `profile`'s installer cannot take, and why."""

    field: GuestField[Any]
    reason: str


def boot_line_urls(profile: Profile, ks_url: str, repo: str | None) -> dict[GuestField[Any], str]:
    """The URLs `profile`'s boot arguments carry: the kickstart's, and the repository's where inst.repo= is set."""
    urls: dict[GuestField[Any], str] = {KS: ks_url}
    if profile.bootargs_family is BootFamily.DRACUT and profile.inst_repo:
        urls[REPO] = repo or profile.repo
    return urls


def misfits(
    profile: Profile, network: GuestNetwork, urls: Mapping[GuestField[Any], str] | None = None
) -> list[Misfit]:
    """Every input `profile` cannot take; `urls` are those on its boot line (none for a kickstart alone)."""
    family = profile.bootargs_family
    found = []
    if family is BootFamily.UBUNTU_AUTOINSTALL:
        found += _autoinstall_misfits(network, (urls or {}).get(KS))
    if network.mac is not None and family in _NO_MAC:
        found.append(Misfit(INTERFACE, f"{network.mac} is a MAC address, but {_NO_MAC[family]}"))
    if network.on_link_gateway and family in _NO_ON_LINK_GATEWAY:
        found.append(Misfit(
            GATEWAY, f"{network.gateway} is outside the /32 address {network.address}, but "
                     f"{_NO_ON_LINK_GATEWAY[family]}",
        ))
    for field, url in (urls or {}).items():
        special = "".join(c for c in GRUB_SPECIAL if c in url)
        if ";" in url and family is BootFamily.UBUNTU_AUTOINSTALL:
            found.append(Misfit(field, f"{url!r} contains ';', where cloud-init cuts ds=nocloud-net;s=URL apart"))
        elif special and profile.boot_prompt is BootPrompt.ISOLINUX_OR_GRUB:
            found.append(Misfit(
                field, f"{url!r} contains {special!r}: {profile.name}'s install media reads typed boot arguments "
                       "with isolinux (BIOS), which takes them as they are, or GRUB 2 (UEFI), which needs them "
                       "escaped, so no one line suits both; use a URL without them",
            ))
    return found


def _autoinstall_misfits(network: GuestNetwork, ks_url: str | None) -> list[Misfit]:
    found = []
    if len(network.nameserver_list) > 2:  # casper's ip= has two DNS fields
        found.append(Misfit(NAMESERVERS, "Ubuntu autoinstall's ip= takes at most 2 nameservers"))
    if ks_url is not None and not ks_url.endswith("/"):
        found.append(Misfit(
            KS, f"{ks_url!r} must end with '/': cloud-init's NoCloud source appends user-data and meta-data"
        ))
    return found


def check_fit(
    profile: Profile, network: GuestNetwork, urls: Mapping[GuestField[Any], str] | None = None,
    spell: Spelling = site_key,
) -> None:
    """Raise ValidationError for the first input `profile` cannot take, naming the field as `spell` does."""
    for misfit in misfits(profile, network, urls):
        raise ValidationError(spell(misfit.field), misfit.reason)


def escape_for_prompt(profile: Profile, line: str) -> str:
    """The boot line as it must be typed at `profile`'s prompt: at GRUB 2's, ';' and '&' behind a backslash."""
    if profile.boot_prompt is not BootPrompt.GRUB:
        return line
    for char in GRUB_SPECIAL:
        line = line.replace(char, "\\" + char)
    return line
