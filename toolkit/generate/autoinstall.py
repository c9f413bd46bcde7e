"""Ubuntu 20.04+ autoinstall answers for one guest: NoCloud `user-data` (#cloud-config) and `meta-data`.

Subiquity, the Ubuntu server installer, reads its answers from the `autoinstall:` key of the
cloud-config that cloud-init finds on a volume labelled `cidata` (the NoCloud data source). The
templates of these releases are HVM (platforms.md section 5), so nothing can be typed on a boot
line for them: the answers travel on that seed volume. The choices are the blog's 12.04 install in
autoinstall's terms: static network, the profile's mirror, the `linux-virtual` kernel, a separate
/boot, swap and `/` (toolkit/generate/autoinstall_storage.py), `nobarrier` in the installed fstab,
and optionally the Xen guest utilities. Per-release differences come from subiquity's own schema of
that release (toolkit/generate/autoinstall_schema.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.catalog.profiles import InstallerKind, Profile
from toolkit.errors import GeneratedFileError, UsageError
from toolkit.generate.autoinstall_schema import apt_keys, release_of, section_keys, timezone_names
from toolkit.generate.autoinstall_storage import Firmware, storage_section
from toolkit.generate.yaml_text import YamlValue, to_yaml
from toolkit.inputs.guest_fields import TIMEZONE
from toolkit.inputs.network import GuestNetwork

USER_DATA = "user-data"
META_DATA = "meta-data"
DEFAULT_USERNAME = "ubuntu"
# The Xen guest agent (memory and network figures for XenCenter, clean shutdown): Ubuntu's universe
# package of the utilities that the XenServer tools ISO carries as a .deb.
GUEST_UTILITIES_PACKAGE = "xe-guest-utilities"
# Ubuntu's `virtual` flavour: since 16.04 the same -generic kernel image as linux-generic, without
# linux-modules-extra (no drivers for hardware a VM never has). Installing it instead of linux-generic
# is what leaves no linux-generic / modules-extra on the guest, as the blog chose linux-virtual by hand.
KERNEL_PACKAGE = "linux-virtual"
# The Xen PV network driver, as udev and netplan see it: xen-netfront registers on the xen bus under
# the device type "vif" (`ethtool -i` says `driver: vif`). On an HVM guest Ubuntu's kernel unplugs the
# emulated NIC (rtl8139/e1000) when the Xen platform device is there, so the NIC the installer and the
# installed system see is the vif. The driver matches on every release, whatever the name: systemd
# names that NIC eth0 up to 22.04 and enX0 from 255 (24.04), and the name rule varies per release.
XEN_NIC_DRIVER = "vif"
NETPLAN_ID = "xen-nic"  # netplan's name for the matched NIC: a label only (no set-name: the kernel's name stays)


@dataclass(frozen=True)
class AutoinstallInput:
    """Everything the answers need beyond their profile; each value already validated.

    Ubuntu locks root: the password (hash) and SSH keys are those of the first user, who has sudo.
    """

    network: GuestNetwork
    root_password_hash: str
    firmware: Firmware = Firmware.BIOS
    timezone: str = TIMEZONE.default_value()
    repo: str | None = None  # None: the profile's mirror
    ssh_keys: tuple[str, ...] = ()
    username: str = DEFAULT_USERNAME
    guest_utilities: bool = False


def autoinstall_answer_files(profile: Profile, data: AutoinstallInput) -> dict[str, str]:
    """The NoCloud seed's files for PROFILE's guest: file name -> text (`user-data`, `meta-data`)."""
    if profile.kind is not InstallerKind.AUTOINSTALL:
        raise GeneratedFileError(f"profile {profile.name} is a {profile.kind} profile, not an autoinstall one")
    return {USER_DATA: render_user_data(profile, data), META_DATA: render_meta_data(data.network)}


def render_user_data(profile: Profile, data: AutoinstallInput) -> str:
    section = autoinstall_section(profile, data)
    # cloud-init takes a user-data file as cloud-config only when its first line is exactly this.
    return "#cloud-config\n" + to_yaml({"autoinstall": section})


def render_meta_data(network: GuestNetwork) -> str:
    # NoCloud's meta-data: cloud-init in the live installer names the session after local-hostname.
    return to_yaml({"instance-id": f"iid-xenkit-{network.hostname}", "local-hostname": network.hostname})


def autoinstall_section(profile: Profile, data: AutoinstallInput) -> dict[str, YamlValue]:
    release = release_of(profile.guest_os, profile.name)
    section: dict[str, YamlValue] = {
        "version": 1,
        "locale": "en_US.UTF-8",
        "keyboard": {"layout": "us"},
        "network": _network(data.network),
        "apt": _apt(release, data.repo or profile.repo),
        "identity": {
            "hostname": data.network.short_hostname,
            "username": data.username,
            "password": data.root_password_hash,  # a SHA-512 crypt hash: subiquity writes it as it is
        },
        "ssh": {"install-server": True, "authorized-keys": list(data.ssh_keys), "allow-pw": not data.ssh_keys},
        "timezone": _timezone(release, data.timezone),
        "storage": storage_section(data.firmware),
        "kernel": {"package": KERNEL_PACKAGE},
        "packages": [GUEST_UTILITIES_PACKAGE] if data.guest_utilities else [],
        "late-commands": _late_commands(),
    }
    if "shutdown" in section_keys(release):
        # Power off, not reboot: the VM's boot order still starts with the CD, which would boot the installer
        # again; the install plan detaches the seed and boots from the disk.
        section["shutdown"] = "poweroff"
    unknown = set(section) - section_keys(release)
    if unknown:  # a key this release's subiquity does not know: ignored by it, so a silent no-op
        raise GeneratedFileError(f"autoinstall keys {sorted(unknown)} are not in subiquity {release}'s schema")
    return section


def _network(net: GuestNetwork) -> dict[str, YamlValue]:
    match: dict[str, YamlValue] = {"macaddress": net.mac.lower()} if net.mac else {"driver": XEN_NIC_DRIVER}
    route: dict[str, YamlValue] = {"to": "0.0.0.0/0", "via": str(net.gateway)}  # `to: default` needs netplan 0.103
    if net.on_link_gateway:
        route["on-link"] = True  # a /32 address: the gateway is outside it, reached directly on the link
    nameservers: dict[str, YamlValue] = {"addresses": net.nameserver_list}
    if net.domain:
        nameservers["search"] = [net.domain]
    nic: dict[str, YamlValue] = {
        "match": match,
        "dhcp4": False,
        "dhcp6": False,
        "addresses": [f"{net.address}/{net.prefix}"],
        "routes": [route],
        "nameservers": nameservers,
    }
    return {"version": 2, "ethernets": {NETPLAN_ID: nic}}


def _apt(release: str, mirror: str) -> dict[str, YamlValue]:
    # geoip off: it would replace the archive with a country mirror found over the network.
    if "mirror-selection" in apt_keys(release):
        # 24.04: the mirror is chosen from candidates (the first that answers); one candidate, ours.
        return {"geoip": False, "mirror-selection": {"primary": [{"uri": mirror}]}}
    return {"geoip": False, "primary": [{"arches": ["default"], "uri": mirror}]}


# Names tzdata keeps as links for the one zone 20.04's list spells `UTC`.
_UTC_NAMES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"})


def _timezone(release: str, timezone: str) -> str:
    names = timezone_names(release)
    if names is None or timezone in names:
        return timezone
    if timezone in _UTC_NAMES and "UTC" in names:
        return "UTC"
    raise UsageError(
        f"time zone {timezone!r} is not one that Ubuntu {release}'s installer knows "
        "(its list has the canonical names, e.g. Europe/Kiev, America/New_York, UTC)"
    )


def _late_commands() -> list[YamlValue]:
    return [fstab_nobarrier_command()]


NOBARRIER_FSTAB = "/etc/fstab"  # in the installed system, where the command runs (curtin in-target)


def fstab_nobarrier_command() -> list[str]:
    """The late-command that adds `nobarrier` to the installed system's fstab, as an argv list.

    The script is the one POSIX sh/awk edit xenkit generates for every installer's late command
    (toolkit/generate/fstab_awk.py, held to `xenkit fstab nobarrier`'s rules by a differential test),
    run in the installed system as `sh -c SCRIPT NAME /etc/fstab`: an argv list, so subiquity runs it
    with no shell quoting in between.
    """
    from toolkit.generate.fstab_awk import nobarrier_script

    script = nobarrier_script()
    # --target named, not left to the TARGET_MOUNT_POINT that subiquity exports for late-commands.
    return ["curtin", "in-target", "--target=/target", "--", "sh", "-c", script, "xenkit-nobarrier", NOBARRIER_FSTAB]
