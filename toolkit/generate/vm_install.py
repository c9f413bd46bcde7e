"""The xe plan that creates a guest from a template and starts its installer."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.catalog.preseed_releases import preseed_template_notes
from toolkit.catalog.profiles import BootMode, Profile
from toolkit.catalog.xetable import check_commands
from toolkit.generate.bootargs import BootInput, render_bootargs
from toolkit.generate.vm_install_hvm import HvmInstallInput, add_hvm_install_steps, hvm_lookup_steps
from toolkit.inputs.guest_fields import DISK, MEMORY, VCPUS
from toolkit.inputs.network import GuestNetwork
from toolkit.inputs.sizes import format_size
from toolkit.plan.model import Check, Plan, Step, Var, cmd, word


@dataclass(frozen=True)
class VmInstallInput:
    name: str
    network_name: str
    network: GuestNetwork
    ks_url: str
    repo: str | None = None  # None: the profile's default repository
    template: str | None = None  # None: the profile's template
    memory: int = MEMORY.default_value()
    vcpus: int = VCPUS.default_value()
    disk: int = DISK.default_value()
    mac: str | None = None  # the VIF's MAC (vif-create mac=); None: xapi picks one
    hvm: HvmInstallInput | None = None  # install from an ISO and a seed volume (vm_install_hvm.py)


def hvm_warning(profile: Profile, template: str) -> str | None:
    if profile.boot is BootMode.PV:
        return None
    return (
        f'template "{template}" is HVM: it boots install media and ignores PV-args and install-repository; '
        "attach the install ISO and give the boot arguments at its prompt"
    )


def build_vm_install_plan(profile: Profile, data: VmInstallInput) -> Plan:
    template = data.template or profile.template
    repo = data.repo or profile.repo
    bootargs = None if data.hvm else render_bootargs(profile, BootInput(data.network, data.ks_url, repo))
    net_uuid, template_uuid, existing = Var("network_uuid"), Var("template_uuid"), Var("existing_uuid")
    vm_uuid, vdi_uuid = Var("vm_uuid"), Var("vdi_uuid")
    on_vm = word("uuid=", vm_uuid)

    plan = Plan(f'xenkit: install VM "{data.name}" from profile {profile.name}', result=vm_uuid)
    plan.notes.append(f"{profile.name}: {profile.description}")
    warning = None if data.hvm else hvm_warning(profile, template)
    if warning:
        plan.notes.append(f"NOTE: {warning}")
    plan.notes += [f"NOTE: {note}" for note in preseed_template_notes(profile, template)]
    plan.add(Step(f'Find network "{data.network_name}"',
                  cmd("xe", "network-list", f"name-label={data.network_name}", "--minimal"),
                  capture=net_uuid, check=Check.ONE_UUID, what=f'network named "{data.network_name}"'))
    plan.add(Step(f'Find template "{template}"',
                  cmd("xe", "template-list", f"name-label={template}", "--minimal"),
                  capture=template_uuid, check=Check.ONE_UUID, what=f'template named "{template}"'))
    plan.add(Step(f'Check that no VM is named "{data.name}" yet',
                  cmd("xe", "vm-list", f"name-label={data.name}", "--minimal"),
                  capture=existing, check=Check.NONE_FOUND, what=f'VM named "{data.name}"'))
    for step in hvm_lookup_steps(data.hvm) if data.hvm else ():
        plan.add(step)
    plan.add(Step(f'Create VM "{data.name}" from the template',
                  cmd("xe", "vm-install", word("template=", template_uuid), f"new-name-label={data.name}"),
                  capture=vm_uuid, check=Check.ONE_UUID, what="the new VM",
                  undo=cmd("xe", "vm-uninstall", on_vm, "--force")))
    if bootargs is not None:
        plan.add(Step("Set the install repository",
                      cmd("xe", "vm-param-set", on_vm, f"other-config:install-repository={repo}")))
        plan.add(Step("Set the boot arguments (PV-args)", cmd("xe", "vm-param-set", on_vm, f"PV-args={bootargs}")))
    memory = str(data.memory)
    plan.add(Step(f"Set memory to {format_size(data.memory)}",
                  cmd("xe", "vm-memory-limits-set", on_vm, f"static-min={memory}", f"dynamic-min={memory}",
                      f"dynamic-max={memory}", f"static-max={memory}")))
    # VCPUs-at-startup may never exceed VCPUs-max: go through 1 so both orders of change are valid.
    plan.add(Step("Lower vCPUs at startup to 1", cmd("xe", "vm-param-set", on_vm, "VCPUs-at-startup=1")))
    plan.add(Step(f"Set vCPUs maximum to {data.vcpus}",
                  cmd("xe", "vm-param-set", on_vm, f"VCPUs-max={data.vcpus}")))
    plan.add(Step(f"Set vCPUs at startup to {data.vcpus}",
                  cmd("xe", "vm-param-set", on_vm, f"VCPUs-at-startup={data.vcpus}")))
    # vm-install provisions the template's disks (other-config:disks); grow the system disk after it.
    plan.add(Step("Find the system disk (device 0)",
                  cmd("xe", "vbd-list", word("vm-uuid=", vm_uuid), "userdevice=0", "type=Disk",
                      "params=vdi-uuid", "--minimal"),
                  capture=vdi_uuid, check=Check.ONE_UUID, what="system disk of the new VM"))
    plan.add(Step(f"Resize the system disk to {format_size(data.disk)}",
                  cmd("xe", "vdi-resize", word("uuid=", vdi_uuid), f"disk-size={data.disk}")))
    plan.add(Step(f'Add a network interface on "{data.network_name}"',
                  cmd("xe", "vif-create", word("vm-uuid=", vm_uuid), word("network-uuid=", net_uuid), "device=0",
                      *([f"mac={data.mac}"] if data.mac else []))))
    if data.hvm:
        add_hvm_install_steps(plan, vm_uuid, profile, data.hvm)
    plan.add(Step("Start the VM (the installer runs)", cmd("xe", "vm-start", on_vm)))
    check_commands((c.literal_prefixes() for c in plan.commands()), f'install plan for "{data.name}"')
    return plan
