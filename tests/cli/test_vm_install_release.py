"""`vm install --xenserver`, the site file's `xenserver` key and `profile list`: the template and install mode of
each XenServer release (platforms.md section 5)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.site.test_site_fields import site_file
from toolkit.catalog.profiles import all_profiles
from toolkit.catalog.xenserver import all_releases, parse_release
from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan
from toolkit.inputs.network import make_network
from toolkit.site.load import SiteError, load_site
from toolkit.site.render import render_site

GUEST = ["--name", "web1", "--ks", "http://192.0.2.2/web1.cfg", "--network", "Pool-wide network associated with eth0",
         "--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
         "--nameserver", "192.0.2.53"]


def install(xenkit: Xenkit, profile: str, *extra: str) -> tuple[int, str, str]:
    result = xenkit("vm", "install", profile, *GUEST, *extra)
    return result.code, result.out, result.err


def test_the_blog_s_platform_gets_its_own_template_name(xenkit: Xenkit) -> None:
    code, out, err = install(xenkit, "fedora17-xenserver", "--xenserver", "6.0.2")
    assert (code, err) == (0, "")
    assert "xe template-list 'name-label=Red Hat Enterprise Linux 6.0 (64-bit)' --minimal" in out
    assert "Red Hat Enterprise Linux 6 (64-bit)" not in out
    assert "# Template: \"Red Hat Enterprise Linux 6.0 (64-bit)\" (PV), for XenServer 6.0.2." in out


def test_without_a_release_the_plan_tries_each_name(xenkit: Xenkit) -> None:
    code, out, _ = install(xenkit, "centos6-xenserver")
    assert code == 0
    assert ("for template_name in 'CentOS 6 (64-bit)' 'CentOS 6.0 (64-bit)' 'CentOS 6.0 (64-bit) (experimental)'; do"
            in out)


def test_el6_on_xenserver_8_names_the_package(xenkit: Xenkit) -> None:
    code, out, err = install(xenkit, "centos6-xenserver", "--xenserver", "8.4")
    assert code == 0
    assert err == ('warning: "CentOS 6 (64-bit)" is not installed by default on XenServer 8; install the '
                   "guest-templates-json-data-pv package in dom0 (yum install guest-templates-json-data-pv)\n")
    assert "install the guest-templates-json-data-pv package" in out  # the script's header says it too


def test_a_release_without_the_template_is_a_usage_error(xenkit: Xenkit) -> None:
    code, out, err = install(xenkit, "centos7", "--xenserver", "6.0.2")
    assert (code, out) == (2, "")
    assert err.startswith("error: profile centos7: XenServer 6.0.2 ships no template for centos7; it exists as "
                          '"CentOS 7" on 6.5-8.2, xcp-ng-8.2; "CentOS 7 (deprecated)" on 8.4, xcp-ng-8.3\n')
    code, out, err = install(xenkit, "fedora17-xenserver", "--xenserver", "9.9")
    assert (code, out) == (2, "")
    assert err.startswith("error: --xenserver: unknown release '9.9'; known: 6.0, 6.0.2,")


def test_an_own_template_on_a_release_without_a_stock_one(xenkit: Xenkit) -> None:
    """Ubuntu 12.04 on 6.0.2: a template made by `xenkit template clone precise`, named with --template."""
    code, out, _ = install(xenkit, "ubuntu1204-di", "--xenserver", "6.0.2", "--template",
                           "Ubuntu Precise Pangolin 12.04 (64-bit)")
    assert code == 0
    assert "xe template-list 'name-label=Ubuntu Precise Pangolin 12.04 (64-bit)' --minimal" in out


@pytest.mark.parametrize("profile", ["centos7", "rocky9"])
def test_a_pv_only_option_on_an_hvm_template_is_an_error(xenkit: Xenkit, profile: str) -> None:
    code, out, err = install(xenkit, profile, "--xenserver", "8.4", "--repo", "http://192.0.2.2/repo/")
    assert (code, out) == (2, "")
    assert err.startswith("error: --repo: template ") and "is HVM: it ignores other-config:install-repository" in err


def test_an_hvm_template_is_not_given_a_pv_plan(xenkit: Xenkit) -> None:
    """centos7 was PV-installed: its template is HVM in every release, so PV-args would boot nothing."""
    code, out, err = install(xenkit, "centos7")
    assert (code, out) == (2, "")
    assert err.startswith('error: profile centos7: template "CentOS 7 (deprecated)" or "CentOS 7" is HVM: it boots '
                          "install media and ignores PV-args and other-config:install-repository; give the install "
                          "ISO (--iso NAME")
    code, out, err = install(xenkit, "centos7", "--iso", "CentOS-7-x86_64-Minimal-2009.iso")
    assert code == 0 and "vbd-create" in out and "PV-args" not in out
    code, out, err = install(xenkit, "centos6-xenserver", "--xenserver", "6.0.2", "--iso", "x.iso")
    assert (code, out) == (2, "") and err.startswith("error: --iso: profile centos6-xenserver installs PV")


def test_a_site_hvm_guest_needs_its_iso(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as info:
        load_site(site_file(tmp_path, entry={"profile": '"rocky9"'}))
    assert info.value.problems == [f"{tmp_path / 'site.toml'}: vm #1 (a): iso: missing (template \"Rocky Linux 9\" is "
                                   "HVM: it boots install media; the install ISO's name in one of the pool's ISO SRs)"]
    vm = load_site(site_file(tmp_path, entry={"profile": '"rocky9"', "iso": '"Rocky-9.4-x86_64-minimal.iso"'})).vms[0]
    assert vm.install.hvm is not None and vm.install.hvm.seed_iso == "a-seed.iso"
    with pytest.raises(SiteError) as info:
        load_site(site_file(tmp_path, entry={"iso": '"x.iso"'}))
    assert "iso: profile fedora17-xenserver installs PV" in info.value.problems[0]


def test_plans_for_any_release_pass_both_xe_tables() -> None:
    network = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    for release in (None, "6.0.2", "7.1", "8.4"):
        data = VmInstallInput(name="web1", network_name="net0", network=network, ks_url="http://192.0.2.2/ks",
                              xenserver=parse_release(release) if release else None)
        build_vm_install_plan(all_profiles()["fedora17-xenserver"], data)  # raises if a table refuses a command


def test_site_file_xenserver_key_per_vm_and_in_defaults(tmp_path: Path) -> None:
    vm = load_site(site_file(tmp_path, defaults={"xenserver": '"6.0.2"'})).vms[0]
    assert vm.install.xenserver == parse_release("6.0.2")
    vm = load_site(site_file(tmp_path, defaults={"xenserver": '"6.0.2"'}, entry={"xenserver": '"XCP-ng 8.3"'})).vms[0]
    assert vm.install.xenserver is not None and vm.install.xenserver.key == "xcp-ng-8.3"
    with pytest.raises(SiteError) as info:
        load_site(site_file(tmp_path, defaults={"xenserver": '"6.0.2"'}, entry={"profile": '"centos7"'}))
    (problem,) = info.value.problems
    assert problem.startswith(f"{tmp_path / 'site.toml'}: [defaults]: xenserver: profile centos7: XenServer 6.0.2 "
                              "ships no template for centos7")
    with pytest.raises(SiteError) as info:
        load_site(site_file(tmp_path, entry={"xenserver": '"5.5"'}))
    assert info.value.problems[0].endswith(
        "vm #1 (a): xenserver: unknown release '5.5'; known: 6.0, 6.0.2, 6.1, 6.2, 6.5, 7.0, 7.1, 7.2, 7.3, 7.4, 7.5, "
        "7.6, 8.0, 8.1, 8.2, xcp-ng-8.2, 8.4, xcp-ng-8.3 (8.4 is XenServer 8)")


def test_profile_list(xenkit: Xenkit) -> None:
    result = xenkit("profile", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["PROFILE", "INSTALLER", "ANSWER", "FILE", "TEMPLATE", "RELEASES:", "MODE"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert set(rows) == set(all_profiles())
    assert rows["centos7"].endswith("HVM 6.5-8.2, xcp-ng-8.2, 8.4, xcp-ng-8.3")
    assert rows["rocky9"].endswith("HVM 8.2, xcp-ng-8.2; HVM UEFI 8.4, xcp-ng-8.3")
    assert "PV 6.0-8.0; PV (package guest-templates-json-data-pv) 8.1-8.2" in rows["fedora17-xenserver"]
    assert "user-data + meta-data" in rows["ubuntu2004-autoinstall"]
    # what vm install does: a d-i release whose stock template is HVM installs PV from its clone
    assert rows["ubuntu1404-di"].endswith("PV (clone) 6.0-7.4")


def test_profile_list_for_one_release_and_as_json(xenkit: Xenkit) -> None:
    result = xenkit("profile", "list", "--xenserver", "6.0.2")
    assert result.code == 0
    rows = {line.split()[0]: line for line in result.out.splitlines()[2:]}
    assert result.out.splitlines()[0] == "# XenServer 6.0.2"
    cells = {name: re.split(r"\s{2,}", row) for name, row in rows.items()}
    assert cells["fedora17-xenserver"][-2:] == ["Red Hat Enterprise Linux 6.0 (64-bit)", "PV"]
    assert cells["rocky9"][-2:] == ["(none)", "-"]
    assert cells["ubuntu1204-di"][-2:] == ["Ubuntu Precise Pangolin 12.04 (64-bit)", "PV (clone)"]
    data = json.loads(xenkit("profile", "list", "--json", "--xenserver", "8.4").out)
    rocky9 = next(p for p in data if p["name"] == "rocky9")
    assert rocky9["releases"] == [{"release": "8.4", "label": "XenServer 8", "template": "Rocky Linux 9",
                                   "mode": "hvm", "firmware": "uefi", "not_default_package": None,
                                   "stock": True, "uncertain": False, "note": ""}]
    assert rocky9["answer_files"] == ["ks.cfg"] and rocky9["guest_os"] == "rocky9"
    everything = json.loads(xenkit("profile", "list", "--json").out)
    assert len(everything[0]["releases"]) == len(all_releases())
    bad = xenkit("profile", "list", "--xenserver", "6.3")
    assert (bad.code, bad.out) == (2, "") and bad.err.startswith("error: unknown XenServer release '6.3'; known: ")


def test_kickstart_list_is_unchanged(xenkit: Xenkit) -> None:
    result = xenkit("kickstart", "list", "--json", "--all")
    assert {frozenset(p) for p in json.loads(result.out)} == {frozenset({
        "name", "description", "kind", "pykickstart_version", "bootargs_family", "template", "boot", "repo", "notes"})}


def test_a_site_file_release_names_the_template_in_install_sh(xenkit: Xenkit, tmp_path: Path) -> None:
    path = site_file(tmp_path, defaults={"xenserver": '"6.0.2"'})
    result = xenkit("render", str(path), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    script = (tmp_path / "out" / "a" / "install.sh").read_text()
    assert "xe template-list 'name-label=Red Hat Enterprise Linux 6.0 (64-bit)' --minimal" in script
    assert "for XenServer 6.0.2." in script


@pytest.mark.parametrize(("release", "efi"), [("8.4", True), ("8.2", False), (None, False)])
def test_a_site_release_whose_template_boots_uefi_gets_an_efi_partition(
    tmp_path: Path, release: str | None, efi: bool
) -> None:
    """Rocky Linux 9 is UEFI on XenServer 8 and BIOS on Citrix Hypervisor 8.2 (platforms.md section 5)."""
    entry = {"profile": '"rocky9"', "iso": '"Rocky-9.4-x86_64-minimal.iso"'}
    if release:
        entry["xenserver"] = f'"{release}"'
    site = load_site(site_file(tmp_path, entry=entry))
    (rendered,) = render_site(site, tmp_path / "out")
    kickstart = next(f.text for f in rendered.files if f.path.name == "ks.cfg")
    assert ("part /boot/efi --fstype=efi" in kickstart) == efi


KS_GUEST = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
            "--nameserver", "192.0.2.53", "--root-password-hash", "$6$abcdefgh$" + "A" * 86]


@pytest.mark.parametrize(("extra", "efi"), [
    (["--xenserver", "8.4"], True), (["--xenserver", "XCP-ng 8.3"], True), (["--xenserver", "8.2"], False),
    ([], False), (["--firmware", "uefi"], True), (["--xenserver", "8.4", "--firmware", "uefi"], True),
])
def test_kickstart_render_takes_the_firmware_from_the_release(xenkit: Xenkit, extra: list[str], efi: bool) -> None:
    result = xenkit("kickstart", "render", "rocky9", *KS_GUEST, *extra)
    assert result.code == 0, result.err
    assert ("part /boot/efi --fstype=efi" in result.out) == efi


def test_a_firmware_the_release_contradicts_is_refused(xenkit: Xenkit) -> None:
    result = xenkit("kickstart", "render", "rocky9", *KS_GUEST, "--xenserver", "8.4", "--firmware", "bios")
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith('error: --firmware bios: on XenServer 8 the template "Rocky Linux 9" boots UEFI')
    pv = xenkit("kickstart", "render", "fedora17-xenserver", *KS_GUEST, "--xenserver", "6.0.2")
    assert pv.code == 0 and "/boot/efi" not in pv.out


def test_a_d_i_profile_installs_pv_from_its_clone_where_the_catalog_says_it_works(xenkit: Xenkit) -> None:
    """Ubuntu 14.04's stock template is HVM (6.5 and later): a PV d-i install needs `template clone trusty`'s."""
    code, out, _ = install(xenkit, "ubuntu1404-di", "--xenserver", "6.0.2")
    assert code == 0
    assert "xe template-list 'name-label=Ubuntu Trusty Tahr 14.04 (64-bit)' --minimal" in out
    assert "PV-args=" in out and "(PV), for XenServer 6.0.2." in out
    code, out, _ = install(xenkit, "ubuntu1404-di")
    assert code == 0 and "'name-label=Ubuntu Trusty Tahr 14.04 (64-bit)'" in out  # not the HVM stock name
    code, out, err = install(xenkit, "ubuntu1404-di", "--xenserver", "8.4")
    assert (code, out) == (2, "")
    assert err.startswith("error: profile ubuntu1404-di: XenServer 8 ships no template for ubuntu-14.04; it exists "
                          'as "Ubuntu Trusty Tahr 14.04" on 6.5-8.0')
