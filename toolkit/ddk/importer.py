"""`ddk import --host`: look the SR and the rest up, stream the ISO's ddk/ tree into the SR, run the import plan, and
clean up after a failure (the imported VM by the plan's undo, the uploaded tree here).

Lookups run first (import_plan.build_preflight_plan), so nothing is copied for an unknown or ambiguous SR or
network. The tree is uploaded all or nothing (stream_upload.upload_tree). If the plan fails, the uploaded tree is
removed (unless keep), except after a timeout or Ctrl-C: xe may still be importing from it in dom0.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.errors import ToolkitError, UsageError
from toolkit.report import Say, say

if TYPE_CHECKING:
    from toolkit.ddk.import_plan import DdkImportInput
    from toolkit.ddk.iso import DdkIso
    from toolkit.plan.model import Plan
    from toolkit.remote.executor import ByteSink, Executor, StreamFill

TREE = "ddk"  # the part of the ISO that is copied: ddk/ova.xml and ddk/xvda/chunk-*.gz
# Per step of the import plan: vm-import copies the disk (minutes). Here, not plan_run's default, so tests can lower it.
STEP_TIMEOUT = 3600.0


def import_on_host(image: DdkIso, ex: Executor, data: DdkImportInput, plan: Plan, *, reuse: bool, keep: bool,
                   warn: Say) -> str:
    """Upload the tree (unless `reuse` finds it there) and run `plan`; the imported VM's uuid.

    Steps are reported through toolkit.report.say; `warn` reports what the ISO holds that is not copied.
    """
    from toolkit.ddk.import_plan import SR_MOUNT, build_preflight_plan
    from toolkit.plan.run import PlanFailed, run_plan
    from toolkit.remote.stream_upload import remove_tree

    say("looking up the SR and the rest before the upload")
    try:
        sr = run_plan(build_preflight_plan(data), ex).result or ""
    except PlanFailed as exc:  # lookups only: there is nothing to undo, and nothing was copied
        problem = _not_iso(ex, data)
        if problem is not None:
            raise UsageError(f"{ex.name}: {problem}; nothing uploaded",
                             hint="xe sr-list content-type=iso lists the ISO SRs") from None
        raise ToolkitError(f"{exc.message}; nothing uploaded", exc.hint) from None
    mount, dest = f"{SR_MOUNT}/{sr}", f"{SR_MOUNT}/{sr}/{data.directory}"
    info = ex.stat(mount)
    if info is None or not info.is_dir:
        raise UsageError(f"{ex.name}: {mount} does not exist: the SR is not a file-based SR mounted in dom0; "
                         "nothing uploaded", hint="give an NFS or CIFS ISO library (xe sr-list content-type=iso)")
    uploaded = False
    if ex.stat(dest) is None:
        _upload(image, ex, dest, warn)
        uploaded = True
    elif not reuse:
        raise UsageError(f"{ex.name}:{dest}: already there; nothing uploaded",
                         hint="--reuse imports the tree found there as it is; or remove it, or give another --dir")
    else:
        say(f"{dest} is there already: importing it as it is (--reuse)")
    say("running the import plan (what --print shows)")
    try:
        outcome = run_plan(plan, ex, step_timeout=STEP_TIMEOUT)
    except KeyboardInterrupt:  # xe may still be importing from the tree: it is not pulled from under it
        if uploaded:
            say(f"interrupted while the plan ran: the tree {dest} stays (a step may still run in dom0)")
        raise
    except PlanFailed as exc:
        if uploaded and exc.timed_out:  # xe vm-import may still read the tree in dom0: removing it could break that
            exc.details.append(f"kept the uploaded tree {dest}: the timed-out step may still be using it")
            exc.hint = (f"the timed-out command may still be running on {ex.name}; once no `xe vm-import` is left in "
                        f"`ps ax` there (if it succeeded, xe vm-list shows the VM), remove the tree: rm -rf -- {dest}")
        elif uploaded and not keep:
            problem = remove_tree(ex, dest)
            exc.details.append(f"removed the uploaded tree {dest}" if problem is None
                               else f"could not remove the uploaded tree {dest} ({problem}); remove it by hand")
        elif uploaded:
            exc.details.append(f"kept the uploaded tree {dest} (--keep): run again with --reuse to import it")
        raise
    return outcome.result or ""


def _not_iso(ex: Executor, data: DdkImportInput) -> str | None:
    """Why the ISO SR lookup found nothing, if the SR given is there but is not an ISO SR; else None."""
    from toolkit.ddk.import_plan import not_iso_problem, sr_content_command
    from toolkit.remote.executor import RemoteError

    try:  # only to word the error better: if this fails too, the lookup's own error stands
        result = ex.run(sr_content_command(data), step="xe sr-list (the SR's content-type)")
    except RemoteError:
        return None
    return not_iso_problem(data, result.text()) if result.ok else None


def _upload(image: DdkIso, ex: Executor, dest: str, warn: Say) -> None:
    """Stream the ISO's ddk/ tree to `dest` on the host, all or nothing, with a progress bar on stderr."""
    from toolkit.ddk.iso_tree import escaped
    from toolkit.remote.progress import TransferProgress
    from toolkit.remote.stream_upload import StreamFile, upload_tree

    if note := image.naming_warning():
        warn(note)
    entries = [e for e in image.entries if e.name == TREE or e.name.startswith(f"{TREE}/")]
    for link in (e for e in entries if e.kind == "symlink"):
        warn(f"{link.name}: a symlink (-> {escaped(link.target or '')}) in the ISO; not copied")
    directories = [e.name for e in entries if e.kind == "dir"]  # parents first: the entries are in name order
    files = [StreamFile(e.name, e.size, _filler(image, e.name)) for e in entries if e.kind == "file"]
    bar = TransferProgress(f"{image.path.name} -> {ex.name}:{dest}")
    try:
        upload_tree(ex, dest, directories, files, progress=bar)
    except BaseException:
        bar.finish("FAILED")  # end the bar's line so the error starts on its own
        raise
    bar.finish()


def _filler(image: DdkIso, name: str) -> StreamFill:
    def fill(sink: ByteSink) -> None:
        try:
            image.copy_to(name, sink)
        except OSError as exc:  # reading the ISO; the executors turn their own write errors into RemoteError
            raise ToolkitError(f"{image.path}: cannot read {name}: {exc.strerror or exc}; nothing uploaded") from exc

    return fill
