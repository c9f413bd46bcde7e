"""`xenkit template releases` (and, later, `template clone`): VM templates for PV debian-installer releases."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.options import emit, emit_json, output_option

NETBOOT_RULE = (
    "Netboot: eliloader fetches REPO/dists/CODENAME/main/installer-ARCH/current/images/netboot/xen/"
    "{vmlinuz,initrd.gz}; it adds dists/CODENAME/ only when REPO has no /dists/ in it."
)


@click.group()
def template() -> None:
    """VM templates: the Ubuntu/Debian release catalog and clones of stock templates for newer releases.

    A PV debian-installer install needs a template whose other-config:debian-release names the
    release; a clone of a stock Lucid (Ubuntu) or Squeeze (Debian) template with debian-release
    changed installs any release in the catalog.

    \b
    Examples:
      xenkit template releases
      xenkit template releases --json -o releases.json
    """


@template.command("releases")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list: every field, and per arch the base template, the default new template "
                   "name, the repository and the netboot kernel/initrd URLs.")
@output_option
def releases_cmd(as_json: bool, output: Path | None) -> None:
    """List the Ubuntu 10.04-18.04 and Debian 6-9 releases a PV d-i install can target.

    One row per release: the stock template to clone (64-bit; the 32-bit one is its twin), and the
    XenServer versions where that template exists and boots the release's installer PV.

    \b
    Examples:
      xenkit template releases
      xenkit template releases --json | jq '.[] | select(.codename == "precise") | .per_arch.amd64'
    """
    from toolkit.releases import Arch, base_template, load_releases

    releases = load_releases()
    if as_json:
        emit_json([r.as_dict() for r in releases], output)
        return
    rows = [("DISTRO", "VERSION", "CODENAME", "ARCHES", "BASE TEMPLATE (64-bit)", "XENSERVER", "LTS")]
    rows += [
        (str(r.distro), r.version, r.codename, ",".join(r.arches), base_template(r, Arch.AMD64),
         r.xenserver_range, "LTS" if r.lts else "")
        for r in releases
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
    emit("\n".join([*lines, "", NETBOOT_RULE]) + "\n", output)
