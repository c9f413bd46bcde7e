"""The HVM part of the install plan: the install ISO and the seed volume on two CD drives, CD first in the boot order.

An HVM template ignores PV-args and other-config:install-repository (platforms.md §5): the guest boots its install
ISO, and with nobody at its boot prompt the installer finds its answers on a second volume by label (seed_volume.py).

Why two CD drives, at userdevices 3 and 1: HVM guests' device models (qemu-trad up to 7.x, qemu-upstream from 8.0)
emulate an IDE controller with four units, userdevices 0-3 (hda-hdd); the system disk is 0. A CD at 1, 2 or 3 is an
emulated ATAPI drive the BIOS (or OVMF under UEFI) can boot from and the installer's kernel sees as sr0/sr1: Linux
unplugs the emulated IDE disks in favour of Xen's PV disks, never the CD drives. A VBD at 4 or above is PV only:
invisible to the firmware and to the installer until blkfront, so neither drive goes there. xe allows a CD at any
userdevice (vbd-create type=CD mode=RO device=N); xenopsd gives a CD at N the IDE slot N. Device 3 is where XenCenter
puts a VM's CD drive, so the install ISO goes there; the seed volume takes 1. A small read-only disk instead would
be a second PV disk (xvdb) the installer could be pointed at by mistake; a CD never is (ignoredisk keeps it to xvda).

The install ISO and the seed volume are looked up by name among the VDIs of every ISO SR (content-type iso), not
with vm-cd-add, which takes the first of several VDIs of one name silently: here several are an error, and so is none.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from toolkit.catalog.profiles import Profile
from toolkit.catalog.xetable import check_commands
from toolkit.plan.model import PLACEHOLDER_UUID, Check, Plan, Step, Var, cmd, word

INSTALL_CD_DEVICE = "3"
SEED_CD_DEVICE = "1"
BOOT_CD_FIRST = "dc"  # HVM-boot-params:order: d CD-ROM, c disk, n network
BOOT_DISK_FIRST = "cd"  # what the templates of 8.1 and later set (platforms.md §5)
ISO_VDI, SEED_VDI = Var("iso_vdi"), Var("seed_vdi")
ISO_VBD, SEED_VBD = Var("iso_vbd"), Var("seed_vbd")

# sh, not bash: the lookup runs as one command through the printed script and through --host alike. It prints the
# uuids of every VDI named $1 in an ISO SR, comma-separated as xe --minimal does (the step's check then wants one).
_FIND_ISO_SCRIPT = """set -e
srs=$({sr_list})
found=
IFS=,
for sr in $srs; do
  vdis=$({vdi_list})
  if [ -n "$vdis" ]; then found=${{found:+$found,}}$vdis; fi
done
printf '%s\\n' "$found"
"""
_SR_LIST = ["xe", "sr-list", "content-type=iso", "--minimal"]
_VDI_LIST = ["xe", "vdi-list", "sr-uuid=SR", "name-label=NAME", "--minimal"]


@dataclass(frozen=True)
class HvmInstallInput:
    iso: str  # name-label of the install ISO's VDI in an ISO SR
    seed_iso: str  # name-label of the seed volume's VDI (default: "<vm>-seed.iso", seed_iso_name)


def seed_iso_name(vm_name: str) -> str:
    return f"{vm_name}-seed.iso"


def find_iso_command(name: str) -> list[str]:
    """A command whose output is the uuids of the VDIs named `name` in the pool's ISO SRs (comma-separated)."""
    script = _FIND_ISO_SCRIPT.format(
        sr_list=shlex.join(_SR_LIST),
        vdi_list=shlex.join(_VDI_LIST[:2]) + ' "sr-uuid=$sr" "name-label=$1" --minimal',
    )
    return ["sh", "-c", script, "xenkit-find-iso", name]


def hvm_lookup_steps(data: HvmInstallInput) -> list[Step]:
    """Find the install ISO and the seed volume: each exactly one VDI in an ISO SR. Add them before vm-install."""
    return [
        Step(f'Find the install ISO "{data.iso}" in the ISO SRs', cmd(*find_iso_command(data.iso)),
             capture=ISO_VDI, check=Check.ONE_UUID, what=f'ISO "{data.iso}" in an ISO SR'),
        Step(f'Find the seed volume "{data.seed_iso}" in the ISO SRs', cmd(*find_iso_command(data.seed_iso)),
             capture=SEED_VDI, check=Check.ONE_UUID, what=f'seed volume "{data.seed_iso}" in an ISO SR'),
    ]


def add_hvm_install_steps(plan: Plan, vm_uuid: Var, profile: Profile, data: HvmInstallInput) -> None:
    """Attach the install ISO (CD 3) and the seed volume (CD 1) to the new VM and boot it from CD first.

    `plan` must have hvm_lookup_steps(data) before the VM's creation; these steps go after it and before vm-start.
    A failed step later undoes the VM's creation (vm-uninstall), which removes these drives and leaves both ISOs:
    vm-uninstall destroys only the VDIs its VBDs own (other-config:owner), and these VBDs own nothing.
    """
    captured = {s.capture for s in plan.steps if isinstance(s, Step)}
    assert {ISO_VDI, SEED_VDI} <= captured, "add hvm_lookup_steps(data) before add_hvm_install_steps"
    on_vm = word("vm-uuid=", vm_uuid)
    plan.notes.append(
        f"{profile.name} installs from its ISO with nobody at the boot prompt: the installer reads its answers "
        f'from the seed volume "{data.seed_iso}" (xenkit seed-volume) and powers the VM off when it is done; '
        "then `xenkit vm finish-install` ejects both and boots the VM from its disk."
    )
    plan.add(Step(f"Attach the install ISO as CD drive {INSTALL_CD_DEVICE}",
                  cmd("xe", "vbd-create", on_vm, word("vdi-uuid=", ISO_VDI), f"device={INSTALL_CD_DEVICE}",
                      "type=CD", "mode=RO", "bootable=true"),
                  capture=ISO_VBD, check=Check.ONE_UUID, what="the install CD drive"))
    plan.add(Step(f"Attach the seed volume as CD drive {SEED_CD_DEVICE}",
                  cmd("xe", "vbd-create", on_vm, word("vdi-uuid=", SEED_VDI), f"device={SEED_CD_DEVICE}",
                      "type=CD", "mode=RO", "bootable=false"),
                  capture=SEED_VBD, check=Check.ONE_UUID, what="the seed CD drive"))
    plan.add(Step("Boot from CD first (HVM-boot-params:order)",
                  cmd("xe", "vm-param-set", word("uuid=", vm_uuid), f"HVM-boot-params:order={BOOT_CD_FIRST}")))
    check_hvm_commands(plan, "HVM install plan")


def check_hvm_commands(plan: Plan, what: str) -> None:
    """The plan's xe commands, and those inside its ISO lookups, against xe's table."""
    inner = [_SR_LIST, [*_VDI_LIST[:2], f"sr-uuid={PLACEHOLDER_UUID}", "name-label=x", "--minimal"]]
    check_commands([*(c.literal_prefixes() for c in plan.commands()), *inner], what)
