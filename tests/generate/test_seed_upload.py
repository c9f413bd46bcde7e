"""`vm install --host --seed`: the upload into the install ISO's SR, the scan, the plan, and the clean-up, run through
LocalExecutor against the xe simulator (the same Executor calls as over SSH, without sshd)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.xe_local import LocalXe
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0
from toolkit.catalog.profiles import get_profile
from toolkit.errors import ToolkitError, UsageError
from toolkit.generate import seed_upload
from toolkit.generate.seed_iso import build_seed_iso
from toolkit.generate.seed_upload import SeedUpload, upload_seed_and_run
from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan
from toolkit.generate.vm_install_hvm import HvmInstallInput
from toolkit.inputs.network import make_network
from toolkit.plan.model import Plan
from toolkit.plan.run import PlanFailed
from toolkit.remote.local import LocalExecutor

ISO = "Rocky-9.4-x86_64-boot.iso"
HVM = HvmInstallInput(ISO, "web1-seed.iso")
IMAGE = build_seed_iso("OEMDRV", {"ks.cfg": b"poweroff\n"})


@pytest.fixture
def local(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalXe:
    xe = LocalXe(tmp_path)
    for name, value in xe.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("XE_FAIL_ON", raising=False)
    monkeypatch.setattr(seed_upload, "SR_MOUNT", str(xe.sr_mount))
    xe.add_iso(ISO_LIBRARY, ISO)
    return xe


def _plan() -> Plan:
    network = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"], "00:16:3e:00:00:01")
    data = VmInstallInput(name="web1", network_name=NETWORK_ETH0, network=network, ks_url="http://192.0.2.2/x",
                          template="Other install media", mac="00:16:3e:00:00:01", hvm=HVM)
    return build_vm_install_plan(get_profile("rocky9"), data)


def test_upload_scan_and_install(local: LocalXe) -> None:
    vm = upload_seed_and_run(LocalExecutor(), _plan(), HVM, SeedUpload(IMAGE, "web1-seed.iso"))
    sr = local.xe("sr-list", f"name-label={ISO_LIBRARY}", "--minimal")
    assert (local.sr_mount / sr / "web1-seed.iso").read_bytes() == IMAGE
    seed_vdi = local.xe("vdi-list", "name-label=web1-seed.iso", "--minimal")
    assert local.xe("vbd-list", f"vm-uuid={vm}", "userdevice=1", "params=vdi-uuid", "--minimal") == seed_vdi
    assert ["xe", "sr-scan", f"uuid={sr}"] in local.calls()


def test_failed_plan_removes_the_upload(local: LocalXe, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XE_FAIL_ON", "vm-start")
    with pytest.raises(PlanFailed) as caught:
        upload_seed_and_run(LocalExecutor(), _plan(), HVM, SeedUpload(IMAGE, "web1-seed.iso"))
    assert any("removed the uploaded seed image" in line for line in caught.value.details)
    assert not list(local.sr_mount.glob("*/web1-seed.iso"))
    assert local.xe("vm-list", "name-label=web1", "--minimal") == ""  # the VM was undone too


def test_existing_seed_file_is_not_replaced(local: LocalXe) -> None:
    local.add_iso(ISO_LIBRARY, "web1-seed.iso", b"older")
    with pytest.raises(UsageError, match="already there; nothing uploaded"):
        upload_seed_and_run(LocalExecutor(), _plan(), HVM, SeedUpload(IMAGE, "web1-seed.iso"))
    assert local.xe("vm-list", "name-label=web1", "--minimal") == ""


def test_unknown_install_iso_uploads_nothing(local: LocalXe) -> None:
    hvm = HvmInstallInput("missing.iso", "web1-seed.iso")
    with pytest.raises(ToolkitError) as caught:
        upload_seed_and_run(LocalExecutor(), _plan(), hvm, SeedUpload(IMAGE, "web1-seed.iso"))
    assert caught.value.message.endswith('ISO "missing.iso" in an ISO SR: none found; nothing uploaded')
    assert not list(local.sr_mount.glob("*/web1-seed.iso"))


def test_iso_sr_not_mounted_in_dom0(local: LocalXe) -> None:
    sr = local.xe("sr-list", f"name-label={ISO_LIBRARY}", "--minimal")
    (local.sr_mount / sr / ISO).unlink()
    (local.sr_mount / sr).rmdir()  # the VDI stays known to xapi, but there is no mount directory
    with pytest.raises(UsageError, match="not a file-based ISO library"):
        upload_seed_and_run(LocalExecutor(), _plan(), HVM, SeedUpload(IMAGE, "web1-seed.iso"))
