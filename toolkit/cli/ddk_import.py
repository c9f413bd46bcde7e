"""`xenkit ddk import`: the DDK VM from its ISO into a pool, through an ISO SR (done as in dom0)."""

from __future__ import annotations

import re
from pathlib import Path

import click

from toolkit.cli.hostopts import host_options, open_host, print_option, print_or_run
from toolkit.cli.options import output_option
from toolkit.errors import UsageError
from toolkit.output import PART_SUFFIX

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DIR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,199}$")  # one plain path component: no /, no leading dot


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

    XenCenter's import of the DDK can hang. This does what admins do by hand instead:
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
    from toolkit.ddk.importer import import_on_host
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
        vm_uuid = import_on_host(image, executor, data, plan, reuse=reuse, keep=keep, warn=_warn)
    click.echo(vm_uuid)


def _warn(message: str) -> None:
    click.echo(f"warning: {message}", err=True)


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
    if not _DIR.fullmatch(value) or value.endswith(PART_SUFFIX):
        raise UsageError(f"--dir {value!r}: one directory name of letters, digits and . _ + -, not starting with . "
                         "(it is created in the SR's mount)")
    return value
