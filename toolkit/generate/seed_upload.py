"""`vm install --host --seed FILE`: put the seed image into the ISO SR that holds the install ISO, then run the plan.

As `ddk import` does with its tree: the lookups run first (nothing is copied for an unknown or ambiguous ISO), the
image is streamed over the connection into the SR's mount in dom0 (/var/run/sr-mount/<sr uuid>, where a file-based
ISO library is mounted), all or nothing, and `xe sr-scan` makes it a VDI there, named by its file name; then the install
plan finds it like any seed volume. If the plan fails, the uploaded image is removed again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.vm_install_hvm import ISO_VDI, check_hvm_commands, hvm_lookup_steps
from toolkit.plan.model import Check, Plan, Step, Var, cmd, word
from toolkit.report import say

if TYPE_CHECKING:
    from toolkit.generate.vm_install_hvm import HvmInstallInput
    from toolkit.remote.executor import ByteSink, Executor

SR_MOUNT = "/var/run/sr-mount"  # where dom0 mounts a file-based SR (NFS and CIFS ISO libraries)
ISO_SR = Var("iso_sr")


@dataclass(frozen=True)
class SeedUpload:
    image: bytes  # the seed image (xenkit seed-volume's output)
    source: str  # where it came from, for messages


def upload_seed_and_run(ex: Executor, plan: Plan, hvm: HvmInstallInput, seed: SeedUpload) -> str:
    """Upload `seed` as hvm.seed_iso beside the install ISO, scan the SR, run `plan`; the plan's result."""
    from toolkit.plan.run import PlanFailed, run_plan
    from toolkit.remote.stream_upload import remove_tree

    say(f'looking up the install ISO "{hvm.iso}" before the upload')
    try:
        sr = run_plan(_preflight_plan(hvm), ex).result or ""
    except PlanFailed as exc:  # lookups only: nothing to undo, nothing copied
        raise ToolkitError(f"{exc.message}; nothing uploaded", exc.hint) from None
    mount = f"{SR_MOUNT}/{sr}"
    info = ex.stat(mount)
    if info is None or not info.is_dir:
        raise UsageError(f"{ex.name}: {mount} does not exist: the install ISO's SR is not a file-based ISO library "
                         "mounted in dom0; nothing uploaded",
                         hint=f'put {seed.source} into an ISO SR as "{hvm.seed_iso}" yourself and leave out --seed')
    dest = f"{mount}/{hvm.seed_iso}"
    if ex.stat(dest) is not None:
        raise UsageError(f"{ex.name}:{dest}: already there; nothing uploaded",
                         hint="remove it (a seed of an earlier install), or leave out --seed to use it as it is")

    def fill(sink: ByteSink) -> None:
        sink.write(seed.image)

    say(f"uploading {seed.source} to {ex.name}:{dest}")
    ex.put_stream(dest, fill, size=len(seed.image))
    try:
        run_plan(_scan_plan(sr), ex)
        outcome = run_plan(plan, ex)
    except PlanFailed as exc:
        problem = remove_tree(ex, dest)
        exc.details.append(f"removed the uploaded seed image {dest}" if problem is None
                           else f"could not remove the uploaded seed image {dest} ({problem}); remove it by hand")
        raise
    return outcome.result or ""


def _preflight_plan(hvm: HvmInstallInput) -> Plan:
    """The install ISO's lookup alone; the result is its SR's uuid (where the seed image goes)."""
    plan = Plan(f'xenkit: find the install ISO "{hvm.iso}" and its SR', result=ISO_SR)
    plan.add(hvm_lookup_steps(hvm)[0])
    plan.add(Step("Find the install ISO's SR",
                  cmd("xe", "vdi-param-get", word("uuid=", ISO_VDI), "param-name=sr-uuid"),
                  capture=ISO_SR, check=Check.ONE_UUID, what="the install ISO's SR"))
    check_hvm_commands(plan, "seed upload preflight plan")
    return plan


def _scan_plan(sr: str) -> Plan:
    plan = Plan("xenkit: make the uploaded seed image a VDI")
    plan.add(Step("Scan the ISO SR (the uploaded image becomes a VDI)", cmd("xe", "sr-scan", f"uuid={sr}")))
    check_hvm_commands(plan, "seed upload scan plan")
    return plan
