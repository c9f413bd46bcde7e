"""The xe plan that ends an HVM install: the seed volume's CD drive removed, the install ISO ejected, disk first in
the boot order, and the VM started from its installed disk.

The seed kickstart powers the VM off when the installer is done (a reboot would boot the install CD again, CD first,
and the installer would find its answers once more). So the plan refuses a VM that is not halted: while it runs, the
installer may still be reading both CDs. Each CD step runs only when there is something to do, so a second run
changes nothing but the start.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.generate.vm_install_hvm import BOOT_DISK_FIRST, INSTALL_CD_DEVICE, SEED_CD_DEVICE, check_hvm_commands
from toolkit.plan.model import Check, Plan, Step, Var, cmd, word

VM, HALTED = Var("vm_uuid"), Var("halted_uuid")
SEED_VBD, ISO_VBD = Var("seed_vbd"), Var("iso_vbd")


@dataclass(frozen=True)
class FinishInput:
    name: str  # the VM's name-label
    start: bool = True


def build_finish_install_plan(data: FinishInput) -> Plan:
    on_vm = word("uuid=", VM)
    plan = Plan(f'xenkit: finish the install of VM "{data.name}"', result=VM)
    plan.notes.append("Run it once the installer has powered the VM off. Prints the VM's uuid.")
    plan.add(Step(f'Find VM "{data.name}"', cmd("xe", "vm-list", f"name-label={data.name}", "--minimal"),
                  capture=VM, check=Check.ONE_UUID, what=f'VM named "{data.name}"'))
    plan.add(Step("Check that the installer has powered the VM off",
                  cmd("xe", "vm-list", on_vm, "power-state=halted", "--minimal"),
                  capture=HALTED, check=Check.ONE_UUID,
                  what=f'halted VM "{data.name}" (it is still running: the installer powers it off when done)'))
    plan.add(_find_cd(SEED_VBD, SEED_CD_DEVICE, "the seed volume's CD drive", with_disc_only=False))
    plan.add(Step(f"Remove the seed volume's CD drive ({SEED_CD_DEVICE})", cmd("xe", "vbd-destroy",
                                                                              word("uuid=", SEED_VBD)),
                  only_if=SEED_VBD))
    plan.add(_find_cd(ISO_VBD, INSTALL_CD_DEVICE, "the install ISO's CD drive", with_disc_only=True))
    plan.add(Step(f"Eject the install ISO (CD drive {INSTALL_CD_DEVICE} stays, empty)",
                  cmd("xe", "vbd-eject", word("uuid=", ISO_VBD)), only_if=ISO_VBD))
    plan.add(Step("Boot from the disk first (HVM-boot-params:order)",
                  cmd("xe", "vm-param-set", on_vm, f"HVM-boot-params:order={BOOT_DISK_FIRST}")))
    if data.start:
        plan.add(Step("Start the VM from its disk", cmd("xe", "vm-start", on_vm)))
    check_hvm_commands(plan, f'finish-install plan for "{data.name}"')
    return plan


def _find_cd(capture: Var, device: str, what: str, *, with_disc_only: bool) -> Step:
    # None found means it is done already (or was never there): the step that uses it is skipped.
    disc = ["empty=false"] if with_disc_only else []
    return Step(f"Find {what} (CD at {device}{', not empty' if with_disc_only else ''})",
                cmd("xe", "vbd-list", word("vm-uuid=", VM), f"userdevice={device}", "type=CD", *disc, "--minimal"),
                capture=capture, check=Check.AT_MOST_ONE, what=what)
