"""The release catalog (templates/releases.toml) and `xenkit template releases`."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

import toolkit.catalog.releases as releases_module
from tests.conftest import ROOT, Xenkit
from toolkit.catalog.releases import (
    Arch,
    Distro,
    Release,
    base_template,
    default_template_name,
    find_release,
    load_releases,
    netboot_urls,
    parse_arch,
    xenserver_range,
)
from toolkit.errors import GeneratedFileError, UsageError

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


def _load_with(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> tuple[Release, ...]:
    (tmp_path / "releases.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(releases_module, "data_dir", lambda name: tmp_path)
    releases_module.load_releases.cache_clear()
    try:
        return load_releases()
    finally:
        releases_module.load_releases.cache_clear()


REAL = (ROOT / "templates" / "releases.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("old", "new", "shown"),
    [
        ('codename = "wheezy"', 'codename = "squeeze"', "codename 'squeeze' is not unique"),
        ('version = "7"', 'version = "6"', "version '6' is not unique"),
        ('version = "12.04"\n', "", "release #5 (precise): missing field 'version'"),
        ('lts = true', 'lts = "yes"', "lts must be a bool"),
        ('arches = ["amd64", "i386"]', 'arches = ["amd64", "arm64"]', "'arm64' is not a valid Arch"),
        ('distro = "debian"', 'distro = "fedora"', "'fedora' is not a valid Distro"),
        ('codename = "precise"', 'codename = "precise"\nflavour = "server"', "unknown field(s): flavour"),
        ('"7.4"]\nnote = "the seed', '"7.9"]\nnote = "the seed', "must be distinct xenserver_versions"),
        ('xenserver = ["5.6 SP2", "6.0",', 'xenserver = ["6.0", "5.6 SP2",', "oldest first"),
        ('repository = "http://archive.debian.org/debian/"', 'repository = "archive.debian.org"',
         "not a URL the installer can fetch"),
        ('[base_templates.debian]', '[base_templates.fedora]', "'fedora' is not a valid Distro"),
        ('[base_templates.debian]\n', '[base_templates.x]\n', "'x' is not a valid Distro"),
        ('i386 = "Debian Squeeze 6.0 (32-bit)"', 'i686 = "Debian Squeeze 6.0 (32-bit)"', "needs exactly amd64, i386"),
        ('xenserver_versions =', 'versions =', "xenserver_versions must be a non-empty list"),
        ('lts = false\narches = ["amd64", "i386"]\nrepository = "http://archive.debian.org',
         'lts = true\narches = ["amd64", "i386"]\nrepository = "http://archive.debian.org', "Ubuntu releases only"),
    ],
)
def test_malformed_catalog_names_the_entry(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, old: str, new: str, shown: str
) -> None:
    assert old in REAL
    broken = REAL.replace(old, new, 1)
    tomllib.loads(broken)  # still TOML: the loader's own checks must catch it
    with pytest.raises(GeneratedFileError) as info:
        _load_with(monkeypatch, tmp_path, broken)
    assert "releases.toml" in str(info.value)
    assert shown in str(info.value)
    assert info.value.exit_code == 1


def test_catalog_that_is_not_toml(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(GeneratedFileError, match=r"releases\.toml: .*line 1"):
        _load_with(monkeypatch, tmp_path, "[[release]\n")


def test_the_real_catalog_loads_through_the_same_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert len(_load_with(monkeypatch, tmp_path, REAL)) == 21


# The CLI


def test_cli_table(xenkit: Xenkit) -> None:
    result = xenkit("template", "releases")
    assert (result.code, result.err) == (0, "")
    lines = result.out.splitlines()
    assert lines[0].split() == ["DISTRO", "VERSION", "CODENAME", "ARCHES", "BASE", "TEMPLATE", "(64-bit)",
                                "XENSERVER", "LTS"]
    rows = lines[1:22]
    assert [line.split()[2] for line in rows] == UBUNTU + DEBIAN
    precise = next(line for line in rows if " precise " in line)
    assert precise.split() == ["ubuntu", "12.04", "precise", "amd64,i386", "Ubuntu", "Lucid", "Lynx", "10.04",
                               "(64-bit)", "5.6", "SP2", "-", "7.4", "LTS"]
    wheezy = next(line for line in rows if " wheezy " in line)
    assert "Debian Squeeze 6.0 (64-bit)" in wheezy and not wheezy.endswith("LTS")
    assert lines[22] == ""
    assert "/dists/" in lines[23] and "netboot/xen/" in lines[23]
    assert all(line == line.rstrip() for line in lines)


def test_cli_json_round_trip(xenkit: Xenkit, tmp_path: Path) -> None:
    result = xenkit("template", "releases", "--json")
    assert (result.code, result.err) == (0, "")
    data = json.loads(result.out)
    assert data == [r.as_dict() for r in load_releases()]
    assert [item["codename"] for item in data] == UBUNTU + DEBIAN
    precise = data[4]
    assert precise["version"] == "12.04" and precise["lts"] is True and precise["distro"] == "ubuntu"
    assert precise["xenserver_range"] == "5.6 SP2 - 7.4"
    assert set(precise["per_arch"]) == {"amd64", "i386"}
    amd64 = precise["per_arch"]["amd64"]
    assert amd64 == {
        "base_template": "Ubuntu Lucid Lynx 10.04 (64-bit)",
        "template_name": "Ubuntu Precise Pangolin 12.04 (64-bit)",
        "repository": OLD_RELEASES,
        "kernel_url": PRECISE_KERNEL,
        "initrd_url": PRECISE_KERNEL.removesuffix("vmlinuz") + "initrd.gz",
    }
    fields = {"distro", "version", "codename", "name", "lts", "arches", "repository", "xenserver", "note"}
    assert all(fields <= set(item) for item in data)
    out = tmp_path / "releases.json"
    assert xenkit("template", "releases", "--json", "-o", str(out)).code == 0
    assert out.read_text(encoding="utf-8") == result.out


@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_cli_help_teaches(xenkit: Xenkit, flag: str) -> None:
    for path in (("template",), ("template", "releases")):
        result = xenkit(*path, flag)
        assert result.code == 0
        assert "xenkit template releases" in result.out


def test_cli_unknown_command_is_a_usage_error(xenkit: Xenkit) -> None:
    result = xenkit("template", "releases", "--bogus")
    assert result.code == 2
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err


# Errors through the CLI edge: `template clone` takes the release and --arch.


def test_cli_clone_plan_uses_the_catalog(xenkit: Xenkit) -> None:
    result = xenkit("template", "clone", "ubuntu-12.04", "--arch", "i386")
    assert result.code == 0, result.err
    assert "'new-name-label=Ubuntu Precise Pangolin 12.04 (32-bit)'" in result.out
    assert "'name-label=Ubuntu Lucid Lynx 10.04 (32-bit)'" in result.out
    assert "other-config:install-arch=i386" in result.out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["foo"], 'error: release "foo": unknown; known: lucid, maverick, natty, oneiric, precise, quantal, raring, '
                  "saucy, trusty, utopic, vivid, wily, xenial, yakkety, zesty, artful, bionic, squeeze, wheezy, "
                  "jessie, stretch\n"),
        (["precise", "--arch", "arm64"], 'error: arch "arm64": unknown; known: amd64, i386\n'),
        (["foo\nbar"], None),
        (["precise", "--methods", "http,gopher"], None),
        (["precise", "--pv-args", "a\nb"], None),
        (["precise", "--pv-args", "x" * 1100], None),
        (["precise", "--pv-args", "x", "--preseed", "http://a/p.cfg"], None),
        (["precise", "--repo", "file:///etc/passwd"], None),
        (["precise", "--name", 'bad"name'], None),
    ],
)
def test_cli_clone_bad_input(xenkit: Xenkit, args: list[str], message: str | None) -> None:
    result = xenkit("template", "clone", *args)
    assert result.code == 2
    assert result.out == ""
    assert result.err.startswith("error: ")
    assert "Traceback" not in result.err
    if message is not None:
        assert result.err == message
