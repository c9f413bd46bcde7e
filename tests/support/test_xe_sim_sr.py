"""The simulator's SR and host operations (tests/support/xe_sim/xe_sim_sr.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.support.remote_helpers import SIM
from tests.support.xe_local import LocalXe


def xe_fails(pool: LocalXe, *args: str) -> str:
    env = {k: v for k, v in pool.env().items() if k != "XE_LOG"}
    done = subprocess.run([sys.executable, str(SIM), *args], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    return done.stderr


def test_sr_probe_of_an_hba_lun_fails_as_xencenter_saw(tmp_path: Path) -> None:
    pool = LocalXe(tmp_path)
    assert "The SCSIid parameter is missing or incorrect" in xe_fails(pool, "sr-probe", "type=lvmohba")


def test_sr_create_needs_the_device_and_forget_needs_unplugged_pbds(tmp_path: Path) -> None:
    pool = LocalXe(tmp_path)
    host = pool.xe("host-list", "--minimal")
    assert "no such device" in xe_fails(pool, "sr-create", "type=lvmohba", "name-label=x", f"host-uuid={host}",
                                        "device-config:device=/nonexistent/scsi-1")
    device = tmp_path / "lun"
    device.write_bytes(b"\0" * 4096)
    sr = pool.xe("sr-create", "type=lvmohba", "content-type=user", "shared=true", "name-label=x",
                 f"host-uuid={host}", f"device-config:device={device}")
    assert pool.xe("sr-param-get", f"uuid={sr}", "param-name=physical-size") == "4096"
    assert "still connected" in xe_fails(pool, "sr-forget", f"uuid={sr}")
    pool.xe("pbd-unplug", f"uuid={pool.xe('pbd-list', f'sr-uuid={sr}', '--minimal')}")
    pool.xe("sr-forget", f"uuid={sr}")
    assert pool.xe("sr-list", "name-label=x", "--minimal") == "" and device.exists()


def test_host_disable_and_enable(tmp_path: Path) -> None:
    pool = LocalXe(tmp_path)
    host = pool.xe("host-list", "--minimal")
    pool.xe("host-disable", f"uuid={host}")
    assert pool.xe("host-param-get", f"uuid={host}", "param-name=enabled") == "false"
    pool.xe("host-enable", f"uuid={host}")
    assert pool.xe("host-param-get", f"uuid={host}", "param-name=enabled") == "true"
