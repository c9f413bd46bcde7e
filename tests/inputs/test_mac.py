"""toolkit/inputs/mac.py: the MAC derived from a VM's name, a given MAC's check, and pinning a network to it."""

from __future__ import annotations

import pytest

from toolkit.errors import UsageError, ValidationError
from toolkit.inputs.mac import XEN_OUI, mac_for_vm, parse_mac, pinned_by_mac
from toolkit.inputs.network import make_network


def test_derived_mac_is_stable_unicast_and_xen_oui() -> None:
    mac = mac_for_vm("web1")
    assert mac == mac_for_vm("web1") and mac.startswith(XEN_OUI + ":") and len(mac) == 17
    assert int(mac[:2], 16) & 1 == 0
    assert mac_for_vm("web2") != mac and mac_for_vm("wéb 1") != mac  # names are data: any UTF-8


@pytest.mark.parametrize(("text", "expected"), [("00:16:3E:AA:bb:01", "00:16:3e:aa:bb:01"),
                                                ("00-16-3e-aa-bb-01", "00:16:3e:aa:bb:01")])
def test_parse_mac(text: str, expected: str) -> None:
    assert parse_mac("--mac", text) == expected


@pytest.mark.parametrize(("text", "shown"), [("eth0", "is not a MAC address"), ("01:00:5e:00:00:01", "multicast"),
                                             ("00:16:3e:00:00", "neither")])
def test_bad_mac(text: str, shown: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_mac("--mac", text)
    assert str(caught.value).startswith("--mac: ") and shown in str(caught.value)


def test_pinning_replaces_a_name_and_refuses_another_mac() -> None:
    net = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    assert pinned_by_mac(net, "00:16:3e:00:00:01").mac == "00:16:3e:00:00:01"
    by_mac = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"], "00:16:3e:00:00:02")
    with pytest.raises(UsageError, match="differ"):
        pinned_by_mac(by_mac, "00:16:3e:00:00:01")
