"""The xe plan that imports the Driver Development Kit VM from its tree in an ISO SR.

The way it is done by hand, since XenCenter's import of the DDK can hang: put the ISO's ddk/ directory
in an NFS ISO SR, then in dom0

    xe vm-import filename=/var/run/sr-mount/<sr-uuid>/<dir>/ddk/ova.xml

add a network interface and start the VM. The tree itself is not part of the plan: `xenkit ddk import --host`
streams it there from the ISO first (toolkit/remote/stream_upload.py), then runs this plan, which only checks that
it is there. `build_preflight_plan` is the plan's lookups alone, run before the upload, so that an unknown SR or
network is reported before anything is copied.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.catalog.xetable import ANY_RELEASE, check_commands
from toolkit.plan.model import Arg, Check, Plan, Step, Var, Word, cmd, word

SR_MOUNT = "/var/run/sr-mount"  # where dom0 mounts a file-based SR (NFS, CIFS ISO libraries; ext, nfs VHD SRs)
ISO_CONTENT = "iso"  # an SR's content-type: ISO libraries (and the DVD drive), never VM disks
VIF_DEVICE = "0"  # the DDK's export has no network interface (the legacy ova.xml format has no VIF element)

SR_UUID, NETWORK_UUID, DISK_SR_UUID = Var("sr_uuid"), Var("network_uuid"), Var("disk_sr_uuid")
EXISTING_UUID, VM_UUID, VIF_UUID = Var("existing_uuid"), Var("vm_uuid"), Var("vif_uuid")


@dataclass(frozen=True)
class DdkImportInput:
    directory: str  # the tree's directory in the SR's mount: <mount>/<directory>/ddk/ova.xml
    sr_name: str | None = None  # the ISO SR by name-label, or
    sr_uuid: str | None = None  # by uuid: exactly one of the two
    network_name: str | None = None  # the network of the VM's interface; None: no interface
    disk_sr_name: str | None = None  # where vm-import puts the VM's disk (sr-uuid=); None: the pool's default SR
    name_label: str | None = None  # a new name for the imported VM; None: the name in ova.xml

    def __post_init__(self) -> None:
        if (self.sr_name is None) == (self.sr_uuid is None):
            raise ValueError("DdkImportInput: give sr_name or sr_uuid")


def sr_label(data: DdkImportInput) -> str:
    return f'SR "{data.sr_name}"' if data.sr_name is not None else f"SR {data.sr_uuid}"


def tree_path(data: DdkImportInput, sr_uuid: str | Var = SR_UUID) -> Word:
    """<mount>/<sr uuid>/<directory>: literal once the uuid is known, a "${sr_uuid}" word in the script."""
    return word(f"{SR_MOUNT}/", sr_uuid, f"/{data.directory}")


def _with(path: Word, suffix: str, prefix: str = "") -> Word:
    return word(prefix, *path.parts, suffix)


def _sr_filter(data: DdkImportInput) -> str:
    return f"name-label={data.sr_name}" if data.sr_name is not None else f"uuid={data.sr_uuid}"


def lookup_steps(data: DdkImportInput) -> list[Step]:
    """Find the SR, network and disk SR (each must match exactly one), and check the new name is free."""
    # content-type=iso: a local ext or NFS VHD SR is mounted in dom0 too, and the DDK would land in VM storage.
    find_sr = cmd("xe", "sr-list", _sr_filter(data), f"content-type={ISO_CONTENT}", "--minimal")
    label = sr_label(data)
    steps = [Step(f"Find the ISO {label}", find_sr, capture=SR_UUID, check=Check.ONE_UUID, what=f"ISO {label}")]
    if data.network_name is not None:
        steps.append(Step(f'Find network "{data.network_name}"',
                          cmd("xe", "network-list", f"name-label={data.network_name}", "--minimal"),
                          capture=NETWORK_UUID, check=Check.ONE_UUID, what=f'network named "{data.network_name}"'))
    if data.disk_sr_name is not None:
        steps.append(Step(f'Find SR "{data.disk_sr_name}" for the disk',
                          cmd("xe", "sr-list", f"name-label={data.disk_sr_name}", "--minimal"),
                          capture=DISK_SR_UUID, check=Check.ONE_UUID, what=f'SR named "{data.disk_sr_name}"'))
    if data.name_label is not None:
        steps.append(Step(f'Check that no VM is named "{data.name_label}" yet',
                          cmd("xe", "vm-list", f"name-label={data.name_label}", "--minimal"),
                          capture=EXISTING_UUID, check=Check.NONE_FOUND, what=f'VM named "{data.name_label}"'))
    return steps


def sr_content_command(data: DdkImportInput) -> list[str]:
    """The SR given, whatever its content type: its content-type(s), to explain a lookup that found no ISO SR."""
    argv = ["xe", "sr-list", _sr_filter(data), "params=content-type", "--minimal"]
    check_commands([argv], "DDK import SR check", ANY_RELEASE)
    return argv


def not_iso_problem(data: DdkImportInput, content_types: str) -> str | None:
    """What is wrong when the SR given exists but is no ISO SR (sr_content_command's output); else None."""
    kinds = sorted({kind for kind in content_types.strip().split(",") if kind})
    if not kinds or ISO_CONTENT in kinds:
        return None
    return f"{sr_label(data)} is not an ISO SR (content-type {', '.join(kinds)}); give the ISO library SR"


def build_preflight_plan(data: DdkImportInput) -> Plan:
    """The lookups alone (they change nothing), run before the upload; the result is the SR's uuid."""
    plan = Plan(f"xenkit: find the {sr_label(data)} and the rest before the DDK upload", result=SR_UUID)
    for step in lookup_steps(data):
        plan.add(step)
    _check(plan, "DDK import preflight plan")
    return plan


def build_ddk_import_plan(data: DdkImportInput) -> Plan:
    """The printed script, and what runs after the upload: lookups, the tree's checks, import, VIF, start."""
    tree = tree_path(data)
    ova = _with(tree, "/ddk/ova.xml")
    plan = Plan(f"xenkit: import the DDK VM from {data.directory}/ddk in the ISO {sr_label(data)}", result=VM_UUID)
    plan.notes += [
        f"The DDK tree must be in the SR's mount first: {SR_MOUNT}/<SR uuid>/{data.directory}/ddk/ova.xml.",
        "`xenkit ddk import ISO --host H` copies it there from the ISO, then runs these same steps; by hand,",
        f"`xenkit ddk extract ISO {data.directory}` into the ISO library's NFS export does the same.",
        "The SR must be an ISO SR (content-type iso): an ext or NFS VHD SR is mounted there too, but holds VM disks.",
        "Prints the new VM's uuid.",
    ]
    for step in lookup_steps(data):
        plan.add(step)
    plan.add(Step(f"Check that the SR is mounted in dom0 under {SR_MOUNT} (a file-based SR, e.g. an NFS ISO library)",
                  cmd("test", "-d", word(f"{SR_MOUNT}/", SR_UUID))))
    plan.add(Step(f"Check that the DDK tree is in the SR ({data.directory}/ddk/ova.xml)", cmd("test", "-f", ova)))
    import_args: list[Arg] = ["xe", "vm-import", _with(ova, "", "filename=")]
    if data.disk_sr_name is not None:
        import_args.append(word("sr-uuid=", DISK_SR_UUID))
    on_vm = word("uuid=", VM_UUID)
    # vm-uninstall, not vm-destroy: it removes the imported disk too, which vm-destroy would leave on the SR.
    plan.add(Step("Import the DDK VM (xe vm-import of ova.xml; the disk is copied: minutes)", cmd(*import_args),
                  capture=VM_UUID, check=Check.ONE_UUID, what="the imported VM",
                  undo=cmd("xe", "vm-uninstall", on_vm, "--force")))
    if data.name_label is not None:
        plan.add(Step(f'Name it "{data.name_label}"',
                      cmd("xe", "vm-param-set", on_vm, f"name-label={data.name_label}")))
    if data.network_name is not None:
        plan.add(Step(f'Add a network interface on "{data.network_name}"',
                      cmd("xe", "vif-create", word("vm-uuid=", VM_UUID), word("network-uuid=", NETWORK_UUID),
                          f"device={VIF_DEVICE}"),
                      # captured so that the script's stdout is the VM's uuid alone, as with --host
                      capture=VIF_UUID, check=Check.ONE_UUID, what="the new interface"))
    plan.add(Step("Start the VM", cmd("xe", "vm-start", on_vm)))
    _check(plan, "DDK import plan")
    return plan


def _check(plan: Plan, what: str) -> None:
    # A DDK (6.x's or a later one) is imported into whatever pool the user has: valid in every xe table.
    check_commands((c.literal_prefixes() for c in plan.commands()), what, ANY_RELEASE)
