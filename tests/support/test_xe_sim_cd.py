"""The xe simulator's CD drives and ISO SR scans (xe_sim_cd.py), as xapi's rules allow them."""

from __future__ import annotations

from pathlib import Path

from tests.support.conftest import CENTOS6, Xe, err, ok
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY


def _iso(xe: Xe, mount: Path, name: str) -> tuple[str, str]:
    """An ISO file put in the NFS ISO library's mount and scanned in: (SR uuid, VDI uuid)."""
    sr = ok(xe("sr-list", f"name-label={ISO_LIBRARY}", "--minimal"))
    (mount / sr).mkdir(parents=True, exist_ok=True)
    (mount / sr / name).write_bytes(b"iso 9660")
    ok(xe("sr-scan", f"uuid={sr}", XE_SR_MOUNT=str(mount)))
    return sr, ok(xe("vdi-list", f"sr-uuid={sr}", f"name-label={name}", "--minimal"))


def test_scan_adds_and_drops_iso_vdis(xe: Xe, tmp_path: Path) -> None:
    sr, vdi = _iso(xe, tmp_path, "a.iso")
    assert ok(xe("vdi-param-get", f"uuid={vdi}", "param-name=read-only")) == "true"
    (tmp_path / sr / "notes.txt").write_text("not an ISO")
    (tmp_path / sr / "a.iso").unlink()
    ok(xe("sr-scan", f"uuid={sr}", XE_SR_MOUNT=str(tmp_path)))
    assert ok(xe("vdi-list", f"sr-uuid={sr}", "--minimal")) == ""


def test_cd_drive_rules(xe: Xe, tmp_path: Path) -> None:
    _, vdi = _iso(xe, tmp_path, "a.iso")
    vm = ok(xe("vm-install", f"template={CENTOS6}", "new-name-label=web1"))
    assert "Read/write CDs are not supported" in err(xe("vbd-create", f"vm-uuid={vm}", f"vdi-uuid={vdi}",
                                                         "device=3", "type=CD", "mode=RW"))
    assert "already exists" in err(xe("vbd-create", f"vm-uuid={vm}", f"vdi-uuid={vdi}", "device=0", "type=CD",
                                      "mode=RO"))
    cd = ok(xe("vbd-create", f"vm-uuid={vm}", f"vdi-uuid={vdi}", "device=3", "type=CD", "mode=RO"))
    disk = ok(xe("vbd-list", f"vm-uuid={vm}", "userdevice=0", "--minimal"))
    assert "not removable" in err(xe("vbd-eject", f"uuid={disk}"))
    ok(xe("vbd-eject", f"uuid={cd}"))
    assert ok(xe("vbd-param-get", f"uuid={cd}", "param-name=empty")) == "true"
    assert "drive is empty" in err(xe("vbd-eject", f"uuid={cd}"))
    ok(xe("vm-start", f"uuid={vm}"))
    assert "currently attached" in err(xe("vbd-destroy", f"uuid={cd}"))
    ok(xe("vm-shutdown", f"uuid={vm}"))
    ok(xe("vbd-destroy", f"uuid={cd}"))
    assert ok(xe("vbd-list", f"vm-uuid={vm}", "type=CD", "--minimal")) == ""
    assert ok(xe("vdi-list", f"uuid={vdi}", "--minimal")) == vdi  # the ISO itself stays
