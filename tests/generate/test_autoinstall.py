"""What the autoinstall answers choose: layout per firmware, NIC match, mirror per release, kernel, secrets."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pytest

from toolkit.catalog.profiles import InstallerKind, Profile, all_profiles, get_profile
from toolkit.errors import GeneratedFileError, UsageError
from toolkit.generate.autoinstall import (
    KERNEL_PACKAGE,
    AutoinstallInput,
    autoinstall_answer_files,
    autoinstall_section,
)
from toolkit.generate.autoinstall_schema import section_keys
from toolkit.generate.autoinstall_storage import Firmware
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password

NET = make_network("web1.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
HASH = hash_password("correct horse")
PROFILES = [p for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL]
IDS = [p.name for p in PROFILES]


def section(profile: Profile, **changes: Any) -> dict[str, Any]:
    return dict(autoinstall_section(profile, AutoinstallInput(**{"network": NET, "root_password_hash": HASH,
                                                                 **changes})))


def by_type(actions: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [a for a in actions if a["type"] == kind]


def mounted(actions: list[dict[str, Any]]) -> dict[str, tuple[str, dict[str, Any]]]:
    """mount path -> (fstype, its partition)."""
    ids = {a["id"]: a for a in actions}
    result = {}
    for mount in by_type(actions, "mount"):
        fmt = ids[mount["device"]]
        result[mount["path"]] = (fmt["fstype"], ids[fmt["volume"]])
    return result


def test_profiles_name_their_release_and_a_ch82_template() -> None:
    expected = {
        "ubuntu2004-autoinstall": ("ubuntu-20.04", "Ubuntu Focal Fossa 20.04"),
        "ubuntu2204-autoinstall": ("ubuntu-22.04", "Ubuntu Jammy Jellyfish 22.04"),
        "ubuntu2404-autoinstall": ("ubuntu-24.04", "Ubuntu Noble Numbat 24.04"),
    }
    assert {p.name: (p.guest_os, p.template) for p in PROFILES} == expected
    assert {str(p.boot) for p in PROFILES} == {"hvm"}


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_bios_layout(profile: Profile) -> None:
    actions = section(profile, firmware=Firmware.BIOS)["storage"]["config"]
    [disk] = by_type(actions, "disk")
    assert (disk["ptable"], disk["grub_device"], disk["match"]) == ("gpt", True, {"size": "largest"})
    assert [p["flag"] for p in by_type(actions, "partition") if p.get("flag") == "bios_grub"] == ["bios_grub"]
    mounts = mounted(actions)
    assert sorted(mounts) == ["", "/", "/boot"]
    assert (mounts["/boot"][0], mounts["/boot"][1]["size"]) == ("ext4", "1G")
    assert (mounts["/"][0], mounts["/"][1]["size"]) == ("ext4", -1)
    assert mounts[""][0] == "swap"
    partitions = by_type(actions, "partition")
    assert [p["number"] for p in partitions] == list(range(1, len(partitions) + 1))
    assert partitions[-1]["size"] == -1  # only the last partition may take the rest


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_uefi_layout_has_an_esp_and_no_bios_grub(profile: Profile) -> None:
    storage = section(profile, firmware=Firmware.UEFI)["storage"]
    actions = storage["config"]
    mounts = mounted(actions)
    assert sorted(mounts) == ["", "/", "/boot", "/boot/efi"]
    fstype, esp = mounts["/boot/efi"]
    assert (fstype, esp["flag"], esp["grub_device"], esp["number"]) == ("fat32", "boot", True, 1)
    assert not any(p.get("flag") == "bios_grub" for p in actions)
    assert "grub_device" not in by_type(actions, "disk")[0]
    assert storage["swap"] == {"size": 0}  # the swap partition, no swap file besides
    paths = [m["path"] for m in by_type(actions, "mount")]
    assert paths.index("/") < paths.index("/boot") < paths.index("/boot/efi")  # parents mounted first


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_nic_matched_by_mac_when_given_else_by_xen_driver(profile: Profile) -> None:
    [nic] = section(profile)["network"]["ethernets"].values()
    assert nic["match"] == {"driver": "vif"}
    assert (nic["addresses"], nic["routes"], nic["dhcp4"]) == (["192.0.2.10/24"],
                                                               [{"to": "0.0.0.0/0", "via": "192.0.2.1"}], False)
    assert nic["nameservers"] == {"addresses": ["192.0.2.53"], "search": ["example.org"]}
    by_mac = make_network("web1.example.org", "192.0.2.10/32", "198.51.100.1", ["192.0.2.53"], "52:54:00:AB:CD:EF",
                          on_link_gateway=True)
    [nic] = section(profile, network=by_mac)["network"]["ethernets"].values()
    assert nic["match"] == {"macaddress": "52:54:00:ab:cd:ef"}
    assert nic["routes"] == [{"to": "0.0.0.0/0", "via": "198.51.100.1", "on-link": True}]


def test_mirror_per_release_and_repo_override() -> None:
    focal, jammy, noble = (get_profile(f"ubuntu{v}-autoinstall") for v in ("2004", "2204", "2404"))
    for legacy in (focal, jammy):
        assert section(legacy)["apt"] == {"geoip": False, "primary": [{"arches": ["default"], "uri": legacy.repo}]}
    assert section(noble, repo="http://mirror.example.org/ubuntu/")["apt"] == {
        "geoip": False, "mirror-selection": {"primary": [{"uri": "http://mirror.example.org/ubuntu/"}]},
    }


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_kernel_identity_ssh_and_packages(profile: Profile) -> None:
    plain = section(profile)
    assert plain["kernel"] == {"package": KERNEL_PACKAGE} == {"package": "linux-virtual"}
    assert plain["identity"] == {"hostname": "web1", "username": "ubuntu", "password": HASH}
    assert plain["ssh"] == {"install-server": True, "authorized-keys": [], "allow-pw": True}
    assert plain["packages"] == []
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILngNVnKneFWK0aSv3qdJ1MwEVtUrbTdnR43JqsEyqmh a@b"
    full = section(profile, ssh_keys=(key,), guest_utilities=True, username="admin")
    assert full["ssh"] == {"install-server": True, "authorized-keys": [key], "allow-pw": False}
    assert full["packages"] == ["xe-guest-utilities"]
    assert full["identity"]["username"] == "admin"
    assert set(full) <= section_keys(profile.guest_os.removeprefix("ubuntu-"))


def test_power_off_at_the_end_where_the_release_can() -> None:
    assert "shutdown" not in section(get_profile("ubuntu2004-autoinstall"))  # 20.04's subiquity has no such key
    for name in ("ubuntu2204-autoinstall", "ubuntu2404-autoinstall"):
        assert section(get_profile(name))["shutdown"] == "poweroff"


def test_the_password_is_only_a_hash() -> None:
    files = autoinstall_answer_files(get_profile("ubuntu2204-autoinstall"), AutoinstallInput(NET, HASH))
    assert "correct horse" not in "".join(files.values())
    assert f'password: "{HASH}"' in files["user-data"]


def test_time_zones_twenty_oh_four_does_not_know_are_refused() -> None:
    focal = get_profile("ubuntu2004-autoinstall")
    with pytest.raises(UsageError, match=re.escape("'Europe/Kyiv' is not one that Ubuntu 20.04's installer knows")):
        section(focal, timezone="Europe/Kyiv")
    assert section(get_profile("ubuntu2404-autoinstall"), timezone="Europe/Kyiv")["timezone"] == "Europe/Kyiv"
    assert section(focal, timezone="Europe/Kiev")["timezone"] == "Europe/Kiev"


def test_files_and_wrong_profiles() -> None:
    files = autoinstall_answer_files(get_profile("ubuntu2404-autoinstall"), AutoinstallInput(NET, HASH))
    assert sorted(files) == ["meta-data", "user-data"]
    assert files["user-data"].startswith("#cloud-config\nautoinstall:\n  version: 1\n")
    with pytest.raises(GeneratedFileError, match="kickstart profile"):
        autoinstall_answer_files(get_profile("centos7"), AutoinstallInput(NET, HASH))
    odd = get_profile("ubuntu2404-autoinstall")
    with pytest.raises(GeneratedFileError, match=re.escape("ubuntu-26.04")):
        autoinstall_section(dataclasses.replace(odd, guest_os="ubuntu-26.04"), AutoinstallInput(NET, HASH))
