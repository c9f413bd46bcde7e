"""A dom0 for `host doctor`: a test host (private /etc) with the xe simulator (a 6.0.2 pool, multipathing on, the
local SR on a SCSI LUN, a running VM), fakes of multipath, showmount, list_domains, destroy_domain and ovs-appctl,
and an lvm.conf with the filter set: healthy until a test breaks something. Used by the tests and the benchmark."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.fake_domains import install_fake_domains
from tests.support.fake_multipath import TWO_PATHS, WWID, install_fake_multipath
from tests.support.fake_ovs import FakeOvs, install_fake_ovs
from tests.support.remote_helpers import XeHost
from tests.support.ssh_test_host import SshTestHost

LVM_OK = 'devices {\n    filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]\n}\n'
BONDS = {"bonds": {"bond0": {"members": {"eth0": True, "eth2": True}, "active": "eth0"}}, "reach": {}}


@dataclass
class Dom0:
    xe: XeHost
    ovs: FakeOvs
    bin_dir: Path
    work: Path
    vm: str

    def write(self, name: str, text: str) -> None:
        path = self.bin_dir / name
        path.write_text(text)
        path.chmod(0o755)

    def multipath(self, text: str) -> None:
        install_fake_multipath(self.bin_dir, text)

    def showmount(self, answers: bool) -> None:
        self.write("showmount", "#!/bin/sh\nexit 0\n" if answers else "#!/bin/sh\nsleep 30\n")

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.xe.state.read_text())
        return data

    def save(self, state: dict[str, Any]) -> None:
        self.xe.state.write_text(json.dumps(state))




def make_doctor_dom0(host: SshTestHost, work: Path, release: str = "6.0.2") -> Dom0:
    """Set up `host` (started with private_mounts=["/etc"]) as a healthy dom0 of `release` (a key of
    remote_helpers.POOLS); its state and fakes under `work`."""
    xe = XeHost(host, work, release)
    host_uuid = xe.xe("host-list", "--minimal")
    (work / "inventory").write_text(f"INSTALLATION_UUID='{host_uuid}'\n")
    xe.xe("host-param-set", f"uuid={host_uuid}", "other-config:multipathing=true")
    name = "CentOS 5 (64-bit)" if release == "6.0.2" else "Rocky Linux 9"  # CentOS 5 is gone from 8.1 on
    template = xe.xe("template-list", f"name-label={name}", "--minimal")
    vm = xe.xe("vm-install", f"template={template}", "new-name-label=web 1")
    xe.xe("vm-start", f"uuid={vm}")
    domains = work / "domains.json"
    install_fake_domains(host.bin_dir, domains, {"1": {"uuid": vm, "state": "B"}})
    ovs = install_fake_ovs(host.bin_dir, work, BONDS)
    host.set_env({**host.env, "XENSOURCE_INVENTORY": str(work / "inventory"), "XE_SIM_DOMAINS": str(domains)})
    state = json.loads(xe.state.read_text())
    local = xe.xe("sr-list", "name-label=Local storage", "--minimal")
    for pbd in state["objects"]["pbd"].values():
        if pbd["sr-uuid"] == local:
            pbd["device-config"] = {"device": f"/dev/disk/by-id/scsi-{WWID}", "SCSIid": WWID}
    xe.state.write_text(json.dumps(state))
    made = host.run_inside(["sh", "-c", f"mkdir -p /etc/lvm && printf '%s' '{LVM_OK}' > /etc/lvm/lvm.conf"])
    assert made.returncode == 0, made.stderr
    dom0 = Dom0(xe, ovs, host.bin_dir, work, vm)
    dom0.multipath(TWO_PATHS)
    dom0.showmount(answers=True)
    return dom0
