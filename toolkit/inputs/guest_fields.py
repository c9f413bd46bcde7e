"""A guest's fields, each declared once: site-file key, CLI option, default, check and help.

The guest commands (kickstart render, bootargs, vm install) make their options from these entries
(toolkit/cli/options.py), the site file takes its keys, types and required fields from them
(toolkit/site/load.py), and the generators' inputs take their defaults from them. A value is checked
by the same function whichever way it came in, under the name the user wrote: `--memory` on the
command line, `memory` in a site file.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from toolkit.errors import ValidationError
from toolkit.inputs.guest_field_type import GuestField, Kind

if TYPE_CHECKING:
    from pathlib import Path

    from toolkit.catalog.profiles import Profile
    from toolkit.catalog.xenserver import XenServerRelease

# The checks import their modules when first called: the CLI builds its options from this table at start-up.


def _label(name: str, value: str) -> str:
    from toolkit.inputs.safetext import check_label

    return check_label(name, value)


def _iso_file_name(name: str, value: str) -> str:
    from toolkit.inputs.safetext import check_iso_file_name

    return check_iso_file_name(name, value)


def _url(name: str, value: str) -> str:
    from toolkit.inputs.safetext import check_url

    return check_url(name, value)


def _vm_name(name: str, value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,62}", value):
        raise ValidationError(
            name, f"{value!r} must be 1-63 letters, digits, '.', '_' or '-' (it names a directory and a URL path)"
        )
    return value


def _site_profile(name: str, value: str) -> Profile:
    from toolkit.catalog.profiles import get_profile
    from toolkit.generate.answer_files import check_renderable

    return check_renderable(get_profile(value))


def _mac(name: str, value: str) -> str:
    from toolkit.inputs.mac import parse_mac

    return parse_mac(name, value)


def _firmware(name: str, value: str) -> str:
    if value not in ("bios", "uefi"):
        raise ValidationError(name, f"{value!r} is not a firmware; give bios or uefi")
    return value


def _password_hash(name: str, value: str) -> str:
    from toolkit.inputs.password import check_hash

    return check_hash(name, value)


def _timezone(name: str, value: str) -> str:
    from toolkit.inputs.timezones import parse_timezone

    return parse_timezone(name, value)


def _xenserver(name: str, value: str) -> XenServerRelease:
    from toolkit.catalog.xenserver import parse_release
    from toolkit.errors import UsageError

    try:
        return parse_release(value)
    except UsageError as exc:
        message = exc.message.replace("unknown XenServer release", "unknown release")
        raise ValidationError(name, message, exc.hint) from None


def _memory(name: str, value: str) -> int:
    from toolkit.inputs.sizes import parse_memory

    return parse_memory(name, value)


def _disk(name: str, value: str) -> int:
    from toolkit.inputs.sizes import parse_disk

    return parse_disk(name, value)


def _vcpus(name: str, value: int) -> int:
    from toolkit.inputs.sizes import parse_vcpus

    return parse_vcpus(name, value)


NAME = GuestField(
    key="name", about="VM name: also its output directory and the last part of its kickstart URL",
    check=_label, site_check=_vm_name, required=True, option="--name", help="Name (name-label) of the new VM.",
)
PROFILE = GuestField(  # on the command line the PROFILE argument, which each command looks up itself
    key="profile", about="install profile (xenkit kickstart list --all)", check=_site_profile, required=True,
)

# Checked together by toolkit.inputs.network.make_network, which takes them in this order.
HOSTNAME: GuestField[str] = GuestField(
    key="hostname", about="guest FQDN", required=True,
    option="--hostname", metavar="FQDN", help="Guest host name, e.g. web1.example.com.",
)
IP: GuestField[str] = GuestField(
    key="ip", about="ADDR/PREFIX", required=True, option="--ip", metavar="ADDR/PREFIX",
    help="Static IPv4 address with prefix or netmask: 192.0.2.10/24 or 192.0.2.10/255.255.255.0.",
)
GATEWAY: GuestField[str] = GuestField(
    key="gateway", about="default gateway", required=True,
    option="--gateway", metavar="ADDR", help="Default gateway; must be in the --ip subnet.",
)
NAMESERVERS: GuestField[list[str]] = GuestField(
    key="nameservers", about="list of DNS servers", kind=Kind.TEXT_LIST, required=True,
    option="--nameserver", metavar="ADDR", help="DNS server; repeat for more (at most 3).",
)
INTERFACE: GuestField[str] = GuestField(
    key="interface", about="guest interface", default="eth0",
    option="--interface", metavar="NAME|MAC",
    help="Guest network interface the installer configures: its name, or its MAC address (52:54:00:12:34:56).",
)
NETWORK_FIELDS = (HOSTNAME, IP, GATEWAY, NAMESERVERS, INTERFACE)
MAC = GuestField(
    key="mac", about="MAC address of the VM's network interface", check=_mac, option="--mac", metavar="MAC",
    help="MAC address of the VM's interface (vif-create mac=); the installer finds its NIC by it. "
         "vm install's default: 00:16:3e plus 3 bytes derived from --name.",
)
# An HVM install (toolkit/generate/vm_install_hvm.py): the install ISO and the seed volume, VDIs in ISO SRs by name.
ISO = GuestField(
    key="iso", about="name of the install ISO in an ISO SR", check=_label, option="--iso", metavar="NAME",
    help="HVM profiles: the install ISO, by its name in one of the pool's ISO SRs (e.g. Rocky-9.4-x86_64-boot.iso).",
)
SEED_ISO = GuestField(
    key="seed_iso", about="name of the seed volume's image in an ISO SR (default: <name>-seed.iso)", check=_label,
    site_check=_iso_file_name,  # the render writes the image under this name
    option="--seed-iso", metavar="NAME",
    help="HVM profiles: the seed volume's name in an ISO SR (default: NAME-seed.iso, NAME being --name).",
)
SEED: GuestField[Path] = GuestField(
    key="seed", about="seed image to upload (xenkit seed-volume's output)", kind=Kind.FILE,
    option="--seed", metavar="FILE",
    help="HVM profiles, with --host: upload this seed image (xenkit seed-volume) beside the install ISO first.",
)
FIRMWARE = GuestField(
    key="firmware", about="firmware the template boots: bios or uefi", check=_firmware, default="bios",
    option="--firmware", metavar="bios|uefi",
    help="Firmware of the VM's template: uefi adds an EFI system partition to the kickstart's layout.",
)

# Exactly one of the two (password_problem). A file's password is hashed when the guest is rendered.
PASSWORD_HASH = GuestField(
    key="password_hash", about="root password as a SHA-512 crypt hash", check=_password_hash, secret=True,
    option="--root-password-hash", dest="root_password_hash", metavar="HASH",
    help="A ready SHA-512 crypt hash ($6$...), e.g. from openssl passwd -6.",
)
PASSWORD_FILE: GuestField[Path] = GuestField(
    key="password_file", about="file holding the root password (relative to the site file)", kind=Kind.FILE,
    option="--root-password-file", dest="root_password_file", metavar="FILE",
    help="File whose first line is the root password; it is hashed (SHA-512 crypt, random salt).",
)
PASSWORD_FIELDS = (PASSWORD_HASH, PASSWORD_FILE)

SSH_KEYS: GuestField[tuple[Path, ...]] = GuestField(
    key="ssh_keys", about="list of public key files (relative to the site file)", kind=Kind.FILE_LIST, default=(),
    option="--ssh-key", dest="ssh_keys", metavar="FILE",
    help="OpenSSH public key file to authorize for root; repeatable.",
)
TIMEZONE = GuestField(
    key="timezone", about="Olson time zone name", check=_timezone, default="Etc/UTC",
    option="--timezone", help="Olson time zone name.",
)
TEMPLATE = GuestField(
    key="template", about="XenServer template (default: the profile's)", check=_label,
    option="--template", metavar="NAME", help="Template to install from (default: the profile's).",
)
XENSERVER = GuestField(
    key="xenserver", about="XenServer release of the pool (6.0.2, 8.2, 8.4 = XenServer 8, XCP-ng 8.3)",
    check=_xenserver, option="--xenserver", metavar="VERSION",
    help="XenServer release of the pool: 6.0.2, 8.2, 8.4 (= XenServer 8), \"XCP-ng 8.3\", ... It names the "
         "template and whether it installs PV or HVM; without it the plan tries each name the template has had.",
)
REPO = GuestField(
    key="repo", about="install repository URL (default: the profile's)", check=_url,
    option="--repo", metavar="URL", help="Install repository (default: the profile's).",
)
KS = GuestField(  # the command line's; a site file gives ks_url_base instead
    key="ks", about="kickstart (or preseed / NoCloud) URL", check=_url, required=True,
    option="--ks", dest="ks_url", metavar="URL", help="Kickstart (or preseed / NoCloud) URL for the boot arguments.",
)
KS_URL_BASE = GuestField(
    key="ks_url_base", about="URL where the output directory is served; the VM's kickstart is <base>/<name>/ks.cfg "
          "(preseed profiles: preseed.cfg)",
    check=_url, required=True,
)
NETWORK = GuestField(
    key="network", about="XenServer network name-label for the VIF", check=_label, required=True,
    option="--network", dest="network_name", metavar="NETWORK-NAME",
    help="name-label of the XenServer network for the VIF.",
)
MEMORY = GuestField(
    key="memory", about="memory size", check=_memory, default="2GiB",
    option="--memory", help="Memory (static and dynamic), e.g. 2GiB, 512MiB.",
)
VCPUS = GuestField(
    key="vcpus", about="number of vCPUs", kind=Kind.INT, check=_vcpus, default=2,
    option="--vcpus", help="Number of vCPUs (1-64).",
)
DISK = GuestField(
    key="disk", about="system disk size", check=_disk, default="20GiB",
    option="--disk", help="System disk size (grown after vm-install).",
)

XS_TOOLS: GuestField[bool] = GuestField(
    key="xs_tools", about="preseed profiles: install the XenServer tools from xs-tools.iso", kind=Kind.FLAG,
    default=False, option="--xs-tools",
    help="Install the XenServer guest tools (Linux/*.deb of xs-tools.iso in the VM's CD drive) at the end of "
         "the install.",
)

# A site file's [[vm]] entry, in the order its fields are checked and its problems reported.
SITE_FIELDS: tuple[GuestField[Any], ...] = (
    NAME, PROFILE, *NETWORK_FIELDS, *PASSWORD_FIELDS, SSH_KEYS, TIMEZONE, TEMPLATE, REPO, KS_URL_BASE, NETWORK,
    MEMORY, VCPUS, DISK, XS_TOOLS, XENSERVER, ISO, SEED_ISO,
)
