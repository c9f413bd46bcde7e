"""The release catalog (templates/releases.toml): every release, its templates, repositories and netboot URLs,
and looking releases and arches up."""

from __future__ import annotations

import pytest

from toolkit.catalog.releases import (
    Arch,
    Distro,
    base_template,
    default_template_name,
    find_release,
    load_releases,
    netboot_urls,
    parse_arch,
    xenserver_range,
)
from toolkit.errors import UsageError

UBUNTU = ["lucid", "maverick", "natty", "oneiric", "precise", "quantal", "raring", "saucy", "trusty", "utopic",
          "vivid", "wily", "xenial", "yakkety", "zesty", "artful", "bionic"]
UBUNTU_VERSIONS = ["10.04", "10.10", "11.04", "11.10", "12.04", "12.10", "13.04", "13.10", "14.04", "14.10",
                   "15.04", "15.10", "16.04", "16.10", "17.04", "17.10", "18.04"]
DEBIAN = ["squeeze", "wheezy", "jessie", "stretch"]
NETBOOT = "main/installer-{arch}/current/images/netboot/xen/"
OLD_RELEASES = "http://old-releases.ubuntu.com/ubuntu/"
PRECISE_KERNEL = OLD_RELEASES + "dists/precise/main/installer-amd64/current/images/netboot/xen/vmlinuz"


def test_catalog_has_every_release_in_order() -> None:
    releases = load_releases()
    assert [r.codename for r in releases] == UBUNTU + DEBIAN
    assert [r.version for r in releases] == [*UBUNTU_VERSIONS, "6", "7", "8", "9"]
    assert [r.distro for r in releases] == [Distro.UBUNTU] * 17 + [Distro.DEBIAN] * 4
    assert load_releases() is releases  # cached


def test_every_release_has_both_arches_and_the_fields_filled() -> None:
    for release in load_releases():
        assert release.arches == (Arch.AMD64, Arch.I386), release.codename
        assert release.name and release.repository.endswith("/") and release.xenserver
        for arch in Arch:
            kernel, initrd = netboot_urls(release, arch)
            prefix = f"{release.repository}dists/{release.codename}/{NETBOOT.format(arch=arch)}"
            assert (kernel, initrd) == (prefix + "vmlinuz", prefix + "initrd.gz")
            assert default_template_name(release, arch).endswith(f"({'64' if arch is Arch.AMD64 else '32'}-bit)")


def test_ubuntu_lts_flags_and_names() -> None:
    by_codename = {r.codename: r for r in load_releases()}
    assert {c for c, r in by_codename.items() if r.lts} == {"lucid", "precise", "trusty", "xenial", "bionic"}
    assert by_codename["precise"].name == "Precise Pangolin"
    assert by_codename["bionic"].name == "Bionic Beaver"
    assert by_codename["wheezy"].name == "Wheezy"


def test_base_templates_are_the_stock_lucid_and_squeeze() -> None:
    precise, wheezy = find_release("precise"), find_release("wheezy")
    assert base_template(precise, "amd64") == "Ubuntu Lucid Lynx 10.04 (64-bit)"
    assert base_template(precise, Arch.I386) == "Ubuntu Lucid Lynx 10.04 (32-bit)"
    assert base_template(wheezy, "amd64") == "Debian Squeeze 6.0 (64-bit)"
    assert base_template(wheezy, "i386") == "Debian Squeeze 6.0 (32-bit)"


def test_default_template_names() -> None:
    precise = find_release("precise")
    assert default_template_name(precise, "amd64") == "Ubuntu Precise Pangolin 12.04 (64-bit)"  # the seed's name
    assert default_template_name(precise, "i386") == "Ubuntu Precise Pangolin 12.04 (32-bit)"
    assert default_template_name(find_release("wheezy"), "amd64") == "Debian Wheezy 7.0 (64-bit)"
    assert default_template_name(find_release("stretch"), "i386") == "Debian Stretch 9.0 (32-bit)"
    # The base templates' own releases name exactly the stock template: nothing to clone.
    for codename in ("lucid", "squeeze"):
        release = find_release(codename)
        assert all(default_template_name(release, a) == base_template(release, a) for a in Arch)


@pytest.mark.parametrize(
    ("text", "codename"),
    [("precise", "precise"), ("PRECISE", "precise"), (" Precise ", "precise"), ("12.04", "precise"),
     ("ubuntu-12.04", "precise"), ("Ubuntu-Precise", "precise"), ("7", "wheezy"), ("7.0", "wheezy"),
     ("debian-7", "wheezy"), ("debian-7.0", "wheezy"), ("DEBIAN-wheezy", "wheezy"), ("6.0", "squeeze"),
     ("18.04", "bionic"), ("stretch", "stretch")],
)
def test_find_release_forms(text: str, codename: str) -> None:
    assert find_release(text).codename == codename


@pytest.mark.parametrize("text", ["foo", "", "12.4", "ubuntu-7", "debian-12.04", "20.04", "buster", "7.1",
                                  "ubuntu", "precise-updates"])
