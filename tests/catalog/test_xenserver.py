"""The per-release template table (toolkit/catalog/xenserver.py) against platforms.md section 5, and the xe
table check per release (toolkit/catalog/xetable.py)."""

from __future__ import annotations

import pytest

from toolkit.catalog.profiles import all_profiles
from toolkit.catalog.xenserver import (
    all_releases,
    availability,
    candidate_templates,
    guest_os_keys,
    parse_release,
    release_ranges,
    sixty_four_bit,
    template_for,
)
from toolkit.catalog.xetable import ANY_RELEASE, problems_in, tables_for
from toolkit.errors import UsageError

CONTRACT_KEYS = {"rhel6", "centos6", "centos7", "rocky8", "rocky9", "other-media", "ubuntu-10.04", "ubuntu-12.04",
                 "ubuntu-14.04", "ubuntu-16.04", "ubuntu-18.04", "ubuntu-20.04", "ubuntu-22.04", "ubuntu-24.04",
                 "debian-6", "debian-7", "debian-8", "debian-9", "debian-10", "debian-11", "debian-12"}


@pytest.mark.parametrize(("text", "key"), [
    ("6.0.2", "6.0.2"), ("6.0", "6.0"), ("8.4", "8.4"), ("8", "8.4"), ("XenServer 8", "8.4"), ("8.4.0", "8.4"),
    ("XCP-ng 8.3", "xcp-ng-8.3"), ("xcp-ng-8.3", "xcp-ng-8.3"), ("XCP-NG 8.2", "xcp-ng-8.2"), (" 7.1 ", "7.1"),
    ("xcp_ng 8.3", "xcp-ng-8.3"), ("Citrix Hypervisor 8.2", "8.2"),
])
def test_release_names(text: str, key: str) -> None:
    assert parse_release(text).key == key


@pytest.mark.parametrize("text", ["9.1", "8.3", "", "xcp-ng", "6.0.3"])
def test_an_unknown_release_lists_the_known_ones(text: str) -> None:
    with pytest.raises(UsageError) as info:
        parse_release(text)
    assert f"unknown XenServer release {text!r}" in info.value.message
    assert "6.0.2" in info.value.message and "xcp-ng-8.3" in info.value.message


def test_every_contract_key_and_every_profile_has_templates() -> None:
    assert set(guest_os_keys()) >= CONTRACT_KEYS
    for profile in all_profiles().values():
        assert candidate_templates(profile.guest_os), profile.name


@pytest.mark.parametrize(("guest_os", "release", "name", "mode", "firmware"), [
    # platforms.md section 5: RHEL 6 was "6.0" on 6.0.x, renamed in 6.1; CentOS 6.0 experimental on 6.0 only
    ("rhel6", "6.0.2", "Red Hat Enterprise Linux 6.0 (64-bit)", "pv", "bios"),
    ("rhel6", "6.1", "Red Hat Enterprise Linux 6 (64-bit)", "pv", "bios"),
    ("centos6", "6.0", "CentOS 6.0 (64-bit) (experimental)", "pv", "bios"),
    ("centos6", "6.0.2", "CentOS 6.0 (64-bit)", "pv", "bios"),
    ("centos7", "6.5", "CentOS 7", "hvm", "bios"),  # HVM in every release
    ("centos7", "8.4", "CentOS 7 (deprecated)", "hvm", "bios"),
    ("rocky9", "8.2", "Rocky Linux 9", "hvm", "bios"),
    ("rocky9", "8.4", "Rocky Linux 9", "hvm", "uefi"),
    ("other-media", "6.0.2", "Other install media", "hvm", "bios"),
    ("ubuntu-20.04", "8.4", "Ubuntu Focal Fossa 20.04 (deprecated)", "hvm", "uefi"),
    ("debian-11", "xcp-ng-8.3", "Debian Bullseye 11", "hvm", "bios"),
    ("debian-12", "xcp-ng-8.3", "Debian Bookworm 12", "hvm", "uefi"),
    ("debian-10", "8.4", "Debian Buster 10 (deprecated)", "hvm", "bios"),
    ("ubuntu-10.04", "6.0.2", "Ubuntu Lucid Lynx 10.04 (64-bit)", "pv", "bios"),
])
def test_templates_per_release(guest_os: str, release: str, name: str, mode: str, firmware: str) -> None:
    template = template_for(guest_os, parse_release(release))
    assert template is not None
    assert (template.name, template.mode, template.firmware) == (name, mode, firmware)


