"""Validated network values for a guest: address/prefix, gateway in the subnet, hostname, nameservers.

The guest's NIC is an interface name or, where the installer can find it that way, a MAC address. A /32
address may have a gateway outside it (reached on-link) when the caller says the target handles that;
which installers do is toolkit/generate/installer_fit.py's business.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.errors import ValidationError
from toolkit.inputs.guest_field_type import Spelling, site_key
from toolkit.inputs.guest_fields import GATEWAY, HOSTNAME, INTERFACE, IP, NAMESERVERS

MAX_NAMESERVERS = 3  # resolv.conf reads three; anaconda and d-i take no more either
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DEFAULT_DEVICE = INTERFACE.default_value()
_IFACE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,14}$")
_MAC = re.compile(r"^[0-9A-Fa-f]{2}(?:([:-])[0-9A-Fa-f]{2})(?:\1[0-9A-Fa-f]{2}){4}$")


@dataclass(frozen=True)
class GuestNetwork:
    """A guest's static IPv4 configuration, every part checked against the others."""

    hostname: str
    interface: ipaddress.IPv4Interface
    gateway: ipaddress.IPv4Address
    nameservers: tuple[ipaddress.IPv4Address, ...]
    device: str = DEFAULT_DEVICE

    @property
    def address(self) -> str:
        return str(self.interface.ip)

    @property
    def netmask(self) -> str:
        return str(self.interface.netmask)

    @property
    def prefix(self) -> int:
        return self.interface.network.prefixlen

    @property
    def short_hostname(self) -> str:
        return self.hostname.split(".", 1)[0]

    @property
    def domain(self) -> str:
        return self.hostname.split(".", 1)[1] if "." in self.hostname else ""

    @property
    def nameserver_list(self) -> list[str]:
        return [str(ns) for ns in self.nameservers]

    @property
    def mac(self) -> str | None:
        """The NIC's MAC address, when the guest's interface was given as one."""
        return self.device if _MAC.fullmatch(self.device) else None

    @property
    def on_link_gateway(self) -> bool:
        """True for a /32 address whose gateway is outside it: reached by a route to it on the NIC."""
        return self.gateway not in self.interface.network


def parse_interface(field: str, text: str) -> ipaddress.IPv4Interface:
    """`ADDR/PREFIX` or `ADDR/NETMASK`; a host address of its subnet (not network or broadcast)."""
    if "/" not in text:
        raise ValidationError(field, f"{text!r} has no prefix", hint="write it as ADDR/PREFIX, e.g. 192.0.2.10/24")
    addr_text, mask_text = text.split("/", 1)
    address = parse_address(field, addr_text)
    prefix = _parse_prefix(field, text, mask_text)
    interface = ipaddress.IPv4Interface((address, prefix))
    network = interface.network
    if prefix <= 30 and address in (network.network_address, network.broadcast_address):
        which = "network" if address == network.network_address else "broadcast"
        raise ValidationError(field, f"{address} is the {which} address of {network}, not a host address")
    return interface


def _parse_prefix(field: str, whole: str, mask_text: str) -> int:
    if mask_text.isascii() and mask_text.isdigit():
        prefix = int(mask_text)
        if not 1 <= prefix <= 32:
            raise ValidationError(field, f"{whole!r}: prefix /{mask_text} is out of range (1 to 32)")
        return prefix
    try:
        mask = ipaddress.IPv4Address(mask_text)
    except ValueError:
        raise ValidationError(field, f"{whole!r}: {mask_text!r} is neither a prefix length nor a netmask") from None
    bits = int(mask)
    inverted = ~bits & 0xFFFFFFFF
    # A netmask is ones then zeros; ipaddress would also take a host mask (0.0.0.255), which we do not.
    if bits == 0 or inverted & (inverted + 1):
        raise ValidationError(field, f"{whole!r}: {mask_text} is not a netmask (ones followed by zeros)")
    return 32 - inverted.bit_length()


