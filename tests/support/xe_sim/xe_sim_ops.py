"""The xe simulator's VM, template, VDI, VIF and PBD operations: Sim, its command class (xe_sim_records.Records,
xe_sim_import.ImportOps and these commands).

Implemented here: vm-clone, vm-install, vm-uninstall, template-uninstall, vm-destroy, vm-start, vm-shutdown, vm-reboot,
vm-memory-limits-set, vdi-resize, vif-create, vif-destroy, pbd-plug, pbd-unplug; vm-import is in xe_sim_import.py.
Modelled xapi rules: vm-clone drops other-config:default_template and mac_seed; vm-install provisions
other-config:disks into VDIs and owner VBDs ("<vm name> <device>", "Created by template provisioner"); a default
template cannot be destroyed; power states; memory static-min <= dynamic-min <= dynamic-max <= static-max; no VDI
shrinking. vm-uninstall and template-uninstall need --force: real xe would ask "Type 'yes' to continue". Selector
commands take <vm-selectors> (field filters and vm=<name or uuid>), as xe.
"""

from __future__ import annotations

import copy
import random
import uuid
import xml.etree.ElementTree as ElementTree

from .xe_sim_cd import CdOps
from .xe_sim_common import MAC, STD_PARAMS, Record, XeError, api_error, fail, parse_bytes
from .xe_sim_domains import DomainOps
from .xe_sim_import import ImportOps
from .xe_sim_pool import PoolOps
from .xe_sim_sr import SrOps
from .xe_sim_storage import StorageOps


