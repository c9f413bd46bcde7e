"""The stock state of the `xe` simulator (tests/support/xe_sim/xe_sim.py): a one-host XenServer 6.0.2 pool.

XenServer itself cannot run here, so this is data written from XenServer 6.0.2's shipped objects as far as the
project knows them: one host, its pool, two pool-wide networks plus the host-internal one, the local LVM SR,
the DVD and tools ISO SRs with their PBDs, the control domain, and the stock templates the admin's blog
started from; plus one site-made SR, a shared NFS ISO library (ISO_LIBRARY) to import the DDK from (tests make
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

Record = dict[str, Any]

HOST_NAME = "xenserver1"
GIB = 2**30
MIB = 2**20
NETWORK_ETH0 = "Pool-wide network associated with eth0"
NETWORK_ETH1 = "Pool-wide network associated with eth1"
ISO_LIBRARY = "NFS ISO library"  # a shared NFS ISO SR; dom0 would mount it at /var/run/sr-mount/<its uuid>
_NAMESPACE = uuid.UUID("6a3c8e52-0f0e-4d52-9a53-5e1f2b7c0602")

DEBIAN_DESCRIPTION = (
    "Template that allows VM installation from Xen-aware Debian-based distros. To use this template from the "
    "CLI, install your VM using vm-install, then set other-config-install-repository to the path to your "
    "network repository, e.g. http://<server>/<path> or nfs:server:/<path>"
)
EL_DESCRIPTION = DEBIAN_DESCRIPTION.replace("Debian-based", "EL-based")


def stock_uuid(kind: str, name: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{kind}:{name}"))


def disks_xml(size: int) -> str:
    """other-config:disks of a template: what vm-install provisions."""
    return f'<provision><disk device="0" size="{size}" sr="" bootable="true" type="system"/></provision>'


def _linux(name: str, arch: str, family: str, release: str = "") -> tuple[str, Record]:
    """A PV Linux installer template (eliloader boots the distribution's installer)."""
    debianlike = family == "debianlike"
    other_config = {
        "install-methods": "cdrom,http,ftp" if debianlike else "cdrom,nfs,http,ftp",
        "install-arch": arch,
        "install-distro": family,
        "disks": disks_xml(8 * GIB),
        "linux_template": "true",
        "default_template": "true",
    }
    if release:
        other_config["debian-release"] = release
    static_min = 128 * MIB if debianlike else 512 * MIB
    return name, {
        "name-description": DEBIAN_DESCRIPTION if debianlike else EL_DESCRIPTION,
        "PV-bootloader": "eliloader",
        "PV-args": "-- quiet console=hvc0" if debianlike else "graphical utf8",
        "domain-type": "pv",
        "platform": {"nx": "false", "acpi": "true", "apic": "true", "pae": "true", "viridian": "false"},
        "other-config": other_config,
        "memory-static-min": str(static_min),
        "memory-dynamic-min": str(512 * MIB),
        "memory-dynamic-max": str(512 * MIB),
        "memory-static-max": str(512 * MIB),
    }


def _hvm(name: str, disk: int, memory: int, platform: Record, description: str) -> tuple[str, Record]:
    return name, {
        "name-description": description,
        "HVM-boot-policy": "BIOS order",
        "HVM-boot-params": {"order": "dc"},
        "domain-type": "hvm",
        "platform": platform,
        "other-config": {"install-methods": "cdrom", "disks": disks_xml(disk), "default_template": "true"},
        "memory-static-min": str(memory // 4),
        "memory-dynamic-min": str(memory),
        "memory-dynamic-max": str(memory),
        "memory-static-max": str(memory),
    }


STOCK_TEMPLATES: dict[str, Record] = dict(
    [
        _linux("Ubuntu Lucid Lynx 10.04 (32-bit)", "i386", "debianlike", "lucid"),
        _linux("Ubuntu Lucid Lynx 10.04 (64-bit)", "amd64", "debianlike", "lucid"),
        _linux("Debian Squeeze 6.0 (32-bit)", "i386", "debianlike", "squeeze"),
        _linux("Debian Squeeze 6.0 (64-bit)", "amd64", "debianlike", "squeeze"),
        _linux("Debian Lenny 5.0 (32-bit)", "i386", "debianlike", "lenny"),
        _linux("Red Hat Enterprise Linux 6 (32-bit)", "i386", "rhlike"),
        _linux("Red Hat Enterprise Linux 6 (64-bit)", "x86_64", "rhlike"),
        _linux("CentOS 6 (32-bit)", "i386", "rhlike"),
        _linux("CentOS 6 (64-bit)", "x86_64", "rhlike"),
        _linux("CentOS 5 (64-bit)", "x86_64", "rhlike"),
        _hvm("Windows Server 2008 R2 (64-bit)", 24 * GIB, 2 * GIB,
             {"nx": "true", "acpi": "1", "apic": "true", "pae": "true", "viridian": "true"},
             "Clones of this template will automatically provision their storage when first booted."),
        _hvm("Other install media", 8 * GIB, 512 * MIB,
             {"nx": "false", "acpi": "1", "apic": "true", "pae": "true", "viridian": "false"},
             "Template which allows VM installation from install media"),
    ]
)

VM_BASE: Record = {
    "user-version": "1", "power-state": "halted", "is-a-template": "true", "is-default-template": "true",
    "is-a-snapshot": "false", "is-control-domain": "false", "VCPUs-max": "1", "VCPUs-at-startup": "1",
    "actions-after-shutdown": "destroy", "actions-after-reboot": "restart", "actions-after-crash": "restart",
    "actions-after-softreboot": "soft_reboot", "HVM-shadow-multiplier": "1.000", "dom-id": "-1",
    "ha-always-run": "false", "has-vendor-device": "false", "start-delay": "0", "shutdown-delay": "0",
    "order": "0", "hvm": "false",
}


def stock_state() -> dict[str, Any]:
    """A fresh copy of the stock state: {"objects": {class: {uuid: record}}, "counters": {...}}."""
    host = stock_uuid("host", HOST_NAME)
    objects: dict[str, dict[str, Record]] = {k: {} for k in ("pool", "host", "network", "sr", "pbd", "vdi",
                                                             "vm", "vbd", "vif")}

    def add(kind: str, key: str, record: Record) -> str:
        uid = stock_uuid(kind, key)
        objects[kind][uid] = {"uuid": uid, **record}
        return uid

    add("host", HOST_NAME, {
        "name-label": HOST_NAME, "hostname": HOST_NAME, "address": "192.0.2.1", "enabled": "true",
        "multipathing": "false", "other-config": {}, "edition": "free", "API-version-major": "1",
        "API-version-minor": "10", "API-version-vendor": "XenSource",
        "software-version": {"product_brand": "XenServer", "product_version": "6.0.2", "xapi": "1.3"},
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
    for name, template in STOCK_TEMPLATES.items():
        record = {**VM_BASE, "name-label": name, **template}
        record["hvm"] = str(record["domain-type"] == "hvm").lower()
        add("vm", name, record)
    return copy.deepcopy({"objects": objects, "counters": {"dom-id": 0}})
