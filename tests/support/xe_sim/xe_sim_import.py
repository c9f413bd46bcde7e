"""The xe simulator's vm-import (xe_sim.py): a VM from an export on the host's own disk, read as xe reads it.

vm-import is a With_fd command: the xe client itself reads filename= on the machine it runs on (dom0), so the
export must exist and be readable there, and the simulator reads it the same way. Modelled:
  - filename=DIR/ova.xml (xe drops the ova.xml itself) or DIR holding ova.xml: a Zurich-style directory export,
    the DDK ISO's format. ova.xml is <appliance version="0.1"> with <vdi name size source type variety> and <vm>
    (<label>, <shortdesc>, <config mem_set vcpus>, optional <hacks is_hvm kernel_boot_cmdline>, <vbd device
    function mode vdi>), parsed with xapi's rules (ocaml/xapi/xva.ml). As the xe client streams a disk, each
    VDI's source file://NAME must be a directory DIR/NAME of chunk-* files whose gunzipped bytes add up to its size.
  - any other XML (a new-style export's metadata): a VM named by its first name_label, else "Imported VM";
    no disks. A single-file .xva is not modelled.
Created: the VM (halted, not a template; PV with pygrub unless is_hvm), a VDI per <vdi> in sr-uuid= (else the
pool's default SR; an ISO SR takes no new disks) and a VBD per <vbd>. The VBDs get other-config:owner, as disks
provisioned from a template have, so that vm-uninstall removes them with the VM. Prints the new VM's uuid, as xe.
Error texts: xe's (xva.ml, the xe client) where known, else "Error: ..." worded by this simulator.
Standard library only, as the simulator.
"""

from __future__ import annotations

import gzip
import os
import re
import xml.etree.ElementTree as ElementTree
import zlib
from pathlib import Path

from .xe_sim_common import Record, XeError, api_error, fail
from .xe_sim_records import Records
from .xe_sim_state import VM_BASE

CHUNK = 1 << 20
VARIETIES = {"system", "ephemeral", "user", "suspend", "crashdump", "metadata"}


def parse_failure(message: str) -> XeError:
    return fail(f"Parse failure: {message}")  # xva.ml's Parse_failure, as the xe client reports it


