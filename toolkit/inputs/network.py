"""Validated network values for a guest: address/prefix, gateway in the subnet, hostname, nameservers."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.errors import ValidationError
from toolkit.inputs.guest_fields import INTERFACE

MAX_NAMESERVERS = 3  # resolv.conf reads three; anaconda and d-i take no more either
_LABEL = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")
DEFAULT_DEVICE = INTERFACE.default_value()
_IFACE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,14}$")


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


def make_network(
    hostname: str, ip: str, gateway: str, nameservers: Sequence[str], device: str = DEFAULT_DEVICE
) -> GuestNetwork:
    """Check every value and how they fit together; raise ValidationError naming the first bad one."""
    host = parse_hostname("hostname", hostname)
    interface = parse_interface("ip", ip)
    gw = parse_address("gateway", gateway)
    if gw not in interface.network:
        raise ValidationError(
            "gateway", f"{gw} is outside the subnet {interface.network} of {interface.ip}",
            hint="the gateway must be reachable on the guest's own subnet",
        )
    if interface.network.prefixlen <= 30 and gw in (
        interface.network.network_address, interface.network.broadcast_address,
    ):
        raise ValidationError("gateway", f"{gw} is the network or broadcast address of {interface.network}")
    if gw == interface.ip:
        raise ValidationError("gateway", f"{gw} is the guest's own address")
    if not nameservers:
        raise ValidationError("nameserver", "at least one is required")
    if len(nameservers) > MAX_NAMESERVERS:
        raise ValidationError("nameserver", f"{len(nameservers)} given; at most {MAX_NAMESERVERS} are allowed")
    servers = tuple(parse_address("nameserver", ns) for ns in nameservers)
    for index, server in enumerate(servers):
        if server in servers[:index]:
            raise ValidationError("nameserver", f"{server} is given twice")
    return GuestNetwork(host, interface, gw, servers, parse_device("interface", device))
