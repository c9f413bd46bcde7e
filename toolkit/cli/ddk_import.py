"""`xenkit ddk import`: the DDK VM from its ISO into a pool, through an ISO SR (seed 002 step 3, done as in dom0)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.hostopts import host_options, open_host, print_option, print_or_run, say
from toolkit.cli.options import output_option
from toolkit.errors import ToolkitError, UsageError

if TYPE_CHECKING:
    from toolkit.ddk.import_plan import DdkImportInput
    from toolkit.ddk.iso import DdkIso
    from toolkit.plan.model import Plan
    from toolkit.remote.executor import ByteSink, Executor, StreamFill

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DIR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")  # one plain path component: no /, no leading dot
TREE = "ddk"  # the part of the ISO that is copied: ddk/ova.xml and ddk/xvda/chunk-*.gz
# Per step of the import plan: vm-import copies the disk (minutes). Here, not plan_run's default, so tests can lower it.
STEP_TIMEOUT = 3600.0


@click.command("import")
@click.argument("iso", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--sr-uuid", metavar="UUID", help="The ISO SR to put the tree in, by uuid.")
@click.option("--sr-name", metavar="NAME", help="The ISO SR to put the tree in, by name-label (exactly one).")
@click.option("--network", "network_name", metavar="NETWORK-NAME",
              help="name-label of the network for the VM's interface (eth0). Without it the VM gets none.")
@click.option("--dir", "directory", metavar="NAME",
              help="Directory for the tree in the SR (default: the ISO's name without .iso).")
@click.option("--disk-sr", "disk_sr_name", metavar="NAME",
              help="name-label of the SR for the VM's disk (default: the pool's default SR).")
@click.option("--name-label", metavar="NAME", help="Rename the imported VM (default: the name in its ova.xml).")
@click.option("--reuse", is_flag=True, help="If the tree is in the SR already, import it as it is (no upload).")
@click.option("--keep", is_flag=True, help="If the import fails, keep the uploaded tree (for a --reuse run).")
@output_option
@print_option
@host_options
def import_cmd(iso: Path, sr_uuid: str | None, sr_name: str | None, network_name: str | None,
               directory: str | None, disk_sr_name: str | None, name_label: str | None, reuse: bool, keep: bool,
               output: Path | None, print_only: bool, host: str | None, trust_new_host: bool) -> None:
    """Import the DDK VM from ISO into a pool, the way that works: xe vm-import in dom0.

    XenCenter's import of the DDK can hang. This does what seed 002 and the field notes do instead:
    the ISO's ddk/ tree goes into an ISO SR that dom0 has mounted (an NFS or CIFS ISO library, under
    /var/run/sr-mount/<SR uuid>/), and dom0 runs xe vm-import filename=<there>/ddk/ova.xml. Then
    the VM gets a network interface (--network) and is started; its uuid is the last line printed.

    With --host H, xenkit first looks up the SR, network and disk SR (nothing is copied if one is
    missing or ambiguous), then streams ddk/ from the ISO over SFTP into
    /var/run/sr-mount/<SR uuid>/DIR/ddk/ (no temporary copy here; a progress bar on a terminal).
    The tree is built in a hidden directory beside DIR, each file checked with the host's sha256sum,
    and renamed to DIR at the end: on a failure or Ctrl-C nothing is left there. Then it runs the
    plan that --print shows. If a step fails, the imported VM is uninstalled (its disk too), the
    uploaded tree is removed (unless --keep) and the exit status is 1; if a step timed out, the
    tree stays (xe may still be importing from it) and the error says how to remove it later. The
    tree stays after a successful import; remove it when you no longer need it.

    Without --host (or with --print) the plan is printed as a bash script to review and run in dom0.
    It does not copy the tree: it checks that DIR/ddk/ova.xml is in the SR, so put it there first
    (e.g. `xenkit ddk extract ISO DIR` into the ISO library's NFS export).

    Refused: an ISO without ddk/ova.xml (exit 2); an SR that is not an ISO SR (content-type iso:
    a local or NFS VHD SR is mounted in dom0 too, but holds VM disks); an ISO SR that dom0 has not
    mounted under /var/run/sr-mount (e.g. the DVD drive: give an ISO library); a DIR already in the
    SR, unless --reuse, which imports the tree found there instead of uploading.

    \b
    Examples:
      xenkit ddk import XenServer-6.0.2-DDK.iso --sr-name "NFS ISO library" \\
          --network "Pool-wide network associated with eth0" --host root@xenserver1
      xenkit ddk import XenServer-6.0.2-DDK.iso --sr-name "NFS ISO library" --print
      xenkit ddk import ddk.iso --sr-uuid 0f6c3c5e-... --dir ddk-6.0.2 --disk-sr "Local storage" \\
          --name-label "DDK 6.0.2" --network "Pool-wide network associated with eth0" --host dom0
    """
    from toolkit.ddk.import_plan import DdkImportInput, build_ddk_import_plan
    from toolkit.ddk.iso import open_iso

    if sr_uuid is None and sr_name is None:
        raise UsageError("give the ISO SR: --sr-name NAME or --sr-uuid UUID", hint="xe sr-list content-type=iso")
    if sr_uuid is not None and sr_name is not None:
        raise UsageError("--sr-name and --sr-uuid: give one")
    data = DdkImportInput(
        directory=_directory(directory, iso), sr_name=_label("--sr-name", sr_name), sr_uuid=_uuid(sr_uuid),
        network_name=_label("--network", network_name), disk_sr_name=_label("--disk-sr", disk_sr_name),
        name_label=_label("--name-label", name_label),
    )
    plan = build_ddk_import_plan(data)
    if data.network_name is None:
        click.echo("warning: no --network: the VM gets no network interface (add one later with xe vif-create)",
                   err=True)
    if host is None and (reuse or keep):
        raise UsageError("--reuse and --keep: only with --host (the printed plan never copies or removes the tree)")
    if host is None or print_only:
        with open_iso(iso):  # refuse a file that is not a DDK ISO here too: the script would be for nothing
            pass
        print_or_run(plan, host, print_only, trust_new_host, output)
        return
    if output is not None:
        raise UsageError("-o/--output: only with --print (with --host the plan runs and prints its result)")
    with open_iso(iso) as image, open_host(host, trust_new_host) as executor:
        vm_uuid = _import_on_host(image, executor, data, plan, reuse, keep)
    click.echo(vm_uuid)


def _import_on_host(image: DdkIso, ex: Executor, data: DdkImportInput, plan: Plan, reuse: bool, keep: bool) -> str:
    from toolkit.ddk.import_plan import SR_MOUNT, build_preflight_plan
    from toolkit.plan.run import PlanFailed, run_plan
    from toolkit.remote.stream_upload import remove_tree

    say("looking up the SR and the rest before the upload")
    try:
        sr = run_plan(build_preflight_plan(data), ex, say).result or ""
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
        _upload(image, ex, dest)
        uploaded = True
    elif not reuse:
        raise UsageError(f"{ex.name}:{dest}: already there; nothing uploaded",
                         hint="--reuse imports the tree found there as it is; or remove it, or give another --dir")
    else:
        say(f"{dest} is there already: importing it as it is (--reuse)")
    say("running the import plan (what --print shows)")
    try:
        outcome = run_plan(plan, ex, say, step_timeout=STEP_TIMEOUT)
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


def _upload(image: DdkIso, ex: Executor, dest: str) -> None:
    from toolkit.remote.progress import TransferProgress
    from toolkit.remote.stream_upload import StreamFile, upload_tree

    if image.naming_warning():
        click.echo(f"warning: {image.naming_warning()}", err=True)
    entries = [e for e in image.entries if e.name == TREE or e.name.startswith(f"{TREE}/")]
    for link in (e for e in entries if e.kind == "symlink"):
        click.echo(f"warning: {link.name}: a symlink (-> {link.target}) in the ISO; not copied", err=True)
    directories = [e.name for e in entries if e.kind == "dir"]  # parents first: the entries are in name order
    files = [StreamFile(e.name, e.size, _filler(image, e.name)) for e in entries if e.kind == "file"]
    bar = TransferProgress(f"{image.path.name} -> {ex.name}:{dest}")
    try:
        upload_tree(ex, dest, directories, files, progress=bar, say=say)
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


def _label(option: str, value: str | None) -> str | None:
    from toolkit.inputs.safetext import check_label

    return None if value is None else check_label(option, value)


def _uuid(value: str | None) -> str | None:
    if value is not None and not _UUID.fullmatch(value):
        raise UsageError(f"--sr-uuid {value!r}: not a uuid (8-4-4-4-12 lowercase hex digits)")
    return value


def _directory(value: str | None, iso: Path) -> str:
    if value is None:  # the ISO's name, made a plain path component: "XenServer 6.0.2 DDK.iso" -> XenServer_6.0.2_DDK
        stem = re.sub(r"[^A-Za-z0-9._+-]", "_", iso.name.removesuffix(".iso").removesuffix(".ISO"))
        return stem.lstrip("._-+")[:200] or "ddk"
    if not _DIR.fullmatch(value) or value.endswith(".xenkit-part"):
        raise UsageError(f"--dir {value!r}: one directory name of letters, digits and . _ + -, not starting with . "
                         "(it is created in the SR's mount)")
    return value
