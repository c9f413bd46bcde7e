"""`xenkit ddk`: the Driver Development Kit ISO, the first step of a driver build."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.lazy import LazyGroup


def human_size(count: int) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(count)
    for unit in ("B", "KiB", "MiB"):
        if value < 1024:
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"


@click.group(cls=LazyGroup, lazy={"import": "toolkit.cli.ddk_import:import_cmd",
                                  "network": "toolkit.cli.ddk_network:network_cmd"})
def ddk() -> None:
    """The Driver Development Kit (DDK): the VM that XenServer driver RPMs are built in.

    Citrix ships a DDK for each XenServer release as an ISO (e.g. XenServer-6.2.0-DDK.iso). It holds
    one exported VM: ddk/ova.xml (its metadata) and its disk as gzipped chunks under ddk/xvda/. Build
    drivers in the DDK of the release the hosts run: its kernel headers are the hosts' kernel.

    \b
    The steps:
      1. xenkit ddk import XenServer-6.2.0-DDK.iso --host xs1 --sr-name "NFS ISO library" \\
             --network "Pool-wide network associated with eth0"
         copies ddk/ from the ISO into the ISO SR (streaming, checked) and runs
         xe vm-import filename=/var/run/sr-mount/<sr-uuid>/<dir>/ddk/ova.xml, adds a VIF and
         starts the VM (importing the DDK from XenCenter can hang; xe vm-import does not).
         By hand instead: xenkit ddk extract XenServer-6.2.0-DDK.iso ddk-6.2, put ddk-6.2 in the
         SR, and run the plan that `xenkit ddk import ... --print` shows.
      2. xenkit ddk network --ip 192.0.2.20/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
             --hostname ddk62 --host root@192.0.2.20   (or print the files for the VM's console)
      3. xenkit driver build scsi_dh_alua --build-host root@ddk62 --kernel "$(ssh root@xs1 uname -r)" \\
             --source RHEL6_MPIO_Setup_20110712.zip
    """


@ddk.command("extract")
@click.argument("iso", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("dest", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print what was extracted as JSON.")
def extract_cmd(iso: Path, dest: Path, as_json: bool) -> None:
    """Extract the DDK ISO into DEST, a new directory (or an empty one).

    The ISO is read with pycdlib, by its Rock Ridge names, else its Joliet names, else its plain
    ISO 9660 names (lowercased, `;1` removed; a warning says so). It must hold ddk/ova.xml. Files
    stream from the ISO to disk (no mount, no root, nothing held in memory) with a progress bar on
    a terminal. At the end it prints DEST as given, the number of files and their total size (with
    --json: dest, files, directories, bytes, naming and the symlinks not created); the next step is
    `xe vm-import filename=<where the host sees DEST>/ddk/ova.xml` (see `xenkit ddk --help`).

    All or nothing: the tree is built in a hidden directory beside DEST and renamed to DEST at the
    end; on any error nothing is left behind. Refused before anything is written: a file that is
    not a regular file (or a block device, e.g. /dev/sr0), not a readable ISO or is truncated (exit
    2), a name in the ISO that would land outside DEST (an absolute path, `..`, `/`, NUL or another
    control character in a name, or a name twice), and a DEST that exists and is not an empty
    directory. Symlinks in the ISO are not created (a DDK has none): each is reported. Modes and
    times are not copied: everything extracted is yours to read, change and remove.

    \b
    Examples:
      xenkit ddk extract XenServer-6.2.0-DDK.iso ddk-6.2
      xenkit ddk extract /mnt/isos/ddk.iso /srv/iso-sr/ddk-6.2
      xenkit ddk extract /dev/sr0 ddk-6.2 --json
    """
    from toolkit.ddk.iso import check_dest, open_iso
    from toolkit.ddk.iso_tree import escaped
    from toolkit.remote.progress import FAILED, TransferProgress

    check_dest(dest)  # before the ISO is read: a DEST in use is the quickest mistake to report
    with open_iso(iso) as image:
        if image.naming_warning():
            click.echo(f"warning: {image.naming_warning()}", err=True)
        bar = TransferProgress(f"{iso.name} -> {dest}")
        try:
            result = image.extract(dest, progress=bar)
        except BaseException:
            bar.finish(FAILED)  # how far it got, on a line of its own: the error starts on the next
            raise
        bar.finish()
    for link in result.skipped:
        target = escaped(link.target or "")
        click.echo(f"warning: {link.name}: a symlink (-> {target}) in the ISO; not created", err=True)
    if as_json:
        import json

        skipped = [{"name": link.name, "target": link.target} for link in result.skipped]
        data = {"dest": str(result.dest), "files": result.files, "directories": result.directories,
                "bytes": result.size, "naming": image.naming, "symlinks_not_created": skipped}
        click.echo(json.dumps(data, indent=2))
        return
    files = f"{result.files} file{'' if result.files == 1 else 's'}"
    click.echo(f"{result.dest}: {files}, {human_size(result.size)} ({image.naming} names)")
