"""`xenkit render SITE.toml -o DIR`: the main job."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from toolkit.cli.options import OutputDir
from toolkit.errors import UsageError


@click.command()
@click.argument("site_file", metavar="SITE.toml", type=click.Path(path_type=Path))
@click.option("-o", "--output", "out_dir", required=True, type=OutputDir(),
              metavar="DIR", help="Directory to write DIR/<vm>/{ks.cfg|preseed.cfg|user-data+meta-data,bootargs.txt,"
                                  "install.sh} into, and each HVM VM's seed image DIR/<vm>/<vm>-seed.iso.")
@click.option("--prune", is_flag=True,
              help="Remove the directories of VMs no longer in the site file (only those holding nothing but "
                   "the files a render writes).")
@click.option("--json", "as_json", is_flag=True, help="Print what was written (and stale or pruned directories) "
              "as JSON.")
def render(site_file: Path, out_dir: Path, prune: bool, as_json: bool) -> None:
    """Render every [[vm]] of a site file: kickstart (or preseed), boot arguments and xe install plan.

    The whole file is checked first and every bad entry reported (file, entry, field, why); then
    every guest is rendered and validated (pykickstart, the preseed check, xe command table) in
    memory; only then are the files written, each atomically; if one cannot be replaced, those
    already replaced are put back, so DIR holds the old render or the new one, never a mix. Serve
    DIR over HTTP at the site's ks_url_base. ks.cfg (a preseed profile's guest: preseed.cfg) holds
    the root password hash and is written 0600: give the web server read access (for example
    chgrp -R www-data DIR && chmod g+r DIR/*/*.cfg). A ks.cfg or preseed.cfg from an earlier render
    keeps its hash while the password file still matches it (no new salt on every run, so DIR
    under version control changes only where something did).

    A VM whose template is HVM on its release (its `iso` key names the install ISO) also gets its
    seed image, DIR/<vm>/<vm>-seed.iso (the site key seed_iso names it otherwise): `xenkit
    seed-volume`'s image (label OEMDRV with ks.cfg, or cidata with user-data and meta-data) of the
    very answer files written beside it, 0600. install.sh looks for it by that name in the pool's
    ISO SRs: copy it into the ISO library and `xe sr-scan` the SR before running install.sh.

    A directory of DIR whose VM is no longer in the site file is listed as stale on standard error;
    --prune removes it, after the render succeeded, if it holds nothing but the files above.

    \b
    Example (examples/site.toml is a complete site file to copy):
      xenkit render examples/site.toml -o out/
      xenkit render examples/site.toml -o out/ --prune --json
    """
    from toolkit.output import AtomicBatch
    from toolkit.site.load import load_site
    from toolkit.site.previous import remove_directory, stale_directories
    from toolkit.site.render import render_site

    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"-o {out_dir}: exists and is not a directory")
    site = load_site(site_file)
    show = sys.stderr.isatty() and not as_json

    def progress(done: int, total: int, name: str) -> None:
        if show:
            click.echo(f"\rrendering {done}/{total}: {name}\033[K", err=True, nl=done == total)

    rendered = []
    with AtomicBatch() as batch:  # files are staged while later guests still render
        for vm in render_site(site, out_dir, progress):
            rendered.append(vm)
            for out in vm.files:
                batch.add(out)
        batch.commit()  # only now, with every guest rendered and validated, are targets replaced
    leftovers = stale_directories(out_dir, {vm.name for vm in site.vms})
    stale, pruned = ([], leftovers) if prune else (leftovers, [])
    for directory in pruned:  # only after the render succeeded: a failed one removes nothing
        remove_directory(directory)
        click.echo(f"removed {directory} (no [[vm]] of that name in {site_file})", err=True)
    for directory in stale:
        click.echo(f"stale: {directory} (no [[vm]] of that name in {site_file}; --prune removes it)", err=True)
    if as_json:
        data = {
            "vms": [{"name": vm.name, "profile": vm.profile, "files": [str(f.path) for f in vm.files]}
                    for vm in rendered],
            "stale": [str(directory) for directory in stale],
            "pruned": [str(directory) for directory in pruned],
        }
        click.echo(json.dumps(data, indent=2))
        return
    for vm in rendered:
        click.echo(f"{vm.name} ({vm.profile}): {', '.join(str(f.path) for f in vm.files)}")
    click.echo(f"rendered {len(rendered)} VM(s) into {out_dir}", err=True)
