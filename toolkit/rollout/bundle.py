"""The bundle a roll-out installs, checked here before any host is contacted, and what the hosts are checked
against afterwards: its kernel, its RPMs' names, each module's install path and sha256, multipath.conf's sha256.

The check is `xenkit driver verify BUNDLE --kernel <the manifest's kernel>` (verify_files.verify_file): a bundle
that fails it goes nowhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import posixpath
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from toolkit.driver.bundle_read import read_bundle
from toolkit.driver.rpm_inspect import DriverCheckFailed
from toolkit.driver.rpm_payload import MAX_MODULE
from toolkit.driver.verify_files import verify_file
from toolkit.errors import UsageError


@dataclass(frozen=True)
class ModuleFile:
    path: str  # where the RPM installs it on the host
    sha256: str  # of the file in the RPM: the file on the host must have these bytes

    @property
    def name(self) -> str:
        return posixpath.basename(self.path)


@dataclass(frozen=True)
class BundleFacts:
    path: Path
    stem: str  # the bundle's top directory, also the name of its directory on the host
    sha256: str  # of the .tar.gz
    kernel: str  # `uname -r` of the hosts it is for
    nvrs: tuple[str, ...]  # name-version-release of each RPM, as `rpm -q` takes them
    modules: tuple[ModuleFile, ...]
    multipath_sha256: str
    custom_sha256: str | None  # the conf.d drop-in (multipath-custom.conf); None in bundles without one


def check_bundle(path: Path) -> BundleFacts:
    """The bundle's facts; DriverCheckFailed (exit 2: bad input) with every problem when it fails the check."""
    with tempfile.TemporaryDirectory(prefix="xenkit-rollout.") as scratch:
        first = read_bundle(path, Path(scratch), "")  # only for the manifest's kernel; the check comes next
        kernel = first.manifest.get("kernel") if first.manifest is not None else None
        if not isinstance(kernel, str) or not kernel:  # no manifest: first.problems say why; else it lacks one
            problems = first.problems if first.manifest is None else [f"{path.name}: its manifest names no kernel"]
            raise DriverCheckFailed(problems, exit_code=2)
        verdict_dir = Path(scratch) / "verify"
        verdict_dir.mkdir()
        verdict = verify_file(path, kernel, verdict_dir)
        if verdict.status != "ok":
            raise DriverCheckFailed(list(verdict.errors), verdict.hint, exit_code=2)
        modules = tuple(module for rpm in sorted(verdict_dir.glob("*.rpm")) for module in _module_files(rpm))
    nvrs = tuple(f"{info.name}-{info.version}-{info.release}" for info in verdict.rpms)
    return BundleFacts(path, first.top, hashlib.sha256(path.read_bytes()).hexdigest(), kernel, nvrs, modules,
                       *_multipath_sha256s(path, first.top))


def _module_files(rpm: Path) -> list[ModuleFile]:
    """Each kernel module in the RPM's payload with the sha256 of its bytes (rpmfile reads the cpio)."""
    import rpmfile

    found = []
    with rpmfile.open(str(rpm)) as package:
        for member in package.getmembers():
            name = "/" + member.name.removeprefix("./").lstrip("/")
            if name.endswith((".ko", ".ko.xz", ".ko.gz")) and member.size > 0:
                handle = package.extractfile(member)
                found.append(ModuleFile(name, hashlib.sha256(handle.read(MAX_MODULE)).hexdigest()))
    return found


def _multipath_sha256s(path: Path, top: str) -> tuple[str, str | None]:
    """The sha256 of the bundle's multipath.conf and of its conf.d drop-in (None in bundles without one),
    with the tar opened once."""
    found: dict[str, str] = {}
    with tarfile.open(path, "r:gz") as tar:
        for name in ("multipath.conf", "multipath-custom.conf"):
            with contextlib.suppress(KeyError):
                handle = tar.extractfile(f"{top}/{name}")
                if handle is not None:
                    found[name] = hashlib.sha256(handle.read()).hexdigest()
    if "multipath.conf" not in found:  # read_bundle has already refused a bundle without it; kept for mypy
        raise UsageError(f"{path.name}: no multipath.conf")
    return found["multipath.conf"], found.get("multipath-custom.conf")
