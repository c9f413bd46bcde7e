"""What goes into a driver bundle, besides the RPMs: multipath.conf, install.sh and manifest.json.

Everything here is a pure function of its inputs (no clock, no host names looked up now), so that the same
inputs give a byte-identical bundle: the build host's name comes from the cached build record.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit import __version__
from toolkit.driver.bundle_write import Member
from toolkit.driver.manifest import NAME as MANIFEST
from toolkit.driver.manifest import Manifest, ModuleEntry, MultipathEntry, RpmEntry, ToolkitEntry, encode
from toolkit.driver.recipe import Recipe
from toolkit.driver.rpm_inspect import RpmInfo
from toolkit.errors import ToolkitError
from toolkit.generate.install_script import render_install_script
from toolkit.generate.multipath import Dialect, check_supported, find_xenserver_release, render_multipath_conf

# XenServer dom0 kernels name their release: 2.6.32.12-0.7.1.xs6.0.2.542.170665xen is XenServer 6.0.2.
# The multipath.conf drop-in for hosts whose /etc/multipath.conf is the platform's: install.sh writes it as
# /etc/multipath/conf.d/custom.conf.
DROPIN = "multipath-custom.conf"
_XS_IN_KERNEL = re.compile(r"\.xs(\d+\.\d+(?:\.\d+)?)\.")


@dataclass(frozen=True)
class DialectChoice:
    dialect: Dialect
    why: str


def choose_dialect(given: Dialect | None, xenserver: str | None, kver: str) -> DialectChoice:
    """--multipath-dialect, else the dialect of --xenserver VERSION, else of the release the kernel names."""
    if xenserver is not None:
        release = check_supported(xenserver)  # refused by name before anything is built
        if given is None:
            return DialectChoice(release.dialect, f"XenServer {xenserver}")
    if given is not None:
        return DialectChoice(given, "--multipath-dialect")
    match = _XS_IN_KERNEL.search(kver)
    if match:
        try:
            release = find_xenserver_release(match.group(1))
        except ToolkitError:
            pass
        else:
            return DialectChoice(release.dialect, f"kernel {kver} is XenServer {release.version}'s")
    return DialectChoice(Dialect.V049, f"kernel {kver} names no known XenServer release; 0.4.9 is the "
                                       "conservative default (--multipath-dialect or --xenserver to choose)")


def module_rpm(infos: Sequence[RpmInfo]) -> RpmInfo:
    """The RPM the bundle is named after: the first one that holds a kernel module."""
    return next((info for info in infos if info.modules), infos[0])


def bundle_stem(info: RpmInfo, kver: str) -> str:
    return f"{info.name}-{info.version}-{info.release}-{kver}"


def check_modules(recipe: Recipe, infos: Sequence[RpmInfo]) -> None:
    """The recipe's expected modules are all in the RPMs (a spec can build and package something else)."""
    found = {Path(m.path).name for info in infos for m in info.modules}
    missing = [name for name in recipe.modules if name not in found]
    if missing:
        raise ToolkitError(f"recipe {recipe.name} expects {', '.join(missing)}, but the RPMs hold "
                           f"{', '.join(sorted(found)) or 'no kernel module'}",
                           hint=f"check the spec's %files, or the recipe's modules in {recipe.directory}")


def members(*, recipe: Recipe, kver: str, rpms: Mapping[str, bytes], infos: Sequence[RpmInfo],
            choice: DialectChoice, manifest: Manifest) -> list[Member]:
    stem = bundle_stem(module_rpm(infos), kver)
    modules = sorted({Path(m.path).name for info in infos for m in info.modules})
    script = render_install_script(kver=kver, rpms=sorted(rpms), modules=modules, bundle=stem)
    conf = render_multipath_conf(recipe.multipath_profile, choice.dialect)
    # Both files: install.sh picks at run time by what the host has (a managed main file: the drop-in).
    dropin = render_multipath_conf(recipe.multipath_profile, choice.dialect, dropin=True)
    return [
        *(Member(name, data) for name, data in sorted(rpms.items())),
        Member("multipath.conf", conf.encode()),
        Member(DROPIN, dropin.encode()),
        Member("install.sh", script.encode(), executable=True),
        Member(MANIFEST, encode(manifest)),
    ]


def manifest(*, recipe: Recipe, kver: str, source: Mapping[str, Any], steps: Mapping[str, str], host: str,
             rpms: Mapping[str, bytes], infos: Sequence[RpmInfo], choice: DialectChoice) -> Manifest:
    by_name = {Path(info.source).name: info for info in infos}
    return Manifest(
        toolkit=ToolkitEntry(name="xenkit", version=__version__),
        recipe=recipe.as_dict(),
        kernel=kver,
        inputs=dict(source),
        steps=dict(steps),
        build_host=host,
        rpms=[RpmEntry(file=name, sha256=hashlib.sha256(data).hexdigest(), nvra=by_name[name].nvra,
                       modules=[ModuleEntry(path=m.path, vermagic=m.vermagic) for m in by_name[name].modules])
              for name, data in sorted(rpms.items())],
        multipath=MultipathEntry(profile=recipe.multipath_profile, dialect=str(choice.dialect), why=choice.why),
    )
