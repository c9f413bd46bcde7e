"""The xe simulator's ISO SRs and CD drives: what an HVM install needs (install ISO, seed volume, boot from CD).

Implemented: sr-scan (an ISO SR's directory: each *.iso / *.img file becomes a read-only VDI named after the
file, as sm's ISOSR does, and a VDI whose file is gone goes, unless a VBD holds it), vbd-create (Disk or CD;
a CD without vdi-uuid is an empty drive), vbd-destroy, vbd-insert, vbd-eject, vm-cd-add, vm-cd-remove,
vm-cd-insert and vm-cd-eject. An ISO SR's directory is <XE_SR_MOUNT_ROOT>/<SR uuid> (default root
/var/run/sr-mount, where dom0 mounts NFS and CIFS ISO SRs); a local ISO SR given by location (the tools SR) is
its location. Modelled xapi rules: read/write CDs are refused (VBD_CDS_MUST_BE_READONLY); one VBD per
userdevice; insert needs an empty CD drive, eject a full one; a VBD plugged into a running VM is not destroyed.
vm-cd-add finds the ISO by name-label among the VDIs of ISO SRs. Standard library only, as the simulator.
"""

from __future__ import annotations

import os
from pathlib import Path

from .xe_sim_common import Record, XeError, api_error, fail
from .xe_sim_records import Records

ISO_SUFFIXES = (".iso", ".img")
MAX_USERDEVICE = 15