@pytest.mark.parametrize(("guest_os", "release"), [
    ("centos7", "6.2"), ("rocky8", "8.1"), ("ubuntu-12.04", "6.0.2"), ("ubuntu-12.04", "8.0"),
    ("ubuntu-16.04", "8.4"), ("debian-8", "xcp-ng-8.3"), ("ubuntu-14.04", "8.1"), ("debian-7", "8.1"),
])
def test_releases_without_the_template(guest_os: str, release: str) -> None:
    assert template_for(guest_os, parse_release(release)) is None


def test_el6_from_8_1_is_in_the_data_pv_package_and_uncertain_facts_are_marked() -> None:
    for key in ("8.0", "8.1", "8.4", "xcp-ng-8.3"):
        template = template_for("rhel6", parse_release(key))
        assert template is not None
        expected = None if key == "8.0" else "guest-templates-json-data-pv"
        assert template.not_default_package == expected
    lucid = template_for("ubuntu-10.04", parse_release("7.4"))
    assert lucid is not None and lucid.uncertain
    assert not getattr(template_for("ubuntu-10.04", parse_release("7.2")), "uncertain", True)


def test_candidates_are_newest_first_and_each_once() -> None:
    assert candidate_templates("centos6") == ["CentOS 6 (64-bit)", "CentOS 6.0 (64-bit)",
                                              "CentOS 6.0 (64-bit) (experimental)"]
    assert candidate_templates("centos7") == ["CentOS 7 (deprecated)", "CentOS 7"]
    assert candidate_templates("rhel6", [parse_release("6.0.2")]) == ["Red Hat Enterprise Linux 6.0 (64-bit)"]


def test_availability_and_ranges() -> None:
    assert availability("centos7") == '"CentOS 7" on 6.5-8.2, xcp-ng-8.2; "CentOS 7 (deprecated)" on 8.4, xcp-ng-8.3'
    assert release_ranges(["8.2", "xcp-ng-8.2", "8.4"]) == "8.2, xcp-ng-8.2, 8.4"
    assert sixty_four_bit("Ubuntu Maverick Meerkat 10.10 (32|64-bit) (experimental)") == (
        "Ubuntu Maverick Meerkat 10.10 (64-bit) (experimental)")
    assert [r.key for r in all_releases()][:2] == ["6.0", "6.0.2"]


def test_xe_tables_per_release() -> None:
    assert tables_for(parse_release("6.0.2")) == ("6.0",)
    assert tables_for(parse_release("8.4")) == ("current",)
    assert tables_for(parse_release("7.1")) == ANY_RELEASE  # in between: both (the conservative rule)
    assert tables_for(None) == ("current",)
    # is-default-template and domain-type are not in XenServer 6.0's table; multipathing came with 7.5
    for argv in (["xe", "template-list", "is-default-template=true"],
                 ["xe", "vm-param-set", "uuid=x", "domain-type=hvm"],
                 ["xe", "host-param-set", "uuid=x", "multipathing=true"]):
        assert problems_in(argv) == []
        assert problems_in(argv, ("6.0",)) and "(XenServer 6.0 table)" in problems_in(argv, ANY_RELEASE)[0]
    assert problems_in(["xe", "vm-list", "--trace"], ("6.0",))  # no trace in 6.0
    assert problems_in(["xe", "vm-cd-add", "uuid=x", "cd-name=a.iso", "device=3"], ANY_RELEASE) == []
