"""`vm install --iso --host --seed` for real: over SSH (the image streamed by the SSH executor) to a test host whose
`xe` is the simulator and whose ISO SR mount is a directory of the test's."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.remote_helpers import XeHost
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0
from toolkit.generate import seed_upload

ISO = "Rocky-9.4-x86_64-boot.iso"
GUEST = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
         "--nameserver", "192.0.2.53"]


def test_vm_install_uploads_the_seed_over_ssh(xenkit: Xenkit, dom0: XeHost, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    mount = tmp_path / "sr-mount"
    dom0.host.set_env({"XE_STATE": str(dom0.state), "XE_LOG": str(dom0.log), "XE_SR_MOUNT": str(mount)})
    monkeypatch.setenv("XE_SR_MOUNT", str(mount))  # for dom0.xe, run here on the same state
    monkeypatch.setattr(seed_upload, "SR_MOUNT", str(mount))
    sr = dom0.xe("sr-list", f"name-label={ISO_LIBRARY}", "--minimal")
    (mount / sr).mkdir(parents=True)
    (mount / sr / ISO).write_bytes(b"install media")
    dom0.xe("sr-scan", f"uuid={sr}")
    (tmp_path / "pw").write_text("secret\n")
    seed = tmp_path / "web1-seed.iso"
    made = xenkit("seed-volume", "rocky9", "--name", "web1", *GUEST, "--root-password-file", str(tmp_path / "pw"),
                  "-o", str(seed))
    assert made.code == 0, made.err
    result = xenkit("vm", "install", "rocky9", "--name", "web1", "--template", "Other install media", "--ks",
                    "http://192.0.2.2/unused", "--network", NETWORK_ETH0, *GUEST, "--iso", ISO,
                    "--host", "dom0", "--seed", str(seed))
    assert result.code == 0, result.err
    vm = result.out.strip()
    assert (mount / sr / "web1-seed.iso").read_bytes() == seed.read_bytes()
    seed_vdi = dom0.xe("vdi-list", "name-label=web1-seed.iso", "--minimal")
    assert dom0.xe("vbd-list", f"vm-uuid={vm}", "userdevice=1", "type=CD", "params=vdi-uuid", "--minimal") == seed_vdi
    assert dom0.xe("vm-param-get", f"uuid={vm}", "param-name=power-state") == "running"
    again = xenkit("vm", "install", "rocky9", "--name", "web2", "--template", "Other install media", "--ks",
                   "http://192.0.2.2/unused", "--network", NETWORK_ETH0, *GUEST, "--iso", ISO,
                   "--seed-iso", "web1-seed.iso", "--host", "dom0", "--seed", str(seed))
    assert again.code == 2 and "already there; nothing uploaded" in again.err
