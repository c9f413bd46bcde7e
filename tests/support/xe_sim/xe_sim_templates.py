"""The xe simulator's stock templates and host identity per XenServer release (the simulator's own statement of
them, written from platforms.md sections 1 and 5, kept apart from toolkit's table so that tests compare two).

A release is chosen when the state is first created (XE_SIM_RELEASE, xe_sim.py): 6.0.2 (the admin's blog), 8.4
(XenServer 8) or xcp-ng-8.3. PV templates boot the installer with eliloader; HVM templates boot install media
("BIOS order"; order cdn, "Other install media" dc up to 8.0 and cd from 8.1); UEFI ones also carry
HVM-boot-params:firmware=uefi and platform:secureboot=auto. From 8.1 the EL5/EL6 PV templates are in the RPM
guest-templates-json-data-pv, not installed by default: XE_SIM_EXTRA=data-pv installs them. Memory sizes and
platform flags are plausible, not quoted. Standard library only.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]
GIB = 2**30
MIB = 2**20
RELEASES = ("6.0.2", "8.4", "xcp-ng-8.3")
DEFAULT_RELEASE = "6.0.2"
DATA_PV = "data-pv"
# product_brand, product_version, API version (major, minor), xe table (toolkit/data/xe-commands*.json)
HOSTS = {
    "6.0.2": ("XenServer", "6.0.2", ("1", "9"), "xe-commands-6.0.json"),
    "8.4": ("XenServer", "8.4.0", ("2", "21"), "xe-commands.json"),
    "xcp-ng-8.3": ("XCP-ng", "8.3.0", ("2", "21"), "xe-commands.json"),
}

DEBIAN_DESCRIPTION = (
    "Template that allows VM installation from Xen-aware Debian-based distros. To use this template from the "
    "CLI, install your VM using vm-install, then set other-config-install-repository to the path to your "
    "network repository, e.g. http://<server>/<path> or nfs:server:/<path>"
)
EL_DESCRIPTION = DEBIAN_DESCRIPTION.replace("Debian-based", "EL-based")
HVM_PLATFORM = {"nx": "true", "acpi": "1", "apic": "true", "pae": "true", "viridian": "false"}


def disks_xml(size: int) -> str:
    """other-config:disks of a template: what vm-install provisions."""
    return f'<provision><disk device="0" size="{size}" sr="" bootable="true" type="system"/></provision>'


def _linux(name: str, arch: str, family: str, release: str = "", domain_type: str = "pv") -> tuple[str, Record]:
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
        "domain-type": domain_type,
        "platform": {"nx": "false", "acpi": "true", "apic": "true", "pae": "true", "viridian": "false"},
        "other-config": other_config,
        "memory-static-min": str(static_min),
        "memory-dynamic-min": str(512 * MIB),
        "memory-dynamic-max": str(512 * MIB),
        "memory-static-max": str(512 * MIB),
    }


def _pair(name: str, family: str, release: str = "", domain_type: str = "pv") -> list[tuple[str, Record]]:
    """A "(32-bit)" and a "(64-bit)" template; `name` holds "{bits}" where the suffix goes."""
    return [_linux(name.format(bits=bits), arch, family, release, domain_type)
            for bits, arch in (("32-bit", "i386"), ("64-bit", "x86_64" if family == "rhlike" else "amd64"))]


def _hvm(name: str, *, order: str = "cdn", uefi: bool = False, disk: int = 10 * GIB, memory: int = 2 * GIB,
         platform: Record | None = None,
         description: str = "Template which allows VM installation from install media") -> tuple[str, Record]:
    boot_params = {"order": order, **({"firmware": "uefi"} if uefi else {})}
    return name, {
        "name-description": description,
        "HVM-boot-policy": "BIOS order",
        "HVM-boot-params": boot_params,
        "domain-type": "hvm",
        "platform": {**(platform or HVM_PLATFORM), **({"secureboot": "auto"} if uefi else {})},
        "other-config": {"install-methods": "cdrom", "disks": disks_xml(disk), "default_template": "true"},
        "memory-static-min": str(memory // 4),
        "memory-dynamic-min": str(memory),
        "memory-dynamic-max": str(memory),
        "memory-static-max": str(memory),
    }


def _xs602() -> list[tuple[str, Record]]:
    """XenServer 6.0.2: all Linux templates PV, the EL6 ones named "6.0" (renamed to "6" in 6.1)."""
    return [
        *_pair("Ubuntu Lucid Lynx 10.04 ({bits})", "debianlike", "lucid"),
        *_pair("Ubuntu Maverick Meerkat 10.10 ({bits}) (experimental)", "debianlike", "maverick"),
        *_pair("Debian Squeeze 6.0 ({bits})", "debianlike", "squeeze"),
        _linux("Debian Lenny 5.0 (32-bit)", "i386", "debianlike", "lenny"),
        *_pair("Red Hat Enterprise Linux 5 ({bits})", "rhlike"),
        *_pair("CentOS 5 ({bits})", "rhlike"),
        *_pair("Oracle Enterprise Linux 5 ({bits})", "rhlike"),
        *_pair("Red Hat Enterprise Linux 6.0 ({bits})", "rhlike"),
        *_pair("CentOS 6.0 ({bits})", "rhlike"),
        *_pair("Oracle Enterprise Linux 6.0 ({bits})", "rhlike"),
        _hvm("Windows Server 2008 R2 (64-bit)", disk=24 * GIB, platform={**HVM_PLATFORM, "viridian": "true"},
             description="Clones of this template will automatically provision their storage when first booted."),
        _hvm("Other install media", order="dc", disk=8 * GIB, memory=512 * MIB,
             platform={**HVM_PLATFORM, "nx": "false"}),
    ]


def _xs8() -> list[tuple[str, Record]]:
    """XenServer 8 (8.4): HVM only in the default install; RHEL/Rocky 8-9, Debian 12, Ubuntu 22.04+ UEFI."""
    return [
        _hvm("Other install media", order="cd"),
        _hvm("Red Hat Enterprise Linux 7 (deprecated)"), _hvm("CentOS 7 (deprecated)"),
        _hvm("Oracle Linux 7 (deprecated)"),
        *(_hvm(name, uefi=True) for name in ("Red Hat Enterprise Linux 8", "Red Hat Enterprise Linux 9",
                                             "Rocky Linux 8", "Rocky Linux 9", "Oracle Linux 8",
                                             "CentOS Stream 10", "Red Hat Enterprise Linux 10 (preview)")),
        _hvm("CentOS Stream 9"),
        _hvm("Ubuntu Focal Fossa 20.04 (deprecated)", uefi=True),
        _hvm("Ubuntu Jammy Jellyfish 22.04", uefi=True), _hvm("Ubuntu Noble Numbat 24.04", uefi=True),
        _hvm("Debian Buster 10 (deprecated)"), _hvm("Debian Bullseye 11"), _hvm("Debian Bookworm 12", uefi=True),
        _hvm("Windows Server 2022 (64-bit)", disk=32 * GIB, platform={**HVM_PLATFORM, "viridian": "true"},
             uefi=True, description="Clones of this template will automatically provision their storage when "
                                    "first booted."),
    ]


def _xcpng83() -> list[tuple[str, Record]]:
    """XCP-ng 8.3: XenServer 8's set plus AlmaLinux, Rocky/Oracle 10, Debian 13 and the generic ones."""
    return [
        *_xs8(),
        _hvm("AlmaLinux 8"), _hvm("AlmaLinux 9"), _hvm("Oracle Linux 9"), _hvm("CentOS Stream 8"),
        *(_hvm(name, uefi=True) for name in ("AlmaLinux 10", "Rocky Linux 10", "Oracle Linux 10",
                                             "Debian Trixie 13")),
        _hvm("Generic Linux BIOS"), _hvm("Generic Linux UEFI", uefi=True),
    ]


def _data_pv() -> list[tuple[str, Record]]:
    """guest-templates-json-data-pv (8.1 and later, not installed by default): EL5/EL6 PV, pv_in_pvh from 8.2."""
    names = [f"{distro} {version} ({{bits}})" for distro in ("Red Hat Enterprise Linux", "Oracle Linux")
             for version in ("5", "6")] + ["CentOS 6 ({bits})"]
    return [template for name in names for template in _pair(name, "rhlike", domain_type="pv_in_pvh")]


def stock_templates(release: str, extras: frozenset[str] = frozenset()) -> dict[str, Record]:
    """The stock templates of `release`, by name; `extras` may hold "data-pv" (from 8.1)."""
    templates = {"6.0.2": _xs602, "8.4": _xs8, "xcp-ng-8.3": _xcpng83}[release]()
    if DATA_PV in extras and release != "6.0.2":
        templates += _data_pv()
    return dict(templates)
