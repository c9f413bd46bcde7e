"""toolkit.inputs.network: a guest's static IPv4 settings, each value and how they fit together."""

from __future__ import annotations

import ipaddress
from typing import TypedDict, Unpack

import pytest

from tests.conftest import fails
from toolkit.inputs.network import (
    GuestNetwork,
    make_network,
    parse_address,
    parse_device,
    parse_hostname,
    parse_interface,
)


class NetworkArgs(TypedDict, total=False):
    """make_network's arguments, by name."""

    hostname: str
    ip: str
    gateway: str
    nameservers: list[str]
    device: str


GOOD: NetworkArgs = {"hostname": "web01.example.com", "ip": "192.0.2.10/24", "gateway": "192.0.2.1",
                     "nameservers": ["192.0.2.53"]}


def net(**changes: Unpack[NetworkArgs]) -> GuestNetwork:
    args: NetworkArgs = {**GOOD, **changes}
    return make_network(**args)


# --- good values ---------------------------------------------------------------------------------


def test_make_network_derives_every_property() -> None:
    n = make_network("Web01.Example.COM.", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53", "198.51.100.53"], "ens3")
    assert n.hostname == "web01.example.com"
    assert n.short_hostname == "web01"
    assert n.domain == "example.com"
    assert n.address == "192.0.2.10"
    assert n.netmask == "255.255.255.0"
    assert n.prefix == 24
    assert n.gateway == ipaddress.IPv4Address("192.0.2.1")
    assert n.nameserver_list == ["192.0.2.53", "198.51.100.53"]
    assert n.device == "ens3"


def test_default_device_and_bare_hostname() -> None:
    n = net(hostname="db")
    assert n.device == "eth0"
    assert (n.short_hostname, n.domain) == ("db", "")


@pytest.mark.parametrize(
    ("text", "netmask", "prefix"),
    [
        ("10.1.2.3/255.255.0.0", "255.255.0.0", 16),
        ("10.1.2.3/16", "255.255.0.0", 16),
        ("172.16.5.5/255.255.255.252", "255.255.255.252", 30),
        ("192.0.2.10/255.255.255.128", "255.255.255.128", 25),
        ("192.0.2.0/31", "255.255.255.254", 31),  # point-to-point: both addresses are hosts
        ("192.0.2.9/32", "255.255.255.255", 32),
        ("10.0.0.1/1", "128.0.0.0", 1),
    ],
)
def test_interface_prefix_and_netmask_forms(text: str, netmask: str, prefix: int) -> None:
    iface = parse_interface("ip", text)
    assert str(iface.netmask) == netmask
    assert iface.network.prefixlen == prefix
    assert str(iface.ip) == text.split("/")[0]


@pytest.mark.parametrize("count", [1, 2, 3])
def test_one_to_three_nameservers(count: int) -> None:
    servers = [f"198.51.100.{i}" for i in range(1, count + 1)]
    assert net(nameservers=servers).nameserver_list == servers


def test_longest_allowed_hostname() -> None:
    name = ".".join(["a" * 63] * 3 + ["b" * 61])
    assert len(name) == 253
    assert parse_hostname("hostname", name) == name
    assert parse_hostname("hostname", name + ".") == name  # the root dot does not count


@pytest.mark.parametrize("name", ["eth0", "ens3", "enp0s3", "br-lan.10", "bond0_1", "a" * 15])
def test_good_devices(name: str) -> None:
    assert parse_device("interface", name) == name


# --- bad addresses -------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["192.0.2.300", "1.2.3", "abc", "01.2.3.4", "", "1.2.3.4.5", " 1.2.3.4"])
def test_malformed_addresses(text: str) -> None:
    fails(lambda: parse_address("gateway", text), "gateway", repr(text), "not an IPv4 address")


@pytest.mark.parametrize("text", ["2001:db8::1", "::1", "fe80::1"])
def test_ipv6_address_is_named_as_such(text: str) -> None:
    fails(lambda: parse_address("gateway", text), "gateway", text, "IPv6")


def test_ipv6_interface_is_named_as_such() -> None:
    fails(lambda: net(ip="2001:db8::10/64"), "ip", "2001:db8::10", "IPv6")


@pytest.mark.parametrize("text", ["0.0.0.0", "127.0.0.1", "127.9.9.9", "224.0.0.1", "239.1.2.3", "240.0.0.1",
                                  "255.255.255.255"])
def test_unusable_host_addresses(text: str) -> None:
    fails(lambda: parse_address("nameserver", text), "nameserver", text)
    fails(lambda: net(ip=f"{text}/24"), "ip", text)


@pytest.mark.parametrize("text", ["192.0.2.10/0", "192.0.2.10/33", "192.0.2.10/99"])
def test_prefix_out_of_range(text: str) -> None:
    fails(lambda: parse_interface("ip", text), "ip", text, "out of range")


@pytest.mark.parametrize("mask", ["255.0.255.0", "0.0.0.255", "0.0.0.0", "255.255.255.1", "127.0.0.0"])
def test_not_a_netmask(mask: str) -> None:
    fails(lambda: parse_interface("ip", f"192.0.2.10/{mask}"), "ip", mask, "not a netmask")


@pytest.mark.parametrize("text", ["192.0.2.10", "192.0.2.10/", "192.0.2.10/x", "192.0.2.10/24/8", "192.0.2.10/ 24"])
def test_missing_or_garbage_prefix(text: str) -> None:
    fails(lambda: parse_interface("ip", text), "ip", repr(text))


@pytest.mark.parametrize(
    ("text", "which"),
    [("192.0.2.0/24", "network"), ("192.0.2.255/24", "broadcast"), ("10.0.0.0/255.0.0.0", "network"),
     ("192.0.2.3/30", "broadcast")],
)
def test_network_or_broadcast_address_as_host(text: str, which: str) -> None:
    fails(lambda: net(ip=text), "ip", text.split("/")[0], which)


@pytest.mark.parametrize("mask", ["\u00b2", "\u0662\u0664", "\uff12\uff14"])  # superscript, Arabic, fullwidth
def test_non_ascii_digit_prefix_is_a_validation_error(mask: str) -> None:
    fails(lambda: parse_interface("ip", f"192.0.2.10/{mask}"), "ip", mask)


# --- how the values fit together -----------------------------------------------------------------


@pytest.mark.parametrize("gateway", ["192.0.3.1", "10.0.0.1", "192.0.2.129"])
def test_gateway_outside_subnet(gateway: str) -> None:
    ip = "192.0.2.10/25" if gateway.endswith("129") else "192.0.2.10/24"
    fails(lambda: net(ip=ip, gateway=gateway), "gateway", gateway, "outside the subnet")


@pytest.mark.parametrize("gateway", ["192.0.2.0", "192.0.2.255"])
def test_gateway_network_or_broadcast(gateway: str) -> None:
    fails(lambda: net(gateway=gateway), "gateway", gateway)


def test_gateway_is_own_address() -> None:
    fails(lambda: net(gateway="192.0.2.10"), "gateway", "192.0.2.10", "own address")


@pytest.mark.parametrize("gateway", ["1.2.3", "127.0.0.1", "2001:db8::1"])
def test_bad_gateway_value(gateway: str) -> None:
    fails(lambda: net(gateway=gateway), "gateway", gateway)


def test_no_nameserver() -> None:
    fails(lambda: net(nameservers=[]), "nameservers", "required")


def test_four_nameservers() -> None:
    fails(lambda: net(nameservers=[f"198.51.100.{i}" for i in range(1, 5)]), "nameservers", "4", "at most 3")


@pytest.mark.parametrize("bad", ["198.51.100.300", "127.0.0.53", "::1"])
def test_bad_nameserver(bad: str) -> None:
    fails(lambda: net(nameservers=["198.51.100.1", bad]), "nameservers", bad)


@pytest.mark.parametrize(
    "servers", [["198.51.100.7", "198.51.100.7"], ["198.51.100.1", "198.51.100.7", "198.51.100.7"],
                ["198.51.100.7", "198.51.100.1", "198.51.100.7"]]
)
def test_duplicate_nameserver(servers: list[str]) -> None:
    fails(lambda: net(nameservers=servers), "nameservers", "198.51.100.7", "twice")


def test_first_bad_value_is_reported() -> None:
    fails(lambda: make_network("bad_name", "1.2.3", "x", []), "hostname", "bad_name")


# --- hostnames and devices -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["web_01", "-web", "web-", "web..example.com", ".example.com", "a" * 64, "a" * 64 + ".example.com",
     "example.123", "1.2.3.4", "web 01", "wéb", "web;reboot", "", ".", "web.example.com.."],
)
def test_bad_hostnames(name: str) -> None:
    fails(lambda: parse_hostname("hostname", name), "hostname", repr(name))
    fails(lambda: net(hostname=name), "hostname", repr(name))


def test_hostname_too_long() -> None:
    name = ".".join(["a" * 63] * 3 + ["b" * 62])
    assert len(name) == 254
    fails(lambda: parse_hostname("hostname", name), "hostname", "253")


def test_label_of_63_ok_64_not() -> None:
    assert parse_hostname("hostname", "a" * 63 + ".example.com").startswith("a" * 63)
    fails(lambda: parse_hostname("hostname", "b" * 64 + ".example.com"), "hostname", "b" * 64)


@pytest.mark.parametrize("name", ["web01\n", "web01.example.com\n", "web01\n.example.com"])
def test_hostname_with_newline_rejected(name: str) -> None:
    fails(lambda: parse_hostname("hostname", name), "hostname", "web01")


@pytest.mark.parametrize("name", ["", "0eth", "-eth0", "eth 0", "eth0;reboot", "eth/0", "a" * 16, "éth0"])
def test_bad_devices(name: str) -> None:
    fails(lambda: parse_device("interface", name), "interface", repr(name))
    fails(lambda: net(device=name), "interface", repr(name))


def test_device_with_trailing_newline_rejected() -> None:  # '$' alone would match before the newline
    fails(lambda: parse_device("interface", "eth0\n"), "interface", "eth0")