def test_unknown_release_lists_the_codenames(text: str) -> None:
    with pytest.raises(UsageError) as info:
        find_release(text)
    message = str(info.value)
    assert message.startswith(f'release "{text}": unknown; known: lucid, maverick, ')
    assert message.endswith("jessie, stretch")
    assert info.value.exit_code == 2


@pytest.mark.parametrize("text", ["arm64", "x86_64", "i686", ""])
def test_unknown_arch(text: str) -> None:
    with pytest.raises(UsageError, match=f'^arch "{text}": unknown; known: amd64, i386$'):
        parse_arch(text)
    with pytest.raises(UsageError, match=f'arch "{text}"'):
        default_template_name(find_release("precise"), text)
    with pytest.raises(UsageError, match=f'arch "{text}"'):
        netboot_urls(find_release("precise"), text)


def test_arch_is_case_insensitive() -> None:
    assert parse_arch("AMD64") is Arch.AMD64


@pytest.mark.parametrize(
    ("repo", "base"),
    [
        ("http://mirror.example.com/ubuntu/", "http://mirror.example.com/ubuntu/dists/precise/"),
        ("http://mirror.example.com/ubuntu", "http://mirror.example.com/ubuntu/dists/precise/"),
        ("https://mirror.example.com/ubuntu//", "https://mirror.example.com/ubuntu//dists/precise/"),
        ("ftp://mirror.example.com/ubuntu", "ftp://mirror.example.com/ubuntu/dists/precise/"),
        # /dists/ already there: taken as it is (another pocket, another release: eliloader does not check)
        ("http://mirror.example.com/ubuntu/dists/precise-updates/",
         "http://mirror.example.com/ubuntu/dists/precise-updates/"),
        ("http://mirror.example.com/ubuntu/dists/precise-updates",
         "http://mirror.example.com/ubuntu/dists/precise-updates/"),
        ("http://mirror.example.com/ubuntu/dists/trusty/", "http://mirror.example.com/ubuntu/dists/trusty/"),
        # "/dists/" with nothing after it counts as absent, as in eliloader (which then doubles it)
        ("http://mirror.example.com/ubuntu/dists/", "http://mirror.example.com/ubuntu/dists/dists/precise/"),
        ("http://mirror.example.com/ubuntu/dists", "http://mirror.example.com/ubuntu/dists/dists/precise/"),
        # "dists" only as part of a longer name is not /dists/
        ("http://mirror.example.com/mydists/ubuntu", "http://mirror.example.com/mydists/ubuntu/dists/precise/"),
    ],
)
def test_netboot_url_rule(repo: str, base: str) -> None:
    precise = find_release("precise")
    tail = "main/installer-i386/current/images/netboot/xen/"
    assert netboot_urls(precise, "i386", repo) == (base + tail + "vmlinuz", base + tail + "initrd.gz")


def test_netboot_urls_default_to_the_release_repository() -> None:
    assert netboot_urls(find_release("precise"), "amd64")[0] == PRECISE_KERNEL
    assert netboot_urls(find_release("wheezy"), "amd64") == (
        "http://archive.debian.org/debian/dists/wheezy/main/installer-amd64/current/images/netboot/xen/vmlinuz",
        "http://archive.debian.org/debian/dists/wheezy/main/installer-amd64/current/images/netboot/xen/initrd.gz",
    )


@pytest.mark.parametrize("repo", ["cdrom", "nfs:server:/export/ubuntu", "file:///srv/ubuntu/"])
def test_netboot_urls_only_for_fetchable_repositories(repo: str) -> None:
    with pytest.raises(UsageError, match="http://, https:// and ftp://"):
        netboot_urls(find_release("precise"), "amd64", repo)


def test_repositories() -> None:
    by_codename = {r.codename: r for r in load_releases()}
    for codename in ("xenial", "bionic"):
        assert by_codename[codename].repository == "http://archive.ubuntu.com/ubuntu/"
    for codename in set(UBUNTU) - {"xenial", "bionic"}:
        assert by_codename[codename].repository == OLD_RELEASES
    for codename in DEBIAN:
        assert by_codename[codename].repository == "http://archive.debian.org/debian/"
    assert not any("archive.ubuntu.net" in r.repository for r in load_releases())


def test_xenserver_ranges() -> None:
    known = ["5.6 SP2", "6.0", "6.1", "6.2", "6.5", "7.0", "7.1"]
    assert xenserver_range(["5.6 SP2", "6.0", "6.1"], known) == "5.6 SP2 - 6.1"
    assert xenserver_range(["6.0"], known) == "6.0"
    assert xenserver_range(["5.6 SP2", "6.0", "6.5", "7.0", "7.1"], known) == "5.6 SP2 - 6.0, 6.5 - 7.1"
    precise = find_release("precise")
    assert precise.xenserver[0] == "5.6 SP2" and "6.0" in precise.xenserver  # the seed's 6.0.2
    assert precise.xenserver_range == "5.6 SP2 - 7.4"


def test_notes_name_the_seed_release() -> None:
    assert "debian-release=precise" in find_release("precise").note
    assert "old-releases" in find_release("maverick").note
