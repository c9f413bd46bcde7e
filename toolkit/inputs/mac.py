"""A guest NIC's MAC address: the one given, or one derived from the VM's name in Xen's OUI.

The install plan sets the VIF's MAC (xe vif-create mac=...), so the installer can be told which NIC to configure
by its MAC (dracut ifname=, kickstart network --device=MAC) instead of by a name that depends on the guest's udev
and systemd (eth0 on EL7/EL8, enX0 on current Fedora and EL9). Derived from the name, the same VM gets the same
MAC in the plan, its kickstart and its seed volume, however often and wherever they are rendered.
"""

from __future__ import annotations

import dataclasses
import hashlib

from toolkit.inputs.network import GuestNetwork, parse_nic

XEN_OUI = "00:16:3e"  # IEEE OUI of the Xen project: xend and libxl hand out MACs from it


def mac_for_vm(name: str) -> str:
    """00:16:3e plus three bytes of the name's SHA-256: stable, and unlikely to collide within a pool."""
    digest = hashlib.sha256(name.encode("utf-8")).digest()
    return ":".join([XEN_OUI, *(f"{byte:02x}" for byte in digest[:3])])


def parse_mac(field: str, text: str) -> str:
    """A unicast MAC address, lower case and ':'-separated; anything else a ValidationError naming `field`."""
    from toolkit.errors import ValidationError

    value = parse_nic(field, text)
    if ":" not in value:  # parse_nic took it for an interface name
        raise ValidationError(field, f"{text!r} is not a MAC address (e.g. 00:16:3e:12:34:56)")
    return value


def pinned_by_mac(network: GuestNetwork, mac: str) -> GuestNetwork:
    """`network` with its NIC named by `mac`: the installer finds it by its address, whatever the kernel calls it."""
    if network.mac is not None and network.mac != mac:
        from toolkit.errors import UsageError

        raise UsageError(f"--interface {network.mac} and the VIF's MAC {mac} differ; give one of them")
    return dataclasses.replace(network, device=mac)
