"""The stock state of the `xe` simulator (tests/support/xe_sim/xe_sim.py): a one-host pool of one release.

The release (6.0.2 by default, 8.4 = XenServer 8, xcp-ng-8.3) names the host's software-version and the stock
templates (xe_sim_templates.py). XenServer itself cannot run here, so this is data written from the shipped
objects as far as the project knows them: one host, its pool, two pool-wide networks plus the host-internal
one, the local LVM SR, the DVD and tools ISO SRs with their PBDs, the control domain, and the release's stock
templates; plus one site-made SR, a shared NFS ISO library (ISO_LIBRARY) to import the DDK from (tests make
its /var/run/sr-mount/<uuid> directory in a private mount namespace). There is no Ubuntu 12.04 ("Precise
Pangolin") template: 6.0.2 had none, and tests make it by cloning the Lucid one. Uuids are uuid5 of a name, so
the stock state is the same on every run. Values the project does not know exactly (memory sizes, platform
flags, SR sizes) are plausible, not quoted. Records hold only the fields that differ from the empty default;
the simulator fills in the rest from xe's command table. Standard library only: the simulator may run it with
any python3.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from .xe_sim_templates import DEFAULT_RELEASE, HOSTS, stock_templates

Record = dict[str, Any]

HOST_NAME = "xenserver1"
GIB = 2**30
MIB = 2**20
NETWORK_ETH0 = "Pool-wide network associated with eth0"
NETWORK_ETH1 = "Pool-wide network associated with eth1"
ISO_LIBRARY = "NFS ISO library"  # a shared NFS ISO SR; dom0 would mount it at /var/run/sr-mount/<its uuid>
_NAMESPACE = uuid.UUID("6a3c8e52-0f0e-4d52-9a53-5e1f2b7c0602")

STOCK_TEMPLATES: dict[str, Record] = stock_templates(DEFAULT_RELEASE)  # 6.0.2's: what older tests know


def stock_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


VM_BASE: Record = {
    "user-version": "1", "power-state": "halted", "is-a-template": "true", "is-default-template": "true",
    "is-a-snapshot": "false", "is-control-domain": "false", "VCPUs-max": "1", "VCPUs-at-startup": "1",
    "actions-after-shutdown": "destroy", "actions-after-reboot": "restart", "actions-after-crash": "restart",
    "actions-after-softreboot": "soft_reboot", "HVM-shadow-multiplier": "1.000", "dom-id": "-1",
    "ha-always-run": "false", "has-vendor-device": "false", "start-delay": "0", "shutdown-delay": "0",
    "order": "0", "hvm": "false",
}


def stock_state(release: str = DEFAULT_RELEASE, extras: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A fresh copy of the stock state of `release`: {"release": ..., "objects": {class: {uuid: record}},
    "counters": {...}}; `extras` as xe_sim_templates.stock_templates takes them."""
    brand, version, (api_major, api_minor), _table = HOSTS[release]
    host = stock_uuid("host", HOST_NAME)
    objects: dict[str, dict[str, Record]] = {k: {} for k in ("pool", "host", "network", "sr", "pbd", "vdi",
                                                             "vm", "vbd", "vif")}

    def add(kind: str, key: str, record: Record) -> str:
        uid = stock_uuid(kind, key)
        objects[kind][uid] = {"uuid": uid, **record}
        return uid

    add("host", HOST_NAME, {
        "name-label": HOST_NAME, "hostname": HOST_NAME, "address": "192.0.2.1", "enabled": "true",
        "multipathing": "false", "other-config": {}, "edition": "free", "API-version-major": api_major,
        "API-version-minor": api_minor, "API-version-vendor": "XenSource",
        "software-version": {"product_brand": brand, "product_version": version,
                             "xapi": "1.3" if release == "6.0.2" else "25.6"},
        "memory-total": str(32 * GIB), "memory-free": str(31 * GIB),
    })
    for eth in ("eth0", "eth1"):
        add("network", eth, {"name-label": f"Pool-wide network associated with {eth}", "bridge": f"xenbr{eth[-1]}",
                             "MTU": "1500", "managed": "true", "default-locking-mode": "unlocked"})
    add("network", "xenapi", {
        "name-label": "Host internal management network", "bridge": "xenapi", "MTU": "1500", "managed": "true",
        "name-description": "Network on which guests will be assigned a private link-local IP address which "
                            "can be used to talk XenAPI",
        "other-config": {"is_guest_installer_network": "true", "is_host_internal_management_network": "true"},
        "default-locking-mode": "unlocked",
    })
    srs = {
        "Local storage": ("lvm", "user", {"device": "/dev/sda3"}, str(460 * GIB)),
        "DVD drives": ("udev", "iso", {"location": "/dev/xapi/cd"}, "0"),
        "XenServer Tools": ("iso", "iso", {"location": "/opt/xensource/packages/iso", "legacy_mode": "true"},
                            str(60 * MIB)),
        ISO_LIBRARY: ("iso", "iso", {"location": "192.0.2.2:/export/iso"}, str(200 * GIB)),
    }
    for name, (sr_type, content, device_config, size) in srs.items():
        tools = name == "XenServer Tools"
        sr = add("sr", name, {
            "name-label": name, "type": sr_type, "content-type": content, "shared": str(name == ISO_LIBRARY).lower(),
            "physical-size": size, "is-tools-sr": str(tools).lower(),
            "other-config": {"xenserver_tools_sr": "true"} if tools else {},
            "name-description": "XenServer Tools ISOs" if tools else "",
        })
        add("pbd", name, {"host-uuid": host, "sr-uuid": sr, "device-config": device_config,
                          "currently-attached": "true"})
        if tools:
            add("vdi", "xs-tools.iso", {
                "name-label": "xs-tools.iso", "sr-uuid": sr, "virtual-size": str(50 * MIB), "type": "user",
                "read-only": "true", "sharable": "true", "is-tools-iso": "true", "location": "xs-tools.iso",
                "managed": "true", "on-boot": "persist", "allow-caching": "false",
            })
    add("pool", "pool", {"name-label": "", "master": host, "default-SR": stock_uuid("sr", "Local storage"),
                         "other-config": {}})
    add("vm", "dom0", {
        **VM_BASE, "name-label": f"Control domain on host: {HOST_NAME}", "is-a-template": "false",
        "is-default-template": "false", "is-control-domain": "true", "power-state": "running", "dom-id": "0",
        "resident-on": host, "memory-static-max": str(752 * MIB), "memory-dynamic-max": str(752 * MIB),
        "memory-dynamic-min": str(752 * MIB), "memory-static-min": str(752 * MIB), "VCPUs-max": "4",
        "VCPUs-at-startup": "4", "domain-type": "pv",
    })
    for name, template in stock_templates(release, extras).items():
        record = {**VM_BASE, "name-label": name, **template}
        record["hvm"] = str(record["domain-type"] == "hvm").lower()
        add("vm", name, record)
    return copy.deepcopy({"release": release, "objects": objects, "counters": {"dom-id": 0}})