class StorageOps(Records):
    """ISO SR scans and CD drives, a part of the simulator's command class xe_sim_ops.Sim."""

    def select(self, kind: str, templates: bool = False, control: bool = False) -> list[Record]:
        raise NotImplementedError  # xe_sim_ops.Sim's <vm-selectors>

    # ---- ISO SRs ----------------------------------------------------------------------------------------
    def sr_directory(self, sr: Record) -> Path | None:
        if sr.get("content-type") != "iso" or sr.get("type") != "iso":
            return None  # a disk SR or the DVD drives: nothing a scan of files finds
        pbd = next(iter(self.related("pbd", "sr-uuid", sr["uuid"])), {})
        location = str(pbd.get("device-config", {}).get("location", ""))
        if location.startswith("/") and pbd.get("device-config", {}).get("legacy_mode") == "true":
            return Path(location)
        return Path(os.environ.get("XE_SR_MOUNT_ROOT", "/var/run/sr-mount")) / str(sr["uuid"])

    def cmd_sr_scan(self, _cls: str | None) -> None:
        sr = self.lookup("sr", self.get("uuid"))
        directory = self.sr_directory(sr)
        if directory is None:
            return
        try:
            files = {e.name: e.stat().st_size for e in os.scandir(directory)
                     if e.is_file() and e.name.lower().endswith(ISO_SUFFIXES)}
        except OSError as error:
            raise XeError(f"Error code: SR_BACKEND_FAILURE_40\nError parameters: , The SR scan failed  "
                          f"[opterr={error.strerror or error}], ") from None
        known = {str(v.get("location")): v for v in self.related("vdi", "sr-uuid", sr["uuid"])}
        for name, size in sorted(files.items()):
            if name in known:
                known[name]["virtual-size"] = known[name]["physical-utilisation"] = str(size)
                continue
            self.new("vdi", {
                "name-label": name, "name-description": "", "sr-uuid": sr["uuid"], "location": name,
                "virtual-size": str(size), "physical-utilisation": str(size), "type": "user", "sharable": "true",
                "read-only": "true", "managed": "true", "on-boot": "persist", "allow-caching": "false",
            })
        for name, vdi in known.items():
            if name not in files and not self.related("vbd", "vdi-uuid", vdi["uuid"]):
                del self.objects["vdi"][vdi["uuid"]]

    # ---- VBDs -------------------------------------------------------------------------------------------
    def userdevice(self, vm: Record, device: str) -> str:
        used = {b.get("userdevice") for b in self.related("vbd", "vm-uuid", vm["uuid"])}
        if not device.isdigit() or int(device) > MAX_USERDEVICE:
            raise api_error("INVALID_DEVICE", device)
        if device in used:
            raise api_error("DEVICE_ALREADY_EXISTS", device)
        return device

    def make_vbd(self, vm: Record, device: str, vdi: Record | None, kind: str, mode: str, bootable: str) -> Record:
        if kind not in ("Disk", "CD", "Floppy"):
            raise fail(f"Unknown VBD type {kind} (expecting Disk, CD or Floppy)")
        if mode not in ("RO", "RW"):
            raise fail(f"Unknown VBD mode {mode} (expecting RO or RW)")
        if kind == "CD" and mode == "RW":
            raise api_error("VBD_CDS_MUST_BE_READONLY")
        if kind == "Disk" and vdi is None:
            raise fail("A disk VBD needs a vdi-uuid")
        running = vm.get("power-state") == "running"
        return self.new("vbd", {
            "vm-uuid": vm["uuid"], "vdi-uuid": vdi["uuid"] if vdi else "", "userdevice": self.userdevice(vm, device),
            "bootable": bootable, "mode": mode, "type": kind, "unpluggable": "true", "empty": str(vdi is None).lower(),
            "currently-attached": str(running).lower(), "device": "", "other-config": {},
        })

    def cmd_vbd_create(self, _cls: str | None) -> None:
        vm = self.lookup("vm", self.get("vm-uuid"))
        vdi = self.lookup("vdi", self.get("vdi-uuid")) if self.get("vdi-uuid") else None
        bootable = self.boolean("bootable", self.get("bootable", "false"))
        vbd = self.make_vbd(vm, self.get("device"), vdi, self.get("type", "Disk"), self.get("mode", "RW"), bootable)
        self.print_list([vbd["uuid"]])

    def cmd_vbd_destroy(self, _cls: str | None) -> None:
        vbd = self.lookup("vbd", self.get("uuid"))
        if vbd.get("currently-attached") == "true":
            raise api_error("OPERATION_NOT_ALLOWED", f"VBD '{vbd['uuid']}' still attached to a running VM")
        del self.objects["vbd"][vbd["uuid"]]

    def cd_drive(self, vbd: Record) -> Record:
        if vbd.get("type") != "CD":
            raise api_error("VBD_NOT_REMOVABLE_MEDIA", self.ref(vbd))
        return vbd

    def insert(self, vbd: Record, vdi: Record) -> None:
        if self.cd_drive(vbd).get("empty") != "true":
            raise api_error("VBD_NOT_EMPTY", self.ref(vbd))
        vbd.update({"vdi-uuid": vdi["uuid"], "empty": "false"})

    def eject(self, vbd: Record) -> None:
        if self.cd_drive(vbd).get("empty") == "true":
            raise api_error("VBD_IS_EMPTY", self.ref(vbd))
        vbd.update({"vdi-uuid": "", "empty": "true"})

    def cmd_vbd_insert(self, _cls: str | None) -> None:
        self.insert(self.lookup("vbd", self.get("uuid")), self.lookup("vdi", self.get("vdi-uuid")))

    def cmd_vbd_eject(self, _cls: str | None) -> None:
        self.eject(self.lookup("vbd", self.get("uuid")))

    # ---- vm-cd-*: CDs by the ISO's name --------------------------------------------------------------------
    def iso_vdi(self, name: str) -> Record:
        iso_srs = {u for u, sr in self.objects["sr"].items() if sr.get("content-type") == "iso"}
        found = [v for v in self.objects["vdi"].values() if v.get("name-label") == name and v.get("sr-uuid") in iso_srs]
        if not found:
            raise fail(f"CD {name} not found")
        return found[0]

    def cds(self, vm: Record) -> list[Record]:
        return [b for b in self.related("vbd", "vm-uuid", vm["uuid"]) if b.get("type") == "CD"]

    def cmd_vm_cd_add(self, _cls: str | None) -> None:
        vdi = self.iso_vdi(self.get("cd-name"))
        for vm in self.select("vm"):
            self.make_vbd(vm, self.get("device"), vdi, "CD", "RO", "false")

    def cmd_vm_cd_remove(self, _cls: str | None) -> None:
        vdi = self.iso_vdi(self.get("cd-name"))
        for vm in self.select("vm"):
            holding = [b for b in self.cds(vm) if b.get("vdi-uuid") == vdi["uuid"]]
            if not holding:
                raise fail(f"Disk {self.get('cd-name')} not found")
            for vbd in holding:
                if vbd.get("currently-attached") == "true":
                    raise api_error("OPERATION_NOT_ALLOWED", "CD drive is attached to a running VM")
                del self.objects["vbd"][vbd["uuid"]]

    def cmd_vm_cd_insert(self, _cls: str | None) -> None:
        vdi = self.iso_vdi(self.get("cd-name"))
        for vm in self.select("vm"):
            empty = [b for b in self.cds(vm) if b.get("empty") == "true"]
            if not empty:
                raise fail("No empty CD devices found")
            self.insert(empty[0], vdi)

    def cmd_vm_cd_eject(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            full = [b for b in self.cds(vm) if b.get("empty") != "true"]
            if len(full) != 1:
                raise fail("Cannot eject: the VM has no CD in a drive" if not full else
                           "More than one CD drive holds a disk: use vbd-eject")
            self.eject(full[0])