class Sim(CdOps, StorageOps, ImportOps, SrOps, DomainOps, PoolOps):
    """One xe command run against the state: the generated commands (xe_sim_records.Records), vm-import
    (xe_sim_import.py), CD drives and ISO SR scans (xe_sim_cd.py), CDs by name (xe_sim_storage.py) and the
    operations below."""

    # ---- VM lifecycle -----------------------------------------------------------------------------------
    def select(self, kind: str, templates: bool = False, control: bool = False) -> list[Record]:
        """xe's <vm-selectors> / <host-selectors> / <sr-selectors>."""
        own = set(self.entry["reqd"]) | set(self.entry["optn"]) | STD_PARAMS | {kind}
        filters = [(k, v) for k, v in self.params if k.partition(":")[0] not in own]
        if kind == "vm":
            filters += [("is-control-domain", "false")] * (not control) + [("is-a-template", "false")] * (not templates)
        found = []
        for record in self.objects[kind].values():
            full = self.view(kind, record)
            names = {full["uuid"], full["name-label"], full.get("hostname", "")}
            if self.has(kind) and self.get(kind) not in names:
                continue
            if all(self.matches(kind, full, k, v) for k, v in filters):
                found.append(record)
        what = {"vm": "VMs", "host": "hosts", "sr": "SRs"}[kind]
        if not found:
            raise fail(f"No matching {what} found")
        if len(found) > 1 and not self.flag("multiple"):
            raise fail(f"Multiple matches {what} found. --multiple required to complete the operation")
        return found

    def power(self, vm: Record, expected: str, *allowed: str) -> None:
        if vm.get("power-state") not in (expected, *allowed):
            raise api_error("VM_BAD_POWER_STATE", self.ref(vm), expected, vm.get("power-state", ""))

    def clone_vm(self, source: Record, name: str) -> Record:
        self.power(source, "halted")
        record = copy.deepcopy(source)
        del record["uuid"]
        record["other-config"] = {k: v for k, v in record.get("other-config", {}).items()
                                  if k not in ("default_template", "mac_seed")}  # xapi's clone drops these
        record.update({"name-label": name, "is-default-template": "false"})
        clone = self.new("vm", record)
        for vbd in self.related("vbd", "vm-uuid", source["uuid"]):
            vdi = self.objects["vdi"].get(vbd.get("vdi-uuid", ""))
            new_vdi = self.new("vdi", {k: v for k, v in vdi.items() if k != "uuid"}) if vdi else None
            self.new("vbd", {**{k: v for k, v in vbd.items() if k != "uuid"}, "vm-uuid": clone["uuid"],
                             "vdi-uuid": new_vdi["uuid"] if new_vdi else "", "currently-attached": "false"})
        return clone

    def cmd_vm_clone(self, _cls: str | None) -> None:
        clones = [self.clone_vm(vm, self.get("new-name-label")) for vm in self.select("vm", templates=True)]
        if self.has("new-name-description"):
            clones[0]["name-description"] = self.get("new-name-description")
        self.print_list([c["uuid"] for c in clones])

    def find_template(self) -> Record:
        if not self.has("template"):
            raise fail("Template must be specified by parameter 'template-uuid', 'template-name', "
                       "'template-name-label' or 'template'")
        wanted = self.get("template")
        if wanted in self.objects["vm"]:
            template: Record = self.objects["vm"][wanted]
        else:
            found = [r for r in self.objects["vm"].values() if r.get("name-label") == wanted
                     and r.get("is-a-template") == "true" and r.get("is-control-domain") != "true"]
            if len(found) != 1:
                raise fail("No templates matched" if not found else "More than one matching template found")
            template = found[0]
        if template.get("is-a-template") != "true":
            raise fail("Can only install from templates")
        return template

    def install_sr(self, template: Record) -> str:
        """The SR for the new VM's disks: sr-uuid and/or sr-name-label, else the pool's default SR."""
        by_uuid = str(self.lookup("sr", self.get("sr-uuid"))["uuid"]) if self.has("sr-uuid") else None
        if self.has("sr-name-label"):
            label = self.get("sr-name-label")
            named: list[str] = [u for u, r in self.objects["sr"].items() if r.get("name-label") == label]
            if not named:
                raise fail("No SR with that name-label found")
            if by_uuid is not None and by_uuid not in named:
                raise fail("SR specified via sr-uuid doesn't have the name specified via sr-name-label")
            if by_uuid is None and len(named) > 1:
                raise fail("Multiple SRs with that name-label found")
            return by_uuid or named[0]
        if by_uuid is not None:
            return by_uuid
        pool: Record = next(iter(self.objects["pool"].values()), {})
        default = str(pool.get("default-SR", ""))
        if default not in self.objects["sr"] and "disks" in template.get("other-config", {}):
            raise fail("Failed to find a valid default SR for the Pool. Please provide an sr-name-label or sr-uuid "
                       "parameter.")
        return default

    def cmd_vm_install(self, _cls: str | None) -> None:
        template = self.find_template()
        sr = self.install_sr(template)
        vm = self.clone_vm(template, self.get("new-name-label"))
        vm.update({"name-description": "Installed via xe CLI", "is-a-template": "false"})
        vm["other-config"]["mac_seed"] = str(uuid.uuid4())
        disks = vm["other-config"].get("disks")
        if disks:
            root = ElementTree.fromstring(disks)
            for disk in root.iter("disk"):
                disk.set("sr", disk.get("sr") or sr)
                vdi = self.new("vdi", {  # as xapi's template provisioner names and describes them
                    "name-label": f"{vm['name-label']} {disk.get('device')}",
                    "name-description": "Created by template provisioner",
                    "sr-uuid": self.lookup("sr", disk.get("sr", ""))["uuid"], "virtual-size": disk.get("size", "0"),
                    "physical-utilisation": "0", "type": disk.get("type", "system"), "sharable": "false",
                    "read-only": "false", "managed": "true", "on-boot": "persist", "allow-caching": "false",
                })
                self.new("vbd", {"vm-uuid": vm["uuid"], "vdi-uuid": vdi["uuid"], "userdevice": disk.get("device", "0"),
                                 "bootable": disk.get("bootable", "false"), "mode": "RW", "type": "Disk",
                                 "unpluggable": str(disk.get("type") != "system").lower(), "empty": "false",
                                 "currently-attached": "false", "device": "", "other-config": {"owner": ""}})
            vm["other-config"]["disks"] = ElementTree.tostring(root, encoding="unicode").replace(" />", "/>")
        self.print_list([vm["uuid"]])

    def uninstall(self, vms: list[Record]) -> None:
        doomed: list[tuple[Record, list[Record]]] = []
        self.out.append("The following items are about to be destroyed\n")
        for vm in vms:
            vbds = self.related("vbd", "vm-uuid", vm["uuid"])
            vdis = [self.objects["vdi"][b["vdi-uuid"]] for b in vbds
                    if "owner" in b.get("other-config", {}) and b.get("vdi-uuid") in self.objects["vdi"]]
            self.out.append(f"VM : {self.ref(vm)}\n")
            for vdi in vdis:
                shared = len(self.related("vbd", "vdi-uuid", vdi["uuid"])) > 1
                warning = " ** WARNING: disk is shared by other VMs" if shared else ""
                self.out.append(f"VDI: {self.ref(vdi)} {warning}\n")
            doomed.append((vm, vdis))
        if not self.flag("force"):
            raise XeError(f"xe simulator: {self.command} asks \"Type 'yes' to continue\" unless given --force")
        for vm, vdis in doomed:
            vm["power-state"] = "halted"
            self.destroy_vm(vm)
            for vdi in vdis:
                self.objects["vdi"].pop(vdi["uuid"], None)
        self.out.append("All objects destroyed\n")

    def destroy_vm(self, vm: Record) -> None:
        if vm.get("is-control-domain") == "true":
            raise api_error("OPERATION_NOT_ALLOWED", "You cannot destroy a control domain via the CLI")
        if vm.get("other-config", {}).get("default_template") == "true":
            raise api_error("VM_CANNOT_DELETE_DEFAULT_TEMPLATE", self.ref(vm))
        self.power(vm, "halted", "suspended")
        for kind in ("vbd", "vif"):
            for device in self.related(kind, "vm-uuid", vm["uuid"]):
                del self.objects[kind][device["uuid"]]
        del self.objects["vm"][vm["uuid"]]

    def cmd_vm_uninstall(self, _cls: str | None) -> None:
        self.uninstall(self.select("vm"))

    def cmd_template_uninstall(self, _cls: str | None) -> None:
        template = self.lookup("vm", self.get("template-uuid"))
        if template.get("is-a-template") != "true":
            raise fail(f"This operation can only be performed on a VM template. {template['uuid']} is not a VM "
                       "template.")
        self.uninstall([template])

    def cmd_vm_destroy(self, _cls: str | None) -> None:
        self.destroy_vm(self.lookup("vm", self.get("uuid")))

    def cmd_vm_start(self, _cls: str | None) -> None:
        host = next(iter(self.objects["host"]))
        if self.has("on"):
            hosts = [u for u, h in self.objects["host"].items() if self.get("on") in (u, h.get("name-label"))]
            if not hosts:
                raise fail(f"Host {self.get('on')} not found")
            host = hosts[0]
        for vm in self.select("vm", control=True):
            self.power(vm, "halted")
            self.state["counters"]["dom-id"] += 1
            vm.update({"power-state": "paused" if self.flag("paused") else "running", "resident-on": host,
                       "dom-id": str(self.state["counters"]["dom-id"])})
            prefix = "hd" if vm.get("domain-type") == "hvm" else "xvd"
            for vbd in self.related("vbd", "vm-uuid", vm["uuid"]):
                letter = "abcdefghijklmnop"[int(vbd["userdevice"])]
                vbd.update({"currently-attached": "true", "device": prefix + letter})
            for vif in self.related("vif", "vm-uuid", vm["uuid"]):
                vif["currently-attached"] = "true"

    def cmd_vm_shutdown(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            self.power(vm, "running", "paused")
            vm.update({"power-state": "halted", "resident-on": "", "dom-id": "-1"})
            for kind in ("vbd", "vif"):
                for device in self.related(kind, "vm-uuid", vm["uuid"]):
                    device["currently-attached"] = "false"

    def cmd_vm_reboot(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            self.power(vm, "running")
            self.reboot_domain(vm)

    def cmd_vm_reset_powerstate(self, _cls: str | None) -> None:
        for vm in self.select("vm"):
            self.reset_powerstate(vm)

    def cmd_vm_memory_limits_set(self, _cls: str | None) -> None:
        names = ("static-min", "static-max", "dynamic-min", "dynamic-max")
        values = {f"memory-{n}": str(parse_bytes(n, self.get(n))) for n in names}
        for vm in self.select("vm", templates=True, control=True):
            self.power(vm, "halted")
            vm.update(values)
            self.check_memory(vm)

    # ---- storage and network ----------------------------------------------------------------------------
    def cmd_vdi_resize(self, _cls: str | None) -> None:
        vdi = self.lookup("vdi", self.get("uuid"))
        size = parse_bytes("disk-size", self.get("disk-size"))
        if any(b.get("currently-attached") == "true" for b in self.related("vbd", "vdi-uuid", vdi["uuid"])):
            raise api_error("VDI_IN_USE", self.ref(vdi), "resize")
        if size < int(vdi.get("virtual-size", "0")):
            raise XeError("Error code: SR_BACKEND_FAILURE_79\n"
                          "Error parameters: , VDI Invalid size [opterr=shrinking not allowed], ")
        vdi["virtual-size"] = str(size)

    def cmd_vif_create(self, _cls: str | None) -> None:
        vm = self.lookup("vm", self.get("vm-uuid"))
        network = self.lookup("network", self.get("network-uuid"))
        device = self.get("device")
        if not device.isdigit():
            raise api_error("INVALID_DEVICE", device)
        if any(v.get("device") == device for v in self.related("vif", "vm-uuid", vm["uuid"])):
            raise api_error("DEVICE_ALREADY_EXISTS", device)
        mac = self.get("mac", "")
        if mac and not MAC.match(mac):
            raise api_error("MAC_INVALID", mac)
        octets = [random.randrange(256) & 0xFE | 0x02] + [random.randrange(256) for _ in range(5)]
        vif = self.new("vif", {
            "vm-uuid": vm["uuid"], "network-uuid": network["uuid"], "device": device,
            "MAC": mac.lower() or ":".join(f"{o:02x}" for o in octets), "MAC-autogenerated": str(not mac).lower(),
            "MTU": network.get("MTU", "1500"), "currently-attached": "false", "locking-mode": "network_default",
            "other-config": {}, "qos_algorithm_params": {},
        })
        self.print_list([vif["uuid"]])

    def cmd_vif_destroy(self, _cls: str | None) -> None:
        del self.objects["vif"][self.lookup("vif", self.get("uuid"))["uuid"]]

    def cmd_pbd_plug(self, _cls: str | None) -> None:
        self.lookup("pbd", self.get("uuid"))["currently-attached"] = "true"

    def cmd_pbd_unplug(self, _cls: str | None) -> None:
        self.lookup("pbd", self.get("uuid"))["currently-attached"] = "false"
