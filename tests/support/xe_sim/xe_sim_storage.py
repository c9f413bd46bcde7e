"""The xe simulator's CDs by the ISO's name, and vbd-insert: the rest of what an HVM install may do with CD drives
(vbd-create, vbd-eject, vbd-destroy and sr-scan are xe_sim_cd.py's).

Implemented: vbd-insert (a disc into an empty CD drive), vm-cd-add (a CD drive holding the ISO of that name),
vm-cd-remove, vm-cd-insert (into the VM's first empty CD drive) and vm-cd-eject (the VM's one full CD drive). The ISO
is found by name-label among the VDIs of ISO SRs, the first of several as xe does. Modelled xapi rules: insert needs
an empty CD drive (VBD_NOT_EMPTY), a disk is not removable media; a userdevice is used once per VM; a drive plugged
into a running VM is not removed. Standard library only, as the simulator.
"""

from __future__ import annotations

from .xe_sim_cd import NO_VDI
from .xe_sim_common import Record, api_error, fail
from .xe_sim_records import Records

MAX_USERDEVICE = 15


class StorageOps(Records):
    """vbd-insert and vm-cd-*, a part of the simulator's command class xe_sim_ops.Sim."""

    def select(self, kind: str, templates: bool = False, control: bool = False) -> list[Record]:
        raise NotImplementedError  # xe_sim_ops.Sim's <vm-selectors>

    def insert(self, vbd: Record, vdi: Record) -> None:
        if vbd.get("type") != "CD":
            raise api_error("VBD_NOT_REMOVABLE_MEDIA", self.ref(vbd))
        if vbd.get("empty") != "true":
            raise api_error("VBD_NOT_EMPTY", self.ref(vbd))
        vbd.update({"vdi-uuid": vdi["uuid"], "empty": "false"})

    def cmd_vbd_insert(self, _cls: str | None) -> None:
        self.insert(self.lookup("vbd", self.get("uuid")), self.lookup("vdi", self.get("vdi-uuid")))

    def iso_vdi(self, name: str) -> Record:
        iso_srs = {u for u, sr in self.objects["sr"].items() if sr.get("content-type") == "iso"}
        found = [v for v in self.objects["vdi"].values() if v.get("name-label") == name and v.get("sr-uuid") in iso_srs]
        if not found:
            raise fail(f"CD {name} not found")
        return found[0]

    def cds(self, vm: Record) -> list[Record]:
        return [b for b in self.related("vbd", "vm-uuid", vm["uuid"]) if b.get("type") == "CD"]

    def cmd_vm_cd_add(self, _cls: str | None) -> None:
        vdi, device = self.iso_vdi(self.get("cd-name")), self.get("device")
        if not device.isdigit() or int(device) > MAX_USERDEVICE:
            raise api_error("INVALID_DEVICE", device)
        for vm in self.select("vm"):
            if any(b.get("userdevice") == device for b in self.related("vbd", "vm-uuid", vm["uuid"])):
                raise api_error("DEVICE_ALREADY_EXISTS", device)
            self.new("vbd", {
                "vm-uuid": vm["uuid"], "vdi-uuid": vdi["uuid"], "userdevice": device, "bootable": "false",
                "mode": "RO", "type": "CD", "unpluggable": "true", "empty": "false",
                "currently-attached": str(vm.get("power-state") == "running").lower(), "device": "",
                "other-config": {},
            })

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
            full[0].update({"vdi-uuid": NO_VDI, "empty": "true"})
