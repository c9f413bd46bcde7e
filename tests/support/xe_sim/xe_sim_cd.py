"""The xe simulator's CD drives and ISO SR scans: vbd-create, vbd-eject, vbd-destroy, sr-scan (a mixin of Sim).

Modelled xapi rules: a CD VBD is read-only (VBD_CDS_MUST_BE_READONLY); a userdevice is used once per VM
(DEVICE_ALREADY_EXISTS); only a CD with a disc can be ejected (VBD_NOT_REMOVABLE_MEDIA, VBD_IS_EMPTY), which leaves
an empty drive (vdi-uuid <not in database>); an attached VBD cannot be destroyed. sr-scan of a file-based ISO SR
makes a VDI of each *.iso file in its mount directory, $XE_SR_MOUNT/<sr uuid> (default /var/run/sr-mount, as dom0),
named by the file, and drops the VDIs whose file is gone, as xapi's ISO SR driver does.
"""

from __future__ import annotations

import os
from pathlib import Path

from .xe_sim_common import Record, XeError, api_error, fail
from .xe_sim_records import Records

NO_VDI = "<not in database>"  # what xe prints for an empty CD drive's vdi-uuid
_ERRORS = {
    "VBD_CDS_MUST_BE_READONLY": "Read/write CDs are not supported",
    "VBD_NOT_REMOVABLE_MEDIA": "Media could not be ejected because it is not removable",
    "VBD_IS_EMPTY": "Operation could not be performed because the drive is empty",
}


def _vbd_error(code: str, vbd: str) -> XeError:
    return XeError(f"{_ERRORS[code]}\nvbd: {vbd}")


class CdOps(Records):
    def cmd_vbd_create(self, _cls: str | None) -> None:
        vm = self.lookup("vm", self.get("vm-uuid"))
        device, kind, mode = self.get("device"), self.get("type", "Disk"), self.get("mode", "RW")
        if not device.isdigit():
            raise api_error("INVALID_DEVICE", device)
        if any(b.get("userdevice") == device for b in self.related("vbd", "vm-uuid", vm["uuid"])):
            raise api_error("DEVICE_ALREADY_EXISTS", device)
        if kind.lower() not in ("cd", "disk", "floppy"):
            raise fail(f"Unknown VBD type: {kind}")
        kind = {"cd": "CD", "disk": "Disk", "floppy": "Floppy"}[kind.lower()]
        vdi = self.lookup("vdi", self.get("vdi-uuid")) if self.has("vdi-uuid") else None
        if kind == "CD" and mode.upper() != "RO":
            raise _vbd_error("VBD_CDS_MUST_BE_READONLY", "")
        vbd = self.new("vbd", {
            "vm-uuid": vm["uuid"], "vdi-uuid": vdi["uuid"] if vdi else NO_VDI, "userdevice": device,
            "bootable": str(self.flag("bootable")).lower(), "mode": mode.upper(), "type": kind,
            "unpluggable": "true", "empty": str(vdi is None).lower(), "currently-attached": "false", "device": "",
            "other-config": {},
        })
        self.print_list([vbd["uuid"]])

    def cmd_vbd_eject(self, _cls: str | None) -> None:
        vbd = self.lookup("vbd", self.get("uuid"))
        if vbd.get("type") != "CD":
            raise _vbd_error("VBD_NOT_REMOVABLE_MEDIA", self.ref(vbd))
        if vbd.get("empty") == "true":
            raise _vbd_error("VBD_IS_EMPTY", self.ref(vbd))
        vbd.update({"vdi-uuid": NO_VDI, "empty": "true"})

    def cmd_vbd_destroy(self, _cls: str | None) -> None:
        vbd = self.lookup("vbd", self.get("uuid"))
        if vbd.get("currently-attached") == "true":
            raise api_error("OPERATION_NOT_ALLOWED", "VBD is currently attached")
        del self.objects["vbd"][vbd["uuid"]]

    def cmd_sr_scan(self, _cls: str | None) -> None:
        sr = self.lookup("sr", self.get("uuid"))
        if sr.get("type") != "iso":
            return  # other SRs: nothing this simulator keeps changes on a scan
        mount = Path(os.environ.get("XE_SR_MOUNT", "/var/run/sr-mount")) / sr["uuid"]
        found = {p.name: p for p in mount.glob("*.iso") if p.is_file()} if mount.is_dir() else {}
        known: dict[str, Record] = {v.get("location", ""): v for v in self.related("vdi", "sr-uuid", sr["uuid"])}
        for location, vdi in known.items():
            if location not in found and vdi.get("is-tools-iso") != "true":
                del self.objects["vdi"][vdi["uuid"]]
        for name, path in sorted(found.items()):
            if name not in known:
                self.new("vdi", {
                    "name-label": name, "sr-uuid": sr["uuid"], "location": name, "type": "user",
                    "virtual-size": str(path.stat().st_size), "read-only": "true", "sharable": "true",
                    "is-tools-iso": "false", "managed": "true", "on-boot": "persist", "allow-caching": "false",
                })
