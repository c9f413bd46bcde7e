"""The kickstart's HVM side, read back by each profile's own pykickstart: BIOS or UEFI layout, the NIC pinned by MAC,
the installer kept to the system disk, and a seed volume's kickstart powering off; the dracut boot arguments of a
MAC-pinned NIC."""

from __future__ import annotations

import dataclasses

import pytest
from pykickstart.constants import KS_REBOOT, KS_SHUTDOWN
from pykickstart.parser import KickstartParser
from pykickstart.version import makeVersion

from toolkit.catalog.profiles import BootFamily, Profile, all_profiles, kickstart_profiles
from toolkit.generate.bootargs import DRACUT_OF_PROFILE, MAC_NAMED_NIC, BootInput, render_bootargs
from toolkit.generate.kickstart import FIRMWARES, Firmware, KickstartInput, render_kickstart
from toolkit.generate.seed_volume import KICKSTART_FILE, reads_oemdrv, seed_volume
from toolkit.inputs.mac import mac_for_vm, pinned_by_mac
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password

MAC = mac_for_vm("web1")
NETWORK = pinned_by_mac(make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"]), MAC)
DATA = KickstartInput(NETWORK, hash_password("not used anywhere"))
SEED_PROFILES = [p for p in kickstart_profiles() if reads_oemdrv(p)]


def _parsed(profile: Profile, text: str) -> object:
    assert profile.pykickstart_version
    handler = makeVersion(profile.pykickstart_version)
    KickstartParser(handler).readKickstartFromString(text)
    return handler


@pytest.mark.parametrize("firmware", FIRMWARES)
@pytest.mark.parametrize("profile", kickstart_profiles(), ids=lambda p: p.name)
def test_layout_and_nic_read_back_by_pykickstart(profile: Profile, firmware: Firmware) -> None:
    text = render_kickstart(profile, dataclasses.replace(DATA, firmware=firmware))  # validates, no warning either
    handler: object = _parsed(profile, text)
    mounts = [p.mountpoint for p in handler.partition.partitions]  # type: ignore[attr-defined]
    assert ("/boot/efi" in mounts) == (firmware == "uefi")
    efi = [p for p in handler.partition.partitions if p.mountpoint == "/boot/efi"]  # type: ignore[attr-defined]
    assert all(p.fstype == "efi" for p in efi)
    assert ("bootloader --location=mbr " in text) == (firmware == "bios")  # no MBR to write on a UEFI disk
    # Fedora 37+ partitions a BIOS disk GPT: GRUB 2 needs a BIOS boot partition (the others use an MBR label).
    assert ("biosboot" in mounts) == (firmware == "bios" and profile.name == "fedora45")
    assert handler.ignoredisk.onlyuse == ["xvda"]  # type: ignore[attr-defined]
    assert [n.device for n in handler.network.network] == [MAC]  # type: ignore[attr-defined]
    assert handler.reboot.action == KS_REBOOT  # type: ignore[attr-defined]  # kickstart render: reboot


@pytest.mark.parametrize("profile", SEED_PROFILES, ids=lambda p: p.name)
def test_seed_kickstart_powers_off(profile: Profile) -> None:
    volume = seed_volume(profile, DATA)
    assert volume.label == "OEMDRV"
    handler: object = _parsed(profile, volume.files[KICKSTART_FILE].decode())
    assert handler.reboot.action == KS_SHUTDOWN and handler.reboot.eject is False  # type: ignore[attr-defined]


def test_seed_profiles_are_the_rhel7_and_fedora19_and_later() -> None:
    assert {p.name for p in SEED_PROFILES} == {"centos7", "rocky8", "rocky9", "fedora45"}


@pytest.mark.parametrize("profile", [p for p in all_profiles().values() if p.bootargs_family is BootFamily.DRACUT],
                         ids=lambda p: p.name)
def test_dracut_boot_args_name_the_nic_by_mac(profile: Profile) -> None:
    assert profile.name in DRACUT_OF_PROFILE  # every dracut profile says which dracut reads its line
    line = render_bootargs(profile, BootInput(NETWORK, "http://192.0.2.2/ks/web1.cfg"))
    assert f"ifname={MAC_NAMED_NIC}:{MAC}" in line.split()
    assert f":{MAC_NAMED_NIC}:none" in line
