"""Site files with d-i preseed guests: preseed.cfg in place of ks.cfg, its URL on the boot line, the template
clone named in install.sh's header; Ubuntu autoinstall guests get user-data and meta-data."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Xenkit, require_program
from tests.generate.test_preseed import late_script_of
from toolkit.generate.preseed import answer_value
from toolkit.site.load import SiteError, load_site

SITE = """
[defaults]
ks_url_base = "http://192.0.2.2/xenkit/"
network = "Pool-wide network associated with eth0"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
password_file = "root-pw.txt"

[[vm]]
name = "ks1"
profile = "centos7"
hostname = "ks1.example.com"
ip = "192.0.2.21/24"
iso = "CentOS-7-x86_64-Minimal-2009.iso"

[[vm]]
name = "trusty1"
profile = "ubuntu1404-di"
hostname = "trusty1.example.com"
ip = "192.0.2.22/24"
xs-tools = true
{extra}
[[vm]]
name = "squeeze1"
profile = "debian6-di"
hostname = "squeeze1.example.com"
ip = "192.0.2.23/24"
"""


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "root-pw.txt").write_text("correct horse\n")
    path = tmp_path / "site.toml"
    path.write_text(SITE.format(extra=""))
    return path


def test_preseed_guests_render_beside_kickstart_ones(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = xenkit("render", str(site), "-o", str(out), "--json")
    assert result.code == 0, result.err
    written = {vm["name"]: sorted(Path(f).name for f in vm["files"]) for vm in json.loads(result.out)["vms"]}
    assert written == {"ks1": ["bootargs.txt", "install.sh", "ks.cfg", "ks1-seed.iso"],
                       "trusty1": ["bootargs.txt", "install.sh", "preseed.cfg"],
                       "squeeze1": ["bootargs.txt", "install.sh", "preseed.cfg"]}
    for name in ("trusty1", "squeeze1"):
        preseed = out / name / "preseed.cfg"
        assert preseed.stat().st_mode & 0o777 == 0o600
        check = subprocess.run([require_program("debconf-set-selections"), "--checkonly", str(preseed)],
                               capture_output=True, text=True)
        assert (check.returncode, check.stderr) == (0, "")
        bootargs = (out / name / "bootargs.txt").read_text()
        assert f" url=http://192.0.2.2/xenkit/{name}/preseed.cfg " in bootargs
        assert f"hostname={name} domain=example.com" in bootargs
    assert " netcfg/disable_dhcp=true " in (out / "squeeze1" / "bootargs.txt").read_text()
    assert " netcfg/disable_autoconfig=true " in (out / "trusty1" / "bootargs.txt").read_text()
    trusty_script = (out / "trusty1" / "install.sh").read_text()
    header = trusty_script[:trusty_script.index("set -euo pipefail")]
    assert "make it first with: xenkit template clone trusty --host" in header
    assert 'xe vm-cd-add vm="trusty1" cd-name=xs-tools.iso device=3' in header
    assert "xe template-list 'name-label=Ubuntu Trusty Tahr 14.04 (64-bit)' --minimal" in trusty_script
    assert "xs-tools.iso" in late_script_of((out / "trusty1" / "preseed.cfg").read_text())
    squeeze_script = (out / "squeeze1" / "install.sh").read_text()
    squeeze_header = squeeze_script[:squeeze_script.index("set -euo pipefail")]
    assert "stock on XenServer 5.6 SP2 - 7.6 only" in squeeze_header and "xs-tools" not in squeeze_header
    assert "xs-tools.iso" not in late_script_of((out / "squeeze1" / "preseed.cfg").read_text())


def test_a_second_render_keeps_the_preseed_hash(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    first = (out / "trusty1" / "preseed.cfg").read_text()
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    assert (out / "trusty1" / "preseed.cfg").read_text() == first
    (tmp_path / "root-pw.txt").write_text("another one\n")
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    assert (answer_value((out / "trusty1" / "preseed.cfg").read_text(), "passwd/root-password-crypted")
            != answer_value(first, "passwd/root-password-crypted"))


def test_a_removed_preseed_guest_is_stale_and_pruned(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    site.write_text(SITE.format(extra="").split("[[vm]]\nname = \"squeeze1\"")[0])
    result = xenkit("render", str(site), "-o", str(out), "--prune")
    assert result.code == 0, result.err
    assert f"removed {out / 'squeeze1'}" in result.err and not (out / "squeeze1").exists()


def test_an_autoinstall_guest_gets_user_data_and_meta_data(xenkit: Xenkit, site: Path, tmp_path: Path) -> None:
    site.write_text(SITE.format(extra="").replace('name = "ks1"\nprofile = "centos7"',
                                                  'name = "focal1"\nprofile = "ubuntu2004-autoinstall"')
                    .replace("CentOS-7-x86_64-Minimal-2009.iso", "ubuntu-20.04.6-live-server-amd64.iso"))
    out = tmp_path / "out"
    result = xenkit("render", str(site), "-o", str(out), "--json")
    assert result.code == 0, result.err
    written = {vm["name"]: sorted(Path(f).name for f in vm["files"]) for vm in json.loads(result.out)["vms"]}
    assert written["focal1"] == ["bootargs.txt", "focal1-seed.iso", "install.sh", "meta-data", "user-data"]
    assert (out / "focal1" / "user-data").read_text().startswith("#cloud-config\nautoinstall:\n")
    assert "ds=nocloud-net;s=http://192.0.2.2/xenkit/focal1/ " in (out / "focal1" / "bootargs.txt").read_text()


@pytest.mark.parametrize(("extra", "problem"), [
    ("xs-tools = false\nxs_tools = true", "xs-tools and xs_tools are the same field"),
])
def test_what_cannot_be_rendered_is_named(site: Path, extra: str, problem: str) -> None:
    text = SITE.format(extra="").replace('name = "ks1"\nprofile = "centos7"', 'name = "ks1"\n' + extra)
    if "xs_tools" in extra:
        text = SITE.format(extra="").replace('xs-tools = true\n', extra + "\n")
    site.write_text(text)
    with pytest.raises(SiteError) as raised:
        load_site(site)
    assert any(problem in line for line in raised.value.lines()), raised.value.lines()


def test_xs_tools_is_for_preseed_profiles_and_a_boolean(site: Path) -> None:
    site.write_text(SITE.format(extra="").replace('name = "ks1"\n', 'name = "ks1"\nxs_tools = true\n')
                    .replace("xs-tools = true", 'xs-tools = "yes"'))
    with pytest.raises(SiteError) as raised:
        load_site(site)
    lines = raised.value.lines()
    assert any("vm #1 (ks1): xs_tools: only preseed profiles install the tools" in line for line in lines), lines
    assert any("vm #2 (trusty1): xs-tools: must be true or false, not str 'yes'" in line for line in lines), lines
