"""toolkit.inputs.network: the NIC by name or MAC, a /32 with an on-link gateway, fields named as written."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import fails
from toolkit.inputs.guest_field_type import option_name
from toolkit.inputs.network import make_network, parse_nic

ARGS = ("web01.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])


@pytest.mark.parametrize(
    ("text", "nic"),
    [("eth0", "eth0"), ("ens3", "ens3"), ("52:54:00:AB:cd:EF", "52:54:00:ab:cd:ef"),
     ("52-54-00-ab-cd-ef", "52:54:00:ab:cd:ef"), ("fe:ff:ff:ff:ff:ff", "fe:ff:ff:ff:ff:ff")],
)
def test_interface_name_or_mac(text: str, nic: str) -> None:
    assert parse_nic("interface", text) == nic
    network = make_network(*ARGS, text)
    assert network.device == nic
    assert network.mac == (nic if ":" in nic else None)


@pytest.mark.parametrize(
    "text", ["52:54:00:ab:cd", "52:54:00:ab:cd:ef:01", "52:54-00:ab:cd:ef", "52:54:00:ab:cd:eg", "5254.00ab.cdef",
             "52:54:00:ab:cd:ef\n", "eth0:1"],
)
def test_not_a_name_nor_a_mac(text: str) -> None:
    fails(lambda: parse_nic("interface", text), "interface", repr(text), "neither an interface name", "MAC")


@pytest.mark.parametrize("text", ["01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "00:00:00:00:00:00", "33-33-00-00-00-01"])
def test_multicast_or_null_mac(text: str) -> None:
    fails(lambda: parse_nic("interface", text), "interface", "multicast or null MAC")


def test_on_link_gateway_only_for_a_32_and_only_when_asked() -> None:
    network = make_network("h.example.com", "203.0.113.7/32", "203.0.113.1", ["192.0.2.53"], on_link_gateway=True)
    assert network.on_link_gateway and network.netmask == "255.255.255.255"
    error = fails(lambda: make_network("h.example.com", "203.0.113.7/32", "203.0.113.1", ["192.0.2.53"]),
                  "gateway", "outside the subnet 203.0.113.7/32")
    assert "on-link" not in (error.hint or "")
    error = fails(lambda: make_network("h.example.com", "203.0.113.7/31", "203.0.113.1", ["192.0.2.53"],
                                       on_link_gateway=True), "gateway", "outside the subnet")
    assert "a /32 address may have an on-link gateway" in (error.hint or "")
    assert not make_network(*ARGS).on_link_gateway


@pytest.mark.parametrize(
    ("args", "field"),
    [((ARGS[0], "192.0.2.300/24", *ARGS[2:]), "--ip"), ((*ARGS[:2], "10.0.0.1", ARGS[3]), "--gateway"),
     (("a_b", *ARGS[1:]), "--hostname"), ((*ARGS[:3], []), "--nameserver"), ((*ARGS, "eth 0"), "--interface")],
)
def test_errors_name_the_option_on_the_command_line(args: tuple[Any, ...], field: str) -> None:
    fails(lambda: make_network(*args, spell=option_name), field)
