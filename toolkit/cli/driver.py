"""`xenkit driver verify`: check driver RPMs against the dom0 kernel before they are bundled or installed."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import click

from toolkit.cli.lazy import LazyGroup
from toolkit.errors import ValidationError


@click.group(cls=LazyGroup, lazy={"build": "toolkit.cli.driver_build:build_cmd",
                                  "cache": "toolkit.cli.driver_cache:cache",
                                  "install": "toolkit.cli.driver_install:install_cmd"})
def driver() -> None:
    """Driver RPMs for dom0: kernel modules that must match the host's kernel exactly."""


@driver.command("verify", short_help="Check driver RPMs or bundles against a kernel release (vermagic).")
@click.argument("rpms", metavar="RPM|BUNDLE...", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kernel", "kver", required=True, metavar="KVER",
              help="The dom0 kernel release the modules are for, as `uname -r` prints it on the host.")
@click.option("--json", "as_json", is_flag=True, help="Print what was found and every problem as JSON.")
def verify_cmd(rpms: tuple[Path, ...], kver: str, as_json: bool) -> None:
    """Check that every kernel module in the RPMs (or bundles) is built for kernel KVER and installs where it loads.

    Each RPM's name, version, release, arch and file list are read from its header; each .ko in its
    payload (also .ko.xz, .ko.gz) is opened and the vermagic string of its ELF .modinfo section read
    (32- and 64-bit, either byte order). Why: vermagic starts with the kernel release the module was
    built against, and the kernel refuses a module whose vermagic differs from its own (dmesg:
    "version magic ... should be ...", insmod: "Invalid module format"). Neither DKMS nor the
    XenServer tools check it before a reboot does.

    \b
    Checked, each failure an error line:
      - the RPM holds at least one .ko (a source RPM is refused: give the built one)
      - each module's vermagic names kernel KVER (both values are shown on a mismatch)
      - each module installs under /lib/modules/KVER/extra/ or /lib/modules/KVER/updates/
      - it is an ELF relocatable object whose class and machine fit the RPM's arch
        (XenServer 5.x/6.x dom0s are 32-bit: i686 RPMs, ELF32 i386 modules)
    A bundle (the .tar.gz of `xenkit driver build`) is checked as its install.sh will be on the
    host, and its RPMs as above: every member listed in SHA256SUMS with that sha256, install.sh,
    multipath.conf and manifest.json present, the manifest's kernel equal to KVER and its RPM
    hashes right, every member inside the bundle's one directory.
    Each RPM's own digests are checked as `rpm -K` checks them (the header's SHA-256 and SHA-1, the
    payload's digest, the MD5 of both; rpm 4.4-era packages carry only SHA-1 and MD5): a file changed
    or damaged since it was built is corrupt, an error.
    A Group that does not end in /Kernel is a warning. Each file gets its own verdict: ok, mismatch
    (a check failed) or unreadable (not an RPM or bundle, or cut short); one bad file does not hide the
    others. --json prints a list with one object per file (path, kind, status, errors, warnings, and
    what was read). Exit codes, the worst of the files: 0 all ok, 1 a mismatch, 2 an unreadable file.

    \b
    Examples:
      xenkit driver verify RPMS/i686/scsi_dh_alua-1.0-1.i686.rpm --kernel 2.6.32.43-0.4.1.xs1.8.0.835.170778xen
      xenkit driver verify *.rpm --kernel "$(ssh root@xenserver1 uname -r)" --json
      xenkit driver verify bundles/scsi_dh_alua_CBVTrak-2-1-2.6.32.12-0.7.1.xs6.0.2.542.170665xen.tar.gz \\
          --kernel 2.6.32.12-0.7.1.xs6.0.2.542.170665xen
    """
    with tempfile.TemporaryDirectory(prefix="xenkit-verify.") as scratch:
        _verify(rpms, kver, as_json, Path(scratch))


def _verify(paths: tuple[Path, ...], kver: str, as_json: bool, scratch: Path) -> None:
    from toolkit.driver.elfmodinfo import check_kernel_release
    from toolkit.driver.rpm_inspect import DriverCheckFailed
    from toolkit.driver.verify_files import verify_file

    problem = check_kernel_release(kver)
    if problem is not None:
        raise ValidationError("--kernel", problem)
    verdicts = []
    for number, path in enumerate(paths):
        (scratch / str(number)).mkdir()
        verdicts.append(verify_file(path, kver, scratch / str(number)))
    if as_json:
        click.echo(json.dumps([verdict.as_dict(kver) for verdict in verdicts], indent=2))
    else:
        for info in (info for verdict in verdicts for info in verdict.rpms):
            click.echo(f"{info.nvra}  ({info.source}; Group: {info.group or '-'}; {info.compression} payload)")
            for module in info.modules:
                if module.error is None:
                    click.echo(f'  {module.path}  vermagic "{module.vermagic}"  ELF{module.elf_class} {module.machine}')
                else:
                    click.echo(f"  {module.path}  unreadable: {module.error}")
            if not info.modules:
                click.echo("  (no kernel module)")
    for warning in (warning for verdict in verdicts for warning in verdict.warnings):
        click.echo(f"warning: {warning}", err=True)
    failed = [verdict for verdict in verdicts if verdict.status != "ok"]
    if not failed:
        count, rpms = sum(v.modules for v in verdicts), sum(len(v.rpms) for v in verdicts)
        click.echo(f"ok: {count} module(s) in {rpms} RPM(s) fit kernel {kver}", err=True)
        return
    for verdict in verdicts:  # each file's own verdict: the good ones here, the others as the error lines
        if verdict.status == "ok":
            click.echo(f"ok: {verdict.path}: {verdict.modules} module(s) in {len(verdict.rpms)} RPM(s) fit kernel "
                       f"{kver}", err=True)
    hints = dict.fromkeys(verdict.hint for verdict in failed if verdict.hint)
    raise DriverCheckFailed([error for verdict in failed for error in verdict.errors], "; ".join(hints) or None,
                            exit_code=max(verdict.exit_code for verdict in failed))


@driver.command("recipes")
@click.option("--json", "as_json", is_flag=True,
              help="Print them as JSON: a list with each recipe's name, description, what it builds from "
                   "(srpm and vendor_archive, or its own sources), spec, modules and multipath profile.")
def recipes_cmd(as_json: bool) -> None:
    """List the driver recipes shipped in drivers/ (what `xenkit driver build RECIPE` takes by name).

    \b
    Each line: the name, what the source is, and the description. A recipe of your own is a
    directory with a recipe.toml (see drivers/scsi_dh_alua/recipe.toml); give its path instead.
    """
    from toolkit.driver.recipe import load_recipe, recipe_names

    recipes = [load_recipe(name) for name in recipe_names()]
    if as_json:
        click.echo(json.dumps([{**recipe.as_dict(), "description": recipe.description,
                                "vendor_archive": recipe.vendor_archive, "needs_source": recipe.srpm is not None}
                               for recipe in recipes], indent=2))
        return
    for recipe in recipes:
        source = f"--source {recipe.vendor_archive or recipe.srpm}" if recipe.srpm else "its own files"
        click.echo(f"{recipe.name:14} {source:44} {recipe.description}")