def parse_address(field: str, text: str) -> ipaddress.IPv4Address:
    """A unicast IPv4 address a host can have (no 0.0.0.0, loopback, multicast or broadcast)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        raise ValidationError(field, f"{text!r} is not an IPv4 address") from None
    if address.version != 4:
        raise ValidationError(field, f"{text!r} is IPv6; only IPv4 static addresses are supported")
    assert isinstance(address, ipaddress.IPv4Address)
    if address.is_unspecified or address.is_loopback or address.is_multicast or address.is_reserved:
        raise ValidationError(
            field, f"{text} is not a usable host address (unspecified, loopback, multicast or reserved)"
        )
    if address == ipaddress.IPv4Address("255.255.255.255"):
        raise ValidationError(field, f"{text} is the broadcast address")
    return address


def parse_hostname(field: str, text: str) -> str:
    """An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens."""
    name = text[:-1] if text.endswith(".") else text
    if not name or len(name) > 253:
        raise ValidationError(field, f"{text!r} is not a host name (1 to 253 characters)")
    labels = name.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise ValidationError(
                field,
                f"{text!r} is not a valid host name: label {label!r} must be 1-63 letters, digits or "
                "inner hyphens",
            )
    if labels[-1].isdigit():
        raise ValidationError(field, f"{text!r} is not a host name (its last label is all digits)")
    return name.lower()


def parse_device(field: str, text: str) -> str:
    """A Linux network interface name such as eth0 (at most 15 characters)."""
    if not _IFACE.fullmatch(text):
        raise ValidationError(field, f"{text!r} is not an interface name (e.g. eth0; letters, digits, . _ -)")
    return text


def parse_nic(field: str, text: str) -> str:
    """An interface name (eth0), or the NIC's MAC address (lower case, ':'-separated) when one is given."""
    if not _MAC.fullmatch(text):
        if not _IFACE.fullmatch(text):
            raise ValidationError(
                field, f"{text!r} is neither an interface name (e.g. eth0; letters, digits, . _ -) "
                "nor a MAC address (e.g. 52:54:00:12:34:56)",
            )
        return text
    mac = text.lower().replace("-", ":")
    if int(mac[:2], 16) & 1 or mac == "00:00:00:00:00:00":
        raise ValidationError(field, f"{text} is a multicast or null MAC address, which no NIC has")
    return mac


def make_network(
    hostname: str, ip: str, gateway: str, nameservers: Sequence[str], device: str = DEFAULT_DEVICE,
    *, on_link_gateway: bool = False, spell: Spelling = site_key,
) -> GuestNetwork:
    """Check every value and how they fit together; raise ValidationError naming the first bad one.

    `spell` names each field as the user wrote it (`--ip` on the command line, `ip` in a site file).
    With `on_link_gateway`, a /32 address may have its gateway outside it.
    """
    host = parse_hostname(spell(HOSTNAME), hostname)
    interface = parse_interface(spell(IP), ip)
    gw = parse_address(spell(GATEWAY), gateway)
    if gw not in interface.network and not (on_link_gateway and interface.network.prefixlen == 32):
        raise ValidationError(
            spell(GATEWAY), f"{gw} is outside the subnet {interface.network} of {interface.ip}",
            hint="the gateway must be reachable on the guest's own subnet"
            + (" (a /32 address may have an on-link gateway)" if on_link_gateway else ""),
        )
    if interface.network.prefixlen <= 30 and gw in (
        interface.network.network_address, interface.network.broadcast_address,
    ):
        raise ValidationError(spell(GATEWAY), f"{gw} is the network or broadcast address of {interface.network}")
    if gw == interface.ip:
        raise ValidationError(spell(GATEWAY), f"{gw} is the guest's own address")
    if not nameservers:
        raise ValidationError(spell(NAMESERVERS), "at least one is required")
    if len(nameservers) > MAX_NAMESERVERS:
        raise ValidationError(
            spell(NAMESERVERS), f"{len(nameservers)} given; at most {MAX_NAMESERVERS} are allowed"
        )
    servers = tuple(parse_address(spell(NAMESERVERS), ns) for ns in nameservers)
    for index, server in enumerate(servers):
        if server in servers[:index]:
            raise ValidationError(spell(NAMESERVERS), f"{server} is given twice")
    return GuestNetwork(host, interface, gw, servers, parse_nic(spell(INTERFACE), device))
