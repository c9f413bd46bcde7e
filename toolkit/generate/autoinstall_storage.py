"""The disk layout of an Ubuntu autoinstall: curtin's action list for subiquity's `storage: config:`.

One layout under both firmwares, only its first partition differs: the boot loader's own (a 1 MiB
`bios_grub` partition for GRUB's core image under BIOS on GPT, or an EFI system partition mounted
at /boot/efi under UEFI). Then a separate /boot, swap, and `/` taking the rest of the disk.
XenServer 8 and XCP-ng 8.3 boot the Ubuntu 22.04/24.04 templates (and 20.04, deprecated there) with
UEFI, Citrix Hypervisor 8.2 with BIOS (platforms.md section 5: "UEFI templates set
HVM-boot-params:firmware=uefi"; the 8.2-era templates of the same names are BIOS).

Why /boot is ext4, where the blog's 12.04 guest had ext3: that ext3 was for pygrub, which reads the
guest's /boot from dom0 to boot a PV guest, and "does not support ext4 very well". These templates
are HVM: the guest's own GRUB 2 (from the disk, under the emulated BIOS or OVMF) loads the kernel, and
it reads ext4 as Ubuntu's default file system; nothing in dom0 reads the guest's disk. /boot stays a
partition of its own (the blog's layout, and a fixed-size home for kernels apart from `/`), of 1 GiB where
the blog had 500 MB: a 20.04+ kernel with its initrd takes up to ~100 MB, and updates keep two or three.
"""

from __future__ import annotations

from enum import StrEnum

from toolkit.generate.yaml_text import YamlValue


class Firmware(StrEnum):
    BIOS = "bios"
    UEFI = "uefi"


BOOT_SIZE = "1G"  # a linux-virtual kernel with its initrd is under 100 MiB: room for several
ESP_SIZE = "538M"  # subiquity's own smallest ESP (subiquity/common/filesystem/sizes.py, uefi_scale)
SWAP_SIZE = "2G"
BIOS_GRUB_SIZE = "1M"


def storage_section(firmware: Firmware) -> dict[str, YamlValue]:
    """The `storage:` section: the disk's actions, and no swap file besides the swap partition."""
    return {
        # curtin makes a swap file unless told not to; subiquity passes `swap` through to it.
        "swap": {"size": 0},
        "config": _actions(firmware),
    }


def _actions(firmware: Firmware) -> list[YamlValue]:
    # The largest disk is the system disk: the seed volume and the install ISO are CD drives, which
    # subiquity leaves out (it filters what the live system is mounted from), and even a seed given as
    # a small disk is never the largest.
    disk: dict[str, YamlValue] = {
        "type": "disk", "id": "disk-system", "match": {"size": "largest"}, "ptable": "gpt",
        "wipe": "superblock-recursive", "preserve": False,
    }
    # (name, size, flag, file system, mount point); size -1 is the rest of the disk (the last partition's only)
    parts: list[tuple[str, str | int, str | None, str, str]] = [
        ("boot", BOOT_SIZE, None, "ext4", "/boot"),
        ("swap", SWAP_SIZE, "swap", "swap", ""),  # a swap mount has no path, as in subiquity's own
        ("root", -1, None, "ext4", "/"),
    ]
    if firmware is Firmware.BIOS:
        disk["grub_device"] = True  # GRUB's boot sector on the disk, its core image in bios_grub
        partitions = [_partition("bios-grub", 1, BIOS_GRUB_SIZE, "bios_grub")]
    else:
        parts.insert(0, ("esp", ESP_SIZE, "boot", "fat32", "/boot/efi"))
        partitions = []
    partitions += [_partition(name, len(partitions) + n, size, flag) for n, (name, size, flag, _, _) in
                   enumerate(parts, 1)]
    if firmware is Firmware.UEFI:
        partitions[0]["grub_device"] = True  # the ESP: GRUB's EFI binary goes there
    formats = [_format(name, fstype) for name, _, _, fstype, _ in parts]
    # Mounts last, parents before children (`/` before /boot before /boot/efi), as curtin mounts them in order.
    mounts = [_mount(name, path) for name, _, _, _, path in sorted(parts, key=lambda p: (p[4] == "", p[4]))]
    return [disk, *partitions, *formats, *mounts]


def _partition(name: str, number: int, size: str | int, flag: str | None) -> dict[str, YamlValue]:
    partition: dict[str, YamlValue] = {
        "type": "partition", "id": f"part-{name}", "device": "disk-system", "number": number, "size": size,
        "wipe": "superblock", "preserve": False,
    }
    if flag is not None:
        partition["flag"] = flag
    return partition


def _format(name: str, fstype: str) -> dict[str, YamlValue]:
    return {"type": "format", "id": f"format-{name}", "volume": f"part-{name}", "fstype": fstype, "preserve": False}


def _mount(name: str, path: str) -> dict[str, YamlValue]:
    return {"type": "mount", "id": f"mount-{name}", "device": f"format-{name}", "path": path}
