"""`vm install --iso` (HVM) and `vm finish-install`, printed and run by bash against the xe simulator, whose `sr-scan`
makes VDIs of the files in an ISO SR's mount: the CD drives, the boot order, the VIF's MAC, and the refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import ROOT, Xenkit
from tests.support.xe_local import LocalXe
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0
from toolkit.inputs.mac import mac_for_vm

XE_60_TABLE = ROOT / "toolkit" / "data" / "xe-commands-6.0.json"  # shipped: no ../shared needed
GUEST = ["--ks", "http://192.0.2.2/unused", "--network", NETWORK_ETH0, "--hostname", "web1.example.com",
         "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1", "--nameserver", "192.0.2.53"]
# The 6.0.2 simulator has no Rocky template; "Other install media" is HVM on every release (platforms.md §5).
HVM_INSTALL = ["vm", "install", "rocky9", "--name", "web1", "--template", "Other install media", *GUEST,
               "--iso", "Rocky-9.4-x86_64-boot.iso"]


@pytest.fixture
def local(tmp_path: Path) -> LocalXe:
    xe = LocalXe(tmp_path)
    xe.add_iso(ISO_LIBRARY, "Rocky-9.4-x86_64-boot.iso")
    xe.add_iso(ISO_LIBRARY, "web1-seed.iso", b"seed")
    return xe


def _objects(local: LocalXe) -> dict[str, dict[str, dict[str, object]]]:
    objects: dict[str, dict[str, dict[str, object]]] = json.loads(local.state.read_text())["objects"]
    return objects


def _cds(local: LocalXe, vm: str) -> dict[str, dict[str, object]]:
    objects = _objects(local)
    return {str(b["userdevice"]): {**b, "vdi": objects["vdi"].get(str(b["vdi-uuid"]), {}).get("name-label")}
            for b in objects["vbd"].values() if b["vm-uuid"] == vm and b["type"] == "CD"}


def _install(xenkit: Xenkit, local: LocalXe, *extra: str, **env: str) -> tuple[str, str]:
    printed = xenkit(*HVM_INSTALL, *extra)
    assert printed.code == 0, printed.err
    run = local.bash(printed.out, **env)
    assert run.returncode == 0, run.stderr
    return printed.out, run.stdout.splitlines()[-1]


def test_printed_hvm_plan_attaches_iso_and_seed_cd_first(xenkit: Xenkit, local: LocalXe) -> None:
    script, vm = _install(xenkit, local)
    assert 'as "web1-seed.iso"' in script and "cannot upload it" in script  # the header says what it expects
    cds = _cds(local, vm)
    assert {k: (v["vdi"], v["mode"], v["bootable"]) for k, v in cds.items()} == {
        "3": ("Rocky-9.4-x86_64-boot.iso", "RO", "true"), "1": ("web1-seed.iso", "RO", "false")}
    assert {k: v["device"] for k, v in cds.items()} == {"3": "hdd", "1": "hdb"}  # emulated IDE units
    record = _objects(local)["vm"][vm]
    assert record["HVM-boot-params"] == {"order": "dc"} and record["power-state"] == "running"
    assert record.get("PV-args", "") == "" and "install-repository" not in record["other-config"]  # type: ignore[operator]
    assert [v["MAC"] for v in _objects(local)["vif"].values() if v["vm-uuid"] == vm] == [mac_for_vm("web1")]


def test_hvm_plan_uses_only_what_xenserver_6_0_has(xenkit: Xenkit, local: LocalXe) -> None:
    _install(xenkit, local, XE_TABLE=str(XE_60_TABLE))
    assert any(call[1] == "vbd-create" for call in local.calls())


def test_given_seed_name_and_mac(xenkit: Xenkit, local: LocalXe) -> None:
    local.add_iso(ISO_LIBRARY, "my seed.iso")
    _, vm = _install(xenkit, local, "--seed-iso", "my seed.iso", "--mac", "00:16:3E:00:00:01")
    assert _cds(local, vm)["1"]["vdi"] == "my seed.iso"
    assert [v["MAC"] for v in _objects(local)["vif"].values() if v["vm-uuid"] == vm] == ["00:16:3e:00:00:01"]


def test_missing_seed_fails_before_the_vm_is_made(xenkit: Xenkit, tmp_path: Path) -> None:
    local = LocalXe(tmp_path)
    local.add_iso(ISO_LIBRARY, "Rocky-9.4-x86_64-boot.iso")
    run = local.bash(xenkit(*HVM_INSTALL).out)
    assert run.returncode != 0
    assert 'seed volume "web1-seed.iso" in an ISO SR: none found' in run.stderr
    assert not any(v["name-label"] == "web1" for v in _objects(local)["vm"].values())


def test_an_iso_in_two_iso_srs_is_ambiguous(xenkit: Xenkit, local: LocalXe) -> None:
    local.add_iso("XenServer Tools", "Rocky-9.4-x86_64-boot.iso")
    run = local.bash(xenkit(*HVM_INSTALL).out)
    assert run.returncode != 0
    assert 'ISO "Rocky-9.4-x86_64-boot.iso" in an ISO SR: more than one found' in run.stderr


def test_finish_install_waits_for_power_off_then_boots_from_disk(xenkit: Xenkit, local: LocalXe) -> None:
    _, vm = _install(xenkit, local)
    finish = xenkit("vm", "finish-install", "--name", "web1")
    assert finish.code == 0, finish.err
    early = local.bash(finish.out)
    assert early.returncode != 0 and "it is still running" in early.stderr
    assert set(_cds(local, vm)) == {"1", "3"}
    local.xe("vm-shutdown", f"uuid={vm}")  # what the seed kickstart's poweroff does
    done = local.bash(finish.out)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == vm
    cds = _cds(local, vm)
    assert set(cds) == {"3"} and cds["3"]["empty"] == "true"  # seed drive gone, install ISO ejected
    record = _objects(local)["vm"][vm]
    assert record["HVM-boot-params"] == {"order": "cd"} and record["power-state"] == "running"
    assert {v["name-label"] for v in _objects(local)["vdi"].values()} >= {"Rocky-9.4-x86_64-boot.iso",
                                                                          "web1-seed.iso"}  # both ISOs stay
    local.xe("vm-shutdown", f"uuid={vm}")
    again = local.bash(finish.out)  # nothing left to eject: those steps are skipped
    assert again.returncode == 0, again.stderr
    assert [c[1] for c in local.calls() if c[1] in ("vbd-destroy", "vbd-eject")] == ["vbd-destroy", "vbd-eject"]


@pytest.mark.parametrize(("extra", "message"), [
    (["--seed-iso", "x.iso"], "error: --seed-iso: only with --iso"),
    (["--iso", "x.iso", "--seed", "seed.iso"], "error: --seed: only with --host"),
])
def test_hvm_option_misuse(xenkit: Xenkit, tmp_path: Path, extra: list[str], message: str) -> None:
    (tmp_path / "seed.iso").write_bytes(b"x")
    args = ["vm", "install", "rocky9", "--name", "web1", *GUEST, *[str(tmp_path / e) if e == "seed.iso" else e
                                                                    for e in extra]]
    result = xenkit(*args)
    assert result.code == 2 and result.err.startswith(message), result.err


def test_iso_on_a_pv_profile_is_refused(xenkit: Xenkit) -> None:
    result = xenkit("vm", "install", "centos6-xenserver", "--name", "web1", *GUEST, "--iso", "x.iso")
    assert result.code == 2 and "--iso: profile centos6-xenserver installs PV" in result.err
