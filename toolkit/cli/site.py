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
              metavar="DIR", help="Directory to write DIR/<vm>/{ks.cfg,bootargs.txt,install.sh} into.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def render(site_file: Path, out_dir: Path, as_json: bool) -> None:
    """Render every [[vm]] of a site file: kickstart, boot arguments and xe install plan.

    The whole file is checked first and every bad entry reported (file, entry, field, why); then
    every guest is rendered and validated (pykickstart, xe command table) in memory; only then are
    the files written, each atomically; if one cannot be replaced, those already replaced are put
    back, so DIR holds the old render or the new one, never a mix. Serve DIR over HTTP at the site's
    ks_url_base. ks.cfg holds the root password hash and is written 0600: give the web server read
    access (for example chgrp -R www-data DIR && chmod g+r DIR/*/ks.cfg).

    \b
    Example (examples/site.toml is a complete site file to copy):
      xenkit render examples/site.toml -o out/
    """
    from toolkit.output import AtomicBatch
    from toolkit.site.load import load_site
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
    if as_json:
        data = [{"name": vm.name, "profile": vm.profile, "files": [str(f.path) for f in vm.files]} for vm in rendered]
        click.echo(json.dumps(data, indent=2))
        return
    for vm in rendered:
        click.echo(f"{vm.name} ({vm.profile}): {', '.join(str(f.path) for f in vm.files)}")
    click.echo(f"rendered {len(rendered)} VM(s) into {out_dir}", err=True)
