"""`xenkit driver build`: the DDK build of a driver RPM, checked and bundled for dom0."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.completion import complete_hosts, complete_recipes
from toolkit.cli.options import OutputDir
from toolkit.errors import UsageError

if TYPE_CHECKING:
    from toolkit.remote.executor import Executor


@click.command("build", short_help="Build a driver RPM in the DDK (over SSH) and bundle it for dom0.")
@click.argument("recipe", shell_complete=complete_recipes)
@click.option("--build-host", metavar="HOST", shell_complete=complete_hosts,
              help="Build there over SSH (the DDK VM): [user@]address[:port] or a name from xenkit.toml. "
                   "Keys only; its host key must be known.")
@click.option("--local", is_flag=True, help="Build on this machine instead (needs rpm-build and kernel headers).")
@click.option("--trust-new-host", is_flag=True,
              help="Accept a build host whose key is not yet known and record it (a CHANGED key is always refused).")
@click.option("--kernel", "kver", required=True, metavar="KVER",
              help="The dom0 kernel release the driver is for: `uname -r` on the XenServer host.")
@click.option("--source", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="The vendor's source RPM, or the zip/tarball it comes in (the recipe names the member).")
@click.option("-o", "--output-dir", "out_dir", type=OutputDir(), default=Path("."),
              show_default=True, metavar="DIR", help="Where the bundle (and a failed build's log) goes.")
@click.option("--no-cache", is_flag=True, help="Build again even if the same inputs were built before.")
@click.option("--multipath-dialect", metavar="0.4.7|0.4.9|modern",
              help="The keyword dialect of the host's multipath-tools (default: from --xenserver or the kernel).")
@click.option("--xenserver", metavar="VERSION", help="The hosts' XenServer version (e.g. 6.0.2): picks the dialect.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the result as JSON instead of the bundle's path: the bundle and its sha256, the RPMs "
                   "and their modules, the kernel, the build host, and whether the RPMs came from the cache.")
def build_cmd(recipe: str, build_host: str | None, local: bool, trust_new_host: bool, kver: str, source: Path | None,
              out_dir: Path, no_cache: bool, multipath_dialect: str | None, xenserver: str | None,
              as_json: bool) -> None:
    """Build RECIPE's driver RPM for kernel KVER, verify it, and bundle it for the hosts.

    RECIPE is a directory under drivers/ (`scsi_dh_alua`, `demo`) or a path to one holding a
    recipe.toml. The steps are the blog's, on the build host (the DDK VM of the hosts' XenServer
    release, whose kernel headers match dom0's kernel), in a private work directory there:

    \b
      1. upload the source (sha256-checked): --source FILE, or the recipe's own files
      2. rpm -ivh --nomd5 SRPM into a private _topdir (the recipe's files: rpmbuild -bs first)
      3. rpmbuild -ba SPEC  (output in a log; the last 40 lines are shown if it fails,
         and the whole log is kept in DIR as <recipe>-<kver>.rpmbuild.log)
      4. download the RPMs its Wrote: lines name
      5. verify: every module's vermagic names KVER and it installs under
         /lib/modules/KVER/extra/ or updates/ (as `xenkit driver verify`); else nothing is bundled
      6. bundle DIR/<name>-<version>-<release>-<kver>.tar.gz: the RPMs, multipath.conf (the
         recipe's storage profile in the host's multipath-tools dialect), install.sh,
         manifest.json and SHA256SUMS. Its path is the last line printed.

    Each step's id hashes its inputs (source sha256, recipe, kernel, xenkit version); a finished
    build is kept in ~/.cache/xenkit/store. The same inputs again reuse it: no connection, no upload,
    no rpmbuild, and a byte-identical bundle. --no-cache builds again.

    On the host, as root: tar xzf the bundle, then run its install.sh (checks SHA256SUMS and
    uname -r, installs the RPM, backs up and replaces /etc/multipath.conf, rebuilds the initrd;
    never reboots).

    \b
    Examples:
      xenkit driver build scsi_dh_alua --build-host root@ddk62 \\
          --kernel 2.6.32.43-0.4.1.xs1.8.0.835.170778xen --source RHEL6_MPIO_Setup_20110712.zip -o bundles
      xenkit driver build demo --local --kernel "$(uname -r)" -o out
    """
    from toolkit.driver.build import BuildRequest, build_driver
    from toolkit.driver.recipe import load_recipe
    from toolkit.driver.store import Store, default_store
    from toolkit.generate.multipath import parse_dialect

    if local == (build_host is not None):
        raise UsageError("give one of --build-host HOST (build over SSH, in the DDK VM) and --local")
    if local and trust_new_host:
        raise UsageError("--trust-new-host: only with --build-host")
    dialect = parse_dialect(multipath_dialect) if multipath_dialect is not None else None
    request = BuildRequest(recipe=load_recipe(recipe), kver=kver, source=source, out_dir=out_dir,
                           use_cache=not no_cache, dialect=dialect, xenserver=xenserver, store=Store(default_store()))

    def connect() -> AbstractContextManager[Executor]:
        if build_host is None:
            return _local()
        from toolkit.cli.hostopts import open_host

        return open_host(build_host, trust_new_host)

    result = build_driver(request, connect)
    click.echo(json.dumps(result.as_dict(), indent=2) if as_json else str(result.bundle))


@contextmanager
def _local() -> Iterator[Executor]:
    from toolkit.remote.local import LocalExecutor

    yield LocalExecutor()
