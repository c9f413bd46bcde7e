"""`xenkit template releases` and `template clone`: VM templates for PV debian-installer releases."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.completion import complete_releases
from toolkit.cli.hostopts import host_options, print_option, print_or_run
from toolkit.cli.options import emit, emit_json, output_option
from toolkit.errors import UsageError

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
      xenkit template clone precise --print
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
    from toolkit.catalog.releases import Arch, base_template, load_releases

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


@template.command("clone")
@click.argument("release_name", metavar="RELEASE", shell_complete=complete_releases)
@click.option("--from", "base", metavar="TEMPLATE",
              help="Stock template to clone (default: the catalog's, e.g. Ubuntu Lucid Lynx 10.04 (64-bit)).")
@click.option("--name", metavar="NAME",
              help='name-label of the new template (default e.g. "Ubuntu Precise Pangolin 12.04 (64-bit)").')
@click.option("--arch", default="amd64", show_default=True, metavar="amd64|i386",
              help="other-config:install-arch; also picks the 64- or 32-bit base template.")
@click.option("--repo", metavar="URL", help="other-config:install-repository (default: not set; "
              "XenCenter asks for it). The installer is fetched from under it: see `template releases`.")
@click.option("--methods", metavar="LIST", help="other-config:install-methods, e.g. cdrom,http,ftp.")
@click.option("--pv-args", metavar="TEXT", help='PV-args of the template, verbatim (e.g. "-- quiet console=hvc0").')
@click.option("--preseed", metavar="URL",
              help="PV-args for an automatic d-i install: auto=true priority=critical url=URL -- quiet console=hvc0.")
@click.option("--replace", is_flag=True,
              help="If a template of that name exists with other settings, make a new clone and remove the old one.")
@output_option
@print_option
@host_options
def clone_cmd(release_name: str, base: str | None, name: str | None, arch: str, repo: str | None,
              methods: str | None, pv_args: str | None, preseed: str | None, replace: bool, output: Path | None,
              print_only: bool, host: str | None, trust_new_host: bool) -> None:
    """Clone a stock template for RELEASE (a codename or version from `template releases`).

    For precise with the defaults this is what admins did by hand on XenServer 6.0.2: find
    "Ubuntu Lucid Lynx 10.04 (64-bit)" (exactly one must exist), vm-clone it as "Ubuntu Precise
    Pangolin 12.04 (64-bit)", and set other-config:default_template=true (vm-clone drops it),
    debian-release=precise and install-arch=amd64, plus --repo, --methods and PV-args when given.

    Running it again changes nothing: a template of that name with the same settings is reported and
    left alone; one with other settings is an error unless --replace. Without --host the plan is
    printed as a bash script to review and run in dom0; with --host it runs there over SSH and the
    template's uuid is printed.

    \b
    Examples:
      xenkit template clone precise --print
      xenkit template clone precise --host root@xenserver1 --repo http://old-releases.ubuntu.com/ubuntu/
      xenkit template clone wheezy --arch i386 --preseed http://192.0.2.2/preseed.cfg --host dom0
    """
    from toolkit.catalog.releases import base_template, default_template_name, find_release, netboot_urls, parse_arch
    from toolkit.generate.template_clone import CloneInput, build_clone_plan
    from toolkit.inputs.safetext import check_label, check_url

    release = find_release(release_name)
    install_arch = str(parse_arch(arch))
    if pv_args is not None and preseed is not None:
        raise UsageError("--pv-args and --preseed: give one (--preseed writes the PV-args for you)")
    if preseed is not None:
        pv_args = f"auto=true priority=critical url={check_url('--preseed', preseed)} -- quiet console=hvc0"
    data = CloneInput(
        release=release.codename,
        arch=install_arch,
        base=check_label("--from", base) if base is not None else base_template(release, install_arch),
        name=check_label("--name", name) if name is not None else default_template_name(release, install_arch),
        repo=None if repo is None else check_url("--repo", repo),
        methods=None if methods is None else _check_methods(methods),
        pv_args=None if pv_args is None else _check_pv_args(pv_args),
        replace=replace,
        xenserver=release.xenserver,
    )
    if data.base == data.name:
        raise UsageError(f'--name "{data.name}" is the base template itself; give another --name',
                         hint=f"{release.codename} has a stock template already; clone it only to change settings")
    plan = build_clone_plan(data)
    kernel, _initrd = netboot_urls(release, install_arch, data.repo or release.repository)
    where = "" if data.repo else " (with the catalog's repository; XenCenter asks for yours)"
    plan.notes.append(f"The installer kernel eliloader will fetch{where}: {kernel}")
    print_or_run(plan, host, print_only, trust_new_host, output)


_METHODS = ("cdrom", "http", "https", "ftp", "nfs")


def _check_methods(text: str) -> str:
    items = text.split(",")
    bad = [item for item in items if item not in _METHODS]
    if bad or len(set(items)) != len(items):
        raise UsageError(f'--methods "{text}": a comma-separated list of {", ".join(_METHODS)}, each once')
    return text


def _check_pv_args(text: str) -> str:
    from toolkit.generate.bootargs import MAX_CMDLINE

    if not text.strip() or not text.isprintable():
        raise UsageError(f"--pv-args {text!r}: must be one line of printable text")
    if len(text.encode()) > MAX_CMDLINE:
        raise UsageError(f"--pv-args: {len(text.encode())} bytes; Xen passes at most {MAX_CMDLINE} to a PV guest")
    return text
