"""`xenkit template releases` (table, JSON, help) and the release and --arch of `xenkit template clone`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.catalog.test_releases import DEBIAN, OLD_RELEASES, PRECISE_KERNEL, UBUNTU
from tests.conftest import Xenkit
from toolkit.catalog.releases import load_releases


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
        (["precise", "--name", "bad\nname"], None),
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
