"""The xe simulator's SR and host operations: sr-create, sr-forget, sr-probe, host-disable, host-enable (a mixin).

Modelled: sr-create type=lvmohba needs its device-config:device to exist on the host (the simulator runs there, so a
test makes /dev/disk/by-id/scsi-<id> in the host's private /dev) and makes the SR with one plugged PBD on the host;
sr-forget needs every PBD unplugged and drops the SR with its PBDs and VDIs, leaving the LUN's data alone (the point
of forget over destroy); sr-probe of an lvmohba SR fails as XenCenter saw on XenServer 6.0.2 ("The SCSIid parameter
is missing or incorrect"); host-disable/-enable flip the host's `enabled`.
"""

from __future__ import annotations

import os

from .xe_sim_common import XeError, fail
from .xe_sim_records import Records


def _backend_failure(code: int, text: str) -> XeError:
    return XeError(f"Error code: SR_BACKEND_FAILURE_{code}\nError parameters: , {text}, ")


class SrOps(Records):
    def _device_config(self) -> dict[str, str]:
        return {k.partition(":")[2]: v for k, v in self.params if k.startswith("device-config:")}

    def cmd_sr_create(self, _cls: str | None) -> None:
        kind = self.get("type", "")
        config = self._device_config()
        host = self.lookup("host", self.get("host-uuid")) if self.has("host-uuid") else None
        if host is None:
            host = next(iter(self.objects["host"].values()))
        size = "0"
        if kind == "lvmohba":
            device = config.get("device", "")
            if not device:
                raise _backend_failure(90, "The request is missing the device parameter")
            if not os.path.exists(device):
                raise _backend_failure(47, f"The SR is not available [opterr=no such device: {device}]")
            size = str(os.stat(os.path.realpath(device)).st_size)
        elif kind not in ("lvm", "ext", "nfs", "iso", "lvmoiscsi"):
            raise fail(f"Unknown SR type: {kind}")
        sr = self.new("sr", {
            "name-label": self.get("name-label", ""), "name-description": self.get("name-description", ""),
            "type": kind, "content-type": self.get("content-type", ""), "shared": self.get("shared", "false"),
            "physical-size": size, "other-config": {},
        })
        self.new("pbd", {"host-uuid": host["uuid"], "sr-uuid": sr["uuid"], "device-config": config,
                         "currently-attached": "true", "other-config": {}})
        self.print_list([sr["uuid"]])

    def cmd_sr_forget(self, _cls: str | None) -> None:
        sr = self.lookup("sr", self.get("uuid"))
        pbds = self.related("pbd", "sr-uuid", sr["uuid"])
        if any(p.get("currently-attached") == "true" for p in pbds):
            raise fail("The SR is still connected to a host via a PBD. It cannot be destroyed or forgotten.")
        for pbd in pbds:
            del self.objects["pbd"][pbd["uuid"]]
        for vdi in self.related("vdi", "sr-uuid", sr["uuid"]):
            del self.objects["vdi"][vdi["uuid"]]
        del self.objects["sr"][sr["uuid"]]

    def cmd_sr_probe(self, _cls: str | None) -> None:
        if self.get("type", "") == "lvmohba":
            raise _backend_failure(107, "The SCSIid parameter is missing or incorrect")
        raise fail("sr-probe: this simulator only knows the lvmohba failure")

    def _hosts(self) -> list[dict[str, object]]:
        if self.has("uuid"):
            return [self.lookup("host", self.get("uuid"))]
        return list(self.objects["host"].values())

    def cmd_host_disable(self, _cls: str | None) -> None:
        for host in self._hosts():
            host["enabled"] = "false"

    def cmd_host_enable(self, _cls: str | None) -> None:
        for host in self._hosts():
            host["enabled"] = "true"