class ImportOps(Records):
    """vm-import, a part of the simulator's command class xe_sim_ops.Sim."""

    def cmd_vm_import(self, _cls: str | None) -> None:
        if not self.has("filename"):
            raise XeError("Required parameter not found: filename\nFor usage run: 'xe help'")
        sr = self.import_sr()
        export = Path(self.get("filename"))
        if export.name == "ova.xml":  # xe's special case: the user named the metadata file, not the directory
            export = export.parent
        metadata = export / "ova.xml"
        if export.is_file():
            raise XeError("xe simulator: importing a single-file .xva is not implemented")
        try:
            root = ElementTree.fromstring(metadata.read_bytes())
        except OSError as error:
            raise fail(f"Failed to open {metadata}: {error.strerror or error}") from None
        except ElementTree.ParseError as error:
            raise fail(f"Failed to parse {metadata}: {error}") from None
        if root.tag == "appliance":
            vm, vdis = self.appliance(root)
            for vdi in vdis.values():
                check_chunks(export, vdi)
        else:
            label = next((m.findtext("value", "") for m in root.iter("member") if m.findtext("name") == "name_label"),
                         "Imported VM")
            vm, vdis = {"label": label.strip(), "description": "", "vbds": []}, {}
        self.create(vm, vdis, sr)

    def import_sr(self) -> str:
        if self.has("sr-uuid"):
            sr: Record = self.lookup("sr", self.get("sr-uuid"))
        else:
            pool: Record = next(iter(self.objects["pool"].values()), {})
            sr = self.objects["sr"].get(str(pool.get("default-SR", "")), {})
            if not sr:
                raise fail("Failed to find a valid default SR for the Pool. Please provide an sr-uuid parameter.")
        if sr.get("content-type") == "iso" or sr.get("type") in ("iso", "udev"):
            raise api_error("SR_OPERATION_NOT_SUPPORTED", self.ref(sr))  # ISO and DVD SRs take no new VDIs
        return str(sr["uuid"])

    def appliance(self, root: ElementTree.Element) -> tuple[Record, dict[str, Record]]:
        """xva.ml's parse_appliance: the first <vm> (xe imports each; the DDK has one) and the <vdi>s by name."""
        if root.get("version") != "0.1":
            raise fail("Version mismatch: this export is not version 0.1")  # xva.ml's Version_mismatch
        vdis: dict[str, Record] = {}
        for node in root.findall("vdi"):
            vdi = {key: required(node, key) for key in ("name", "size", "source", "type", "variety")}
            if vdi["variety"].lower() not in VARIETIES:
                raise parse_failure(f"Unknown variety: {vdi['variety']}")
            if not vdi["size"].isdigit():
                raise parse_failure(f"vdi {vdi['name']}: size {vdi['size']!r} is not a number")
            vdis[vdi["name"]] = vdi
        node = element(root, "vm")
        config, hacks = element(node, "config"), node.find("hacks")
        vm: Record = {
            "label": text(element(node, "label")), "description": text(element(node, "shortdesc")),
            "memory": required(config, "mem_set"), "vcpus": required(config, "vcpus"),
            "hvm": (hacks.get("is_hvm", "true") if hacks is not None else "true").lower() == "true",
            "cmdline": hacks.get("kernel_boot_cmdline", "") if hacks is not None else "", "vbds": [],
        }
        if not vm["memory"].isdigit() or not vm["vcpus"].isdigit():
            raise parse_failure("config: mem_set and vcpus must be numbers")
        for vbd in node.findall("vbd"):
            fields = {key: required(vbd, key) for key in ("device", "function", "mode", "vdi")}
            if fields["mode"].lower() not in ("r", "w", "rw"):
                raise parse_failure(f"Unknown mode: {fields['mode']}")
            if fields["vdi"] not in vdis:
                raise fail(f"Missing key: {fields['vdi']}")  # xva.ml's Missing_key: a vbd naming no <vdi>
            vm["vbds"].append(fields)
        return vm, vdis

    def create(self, vm: Record, vdis: dict[str, Record], sr: str) -> None:
        record: Record = {**VM_BASE, "name-label": vm["label"], "name-description": vm["description"],
                          "is-a-template": "false", "is-default-template": "false", "other-config": {}}
        if "memory" in vm:
            record.update({f"memory-{n}": vm["memory"] for n in ("static-min", "dynamic-min", "dynamic-max",
                                                                   "static-max")})
            record.update({"VCPUs-max": vm["vcpus"], "VCPUs-at-startup": vm["vcpus"]})
        hvm = vm.get("hvm", False)
        record.update({"domain-type": "hvm" if hvm else "pv", "hvm": str(hvm).lower()})
        record.update({"HVM-boot-policy": "BIOS order"} if hvm else {"PV-bootloader": "pygrub",
                                                                    "PV-args": vm.get("cmdline", "")})
        new_vm = self.new("vm", record)
        made: dict[str, str] = {}
        for vbd in vm["vbds"]:
            vdi = vdis[vbd["vdi"]]
            if vdi["name"] not in made:
                made[vdi["name"]] = self.new("vdi", {
                    "name-label": vdi["name"], "name-description": "", "sr-uuid": sr, "virtual-size": vdi["size"],
                    "physical-utilisation": vdi["size"], "type": vdi["variety"].lower(), "sharable": "false",
                    "read-only": str(vbd["mode"].lower() == "r").lower(), "managed": "true", "on-boot": "persist",
                    "allow-caching": "false",
                })["uuid"]
            self.new("vbd", {"vm-uuid": new_vm["uuid"], "vdi-uuid": made[vdi["name"]],
                            "userdevice": userdevice(vbd["device"]), "bootable": str(vbd["function"] == "root").lower(),
                            "mode": "RO" if vbd["mode"].lower() == "r" else "RW", "type": "Disk", "empty": "false",
                            "unpluggable": "false", "currently-attached": "false", "device": "",
                            "other-config": {"owner": ""}})
        self.print_list([new_vm["uuid"]])


def required(node: ElementTree.Element, key: str) -> str:
    value = node.get(key)
    if value is None:
        raise fail(f"Missing key: {key}")  # xva.ml's Missing_key
    return value


def element(node: ElementTree.Element, name: str) -> ElementTree.Element:
    found = node.find(name)
    if found is None:
        raise parse_failure(f"Failed to find element: {name}")
    return found


def text(node: ElementTree.Element) -> str:
    if len(node):
        raise parse_failure("Failed to find PCData within element")
    return (node.text or "").strip()


def userdevice(device: str) -> str:
    """xvda / hda / sda -> 0, xvdb -> 1, ...; a number stays."""
    match = re.fullmatch(r"(?:xvd|hd|sd)([a-p])|(\d+)", device)
    if match is None:
        raise parse_failure(f"vbd device {device!r} is not a disk device name")
    return match.group(2) or str(ord(match.group(1)) - ord("a"))


def check_chunks(export: Path, vdi: Record) -> None:
    """What the xe client does while it streams a directory export's disk (cli's stream_from_xva_dir)."""
    if vdi["type"] != "dir-gzipped-chunks":
        raise fail(f"Cannot handle directory XVA disk encoding: {vdi['type']}")
    if not vdi["source"].startswith("file://"):
        raise fail(f"Cannot handle disk source: {vdi['source']} (need a file:// URI)")
    directory = export / vdi["source"][len("file://"):]
    try:
        chunks = sorted(name for name in os.listdir(directory) if name.startswith("chunk-"))
    except OSError as error:
        raise fail(f"Failed to read {directory}: {error.strerror or error}") from None
    if not chunks:
        raise fail(f"Failed to find disk chunks in dir: {directory}")
    total = 0
    for name in chunks:
        try:
            with gzip.open(directory / name, "rb") as handle:
                while data := handle.read(CHUNK):
                    total += len(data)
        except (OSError, EOFError, zlib.error) as error:
            raise fail(f"zcat {directory / name}: {error}") from None
    if total != int(vdi["size"]):
        raise fail(f"Streamed all the disk chunks I could find but I count only {total} bytes out of {vdi['size']}")
