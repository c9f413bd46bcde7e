"""The xe simulator's releases: each pool's stock templates and xe table, and what an HVM install needs of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.conftest import Xe, err, lookup, ok
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0, stock_uuid
from tests.support.xe_sim.xe_sim_templates import RELEASES, stock_templates
from toolkit.catalog.profiles import all_profiles
from toolkit.catalog.xenserver import parse_release, template_for


def _param(xe: Xe, uuid: str, name: str, key: str | None = None) -> str:
    return ok(xe("template-param-get", f"uuid={uuid}", f"param-name={name}", *([f"param-key={key}"] if key else [])))


def test_a_6_0_2_pool_has_6_0_2_templates_and_xe_table(xe: Xe) -> None:
    for name in ("Red Hat Enterprise Linux 6.0 (64-bit)", "CentOS 6.0 (64-bit)", "Ubuntu Lucid Lynx 10.04 (64-bit)",
                 "Debian Squeeze 6.0 (64-bit)"):
        assert _param(xe, lookup(xe, name), "PV-bootloader") == "eliloader", name
    assert lookup(xe, "Red Hat Enterprise Linux 6 (64-bit)") == ""  # the 6.1 name
    other = lookup(xe, "Other install media")
    assert _param(xe, other, "HVM-boot-params", "order") == "dc"
    assert _param(xe, other, "HVM-boot-policy") == "BIOS order"
    version = ok(xe("host-param-get", f"uuid={ok(xe('host-list', '--minimal'))}", "param-name=software-version",
                    "param-key=product_version"))
    assert version == "6.0.2"
    # XenServer 6.0's table: no is-default-template or domain-type field
    assert "Unknown parameter: is-default-template" in err(xe("template-list", "is-default-template=true"))
    assert "Unknown parameter: domain-type" in err(xe("vm-param-set", f"uuid={other}", "domain-type=hvm"))


def test_a_xenserver_8_pool_has_its_own_templates_and_table(xe: Xe) -> None:
    assert ok(xe("template-list", "is-default-template=true", "--minimal", XE_SIM_RELEASE="8.4"))
    rocky = lookup(xe, "Rocky Linux 9")
    assert _param(xe, rocky, "HVM-boot-params", "firmware") == "uefi"
    assert _param(xe, rocky, "platform", "secureboot") == "auto"
    assert _param(xe, rocky, "HVM-boot-params", "order") == "cdn"
    assert _param(xe, lookup(xe, "Other install media"), "HVM-boot-params", "order") == "cd"
    assert lookup(xe, "CentOS 7 (deprecated)") and not lookup(xe, "CentOS 7")
    assert lookup(xe, "Red Hat Enterprise Linux 6 (64-bit)") == ""  # guest-templates-json-data-pv not installed
    assert lookup(xe, "AlmaLinux 9") == ""  # XCP-ng's
    assert "Key firmware not found" in err(xe("template-param-get", f"uuid={lookup(xe, 'Debian Bullseye 11')}",
                                              "param-name=HVM-boot-params", "param-key=firmware"))


def test_data_pv_and_xcp_ng(xe: Xe, env: dict[str, str], tmp_path: Path) -> None:
    ok(xe("host-list", XE_SIM_RELEASE="8.4", XE_SIM_EXTRA="data-pv"))
    assert _param(xe, lookup(xe, "Red Hat Enterprise Linux 6 (64-bit)"), "domain-type") == "pv_in_pvh"
    xcp = {"XE_STATE": str(tmp_path / "xcp.json"), "XE_SIM_RELEASE": "xcp-ng-8.3"}
    assert ok(xe("template-list", "name-label=AlmaLinux 9", "--minimal", **xcp))
    brand = ok(xe("host-list", "params=software-version", "--minimal", **xcp))
    assert "product_brand: XCP-ng" in brand


def test_a_state_keeps_its_release_and_a_bad_one_is_refused(xe: Xe) -> None:
    ok(xe("host-list"))  # created as 6.0.2
    assert lookup(xe, "CentOS 6.0 (64-bit)")
    ok(xe("template-list", "name-label=CentOS 6.0 (64-bit)", XE_SIM_RELEASE="8.4"))
    assert "Unknown parameter: is-default-template" in err(xe("template-list", "is-default-template=true",
                                                              XE_SIM_RELEASE="8.4"))


def test_an_unknown_release_is_refused(xe: Xe) -> None:
    assert "XE_SIM_RELEASE='7.7' is not one of" in err(xe("host-list", XE_SIM_RELEASE="7.7"))


@pytest.mark.parametrize("release", RELEASES)
def test_the_simulator_and_toolkit_agree_on_every_profile_template(release: str) -> None:
    """Two statements of platforms.md section 5 (this simulator's and toolkit's table) name the same templates."""
    templates = stock_templates(release, frozenset({"data-pv"}))
    for profile in all_profiles().values():
        template = template_for(profile.guest_os, parse_release(release))
        if template is None:
            continue
        record = templates.get(template.name)
        assert record is not None, (profile.name, template.name)
        assert (record["domain-type"] == "hvm") == (template.mode == "hvm"), template.name
        firmware = record.get("HVM-boot-params", {}).get("firmware", "bios")
        assert firmware == template.firmware, template.name


@pytest.mark.parametrize("release", ["6.0.2", "8.4"])
def test_iso_sr_cd_drives_and_boot_order(xe: Xe, tmp_path: Path, release: str) -> None:
    """What an HVM install does: scan an ISO into the library, CD drives with the ISO and a seed, CD first."""
    mounts = tmp_path / "sr-mount"
    library = stock_uuid("sr", ISO_LIBRARY)
    (mounts / library).mkdir(parents=True)
    (mounts / library / "Rocky-9-x86_64-minimal.iso").write_bytes(b"\0" * 4096)
    (mounts / library / "web1-seed.iso").write_bytes(b"\0" * 2048)
    (mounts / library / "notes.txt").write_text("not an ISO\n")
    env = {"XE_SIM_RELEASE": release, "XE_SR_MOUNT": str(mounts)}
    ok(xe("sr-scan", f"uuid={library}", **env))
    names = ok(xe("vdi-list", f"sr-uuid={library}", "params=name-label", "--minimal", **env)).split(",")
    assert sorted(names) == ["Rocky-9-x86_64-minimal.iso", "web1-seed.iso"]
    seed = ok(xe("vdi-list", "name-label=web1-seed.iso", "--minimal", **env))
    vm = ok(xe("vm-install", "template=Other install media", "new-name-label=web1", **env))
    ok(xe("vm-cd-add", f"uuid={vm}", "cd-name=Rocky-9-x86_64-minimal.iso", "device=3", **env))
    assert "Read/write CDs are not supported" in err(xe("vbd-create", f"vm-uuid={vm}", "device=1", "type=CD",
                                                        "mode=RW", **env))
    drive = ok(xe("vbd-create", f"vm-uuid={vm}", "device=1", "type=CD", "mode=RO", **env))
    assert ok(xe("vbd-param-get", f"uuid={drive}", "param-name=empty", **env)) == "true"
    ok(xe("vbd-insert", f"uuid={drive}", f"vdi-uuid={seed}", **env))
    assert "drive is not empty" in err(xe("vbd-insert", f"uuid={drive}", f"vdi-uuid={seed}", **env))
    assert "already exists" in err(xe("vbd-create", f"vm-uuid={vm}", "device=1", "type=CD", "mode=RO"))
    ok(xe("vm-param-set", f"uuid={vm}", "HVM-boot-params:order=dc", **env))
    assert ok(xe("vm-param-get", f"uuid={vm}", "param-name=HVM-boot-params", "param-key=order")) == "dc"
    network = ok(xe("network-list", f"name-label={NETWORK_ETH0}", "--minimal"))
    ok(xe("vif-create", f"vm-uuid={vm}", f"network-uuid={network}", "device=0"))
    ok(xe("vm-start", f"uuid={vm}"))
    devices = ok(xe("vbd-list", f"vm-uuid={vm}", "type=CD", "params=device", "--minimal"))
    assert sorted(devices.split(",")) == ["hdb", "hdd"]
    ok(xe("vbd-eject", f"uuid={drive}"))
    assert "drive is empty" in err(xe("vbd-eject", f"uuid={drive}"))
    assert "currently attached" in err(xe("vbd-destroy", f"uuid={drive}"))
    ok(xe("vm-shutdown", f"uuid={vm}"))
    ok(xe("vbd-destroy", f"uuid={drive}"))
    (mounts / library / "web1-seed.iso").unlink()
    ok(xe("sr-scan", f"uuid={library}", **env))
    assert ok(xe("vdi-list", "name-label=web1-seed.iso", "--minimal")) == ""
    assert "CD nothing.iso not found" in err(xe("vm-cd-add", f"uuid={vm}", "cd-name=nothing.iso", "device=2"))


def test_6_0_takes_no_yes_or_no_as_a_boolean(xe: Xe, tmp_path: Path) -> None:
    other = lookup(xe, "Other install media")
    assert "expecting true or false" in err(xe("template-param-set", f"uuid={other}", "ha-always-run=yes"))
    ok(xe("template-param-set", f"uuid={other}", "ha-always-run=t"))
    current = {"XE_STATE": str(tmp_path / "8.json"), "XE_SIM_RELEASE": "8.4"}
    template = ok(xe("template-list", "name-label=Other install media", "--minimal", **current))
    ok(xe("template-param-set", f"uuid={template}", "ha-always-run=yes", **current))
