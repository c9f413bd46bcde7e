"""`xenkit driver build`: a recipe and a kernel release in, a verified driver bundle out.

The steps and their ids (toolkit/driver/store.py; each id hashes the step's inputs and xenkit's version):
  source    the input files' sha256s (source.py): a vendor .src.rpm, or the recipe's spec and sources
  rpmbuild  id of (recipe, kernel, source): upload, rpm -ivh --nomd5, rpmbuild -ba, download (rpmbuild.py)
  verify    the RPMs' modules against the kernel (rpm_inspect.py): always run, it reads only local files
  bundle    id of (rpmbuild, multipath profile and dialect): the tar.gz (assemble.py, bundle_write.py)
A finished rpmbuild step's RPMs are kept in the step store; the same inputs again take them from there:
no connection to the build host, no upload, no rpmbuild. Only RPMs that passed verify are stored. A second
build of the same inputs started meanwhile waits for the first, then takes the RPMs it stored.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.driver import assemble
from toolkit.driver.bundle_write import write_bundle
from toolkit.driver.elfmodinfo import check_kernel_release
from toolkit.driver.manifest import Manifest
from toolkit.driver.recipe import Recipe
from toolkit.driver.rpm_inspect import RpmInfo, inspect_rpm, verify
from toolkit.driver.rpmbuild import BuildFailed, build, check_build_host
from toolkit.driver.source import BuildInput, resolve_input
from toolkit.driver.store import Claim, Entry, Store, step_id
from toolkit.errors import ToolkitError, ValidationError
from toolkit.generate.multipath import Dialect
from toolkit.remote.executor import CommandFailed, Executor
from toolkit.report import say

Connect = Callable[[], AbstractContextManager[Executor]]


@dataclass(frozen=True)
class BuildRequest:
    recipe: Recipe
    kver: str
    source: Path | None  # --source
    out_dir: Path
    use_cache: bool
    dialect: Dialect | None  # --multipath-dialect
    xenserver: str | None  # --xenserver
    store: Store


@dataclass(frozen=True)
class BuildResult:
    bundle: Path
    sha256: str  # of the bundle
    cached: bool  # the RPMs came from the step store: no connection, no rpmbuild
    manifest: Manifest  # what the bundle's manifest.json says

    def as_dict(self) -> dict[str, Any]:
        """For `xenkit driver build --json`."""
        manifest = self.manifest
        return {"bundle": str(self.bundle), "sha256": self.sha256, "cached": self.cached,
                "recipe": manifest["recipe"].get("name"), "kernel": manifest["kernel"],
                "build_host": manifest["build_host"], "rpms": manifest["rpms"], "multipath": manifest["multipath"],
                "steps": manifest["steps"]}


def build_driver(req: BuildRequest, connect: Connect) -> BuildResult:
    """Run the steps; return the bundle made. Nothing is written to out_dir unless every check passed
    (a failed rpmbuild leaves only its log there)."""
    problem = check_kernel_release(req.kver)
    if problem is not None:
        raise ValidationError("--kernel", problem)
    if req.out_dir.exists() and not req.out_dir.is_dir():
        raise ValidationError("-o", f"{req.out_dir} exists and is not a directory")
    choice = assemble.choose_dialect(req.dialect, req.xenserver, req.kver)
    with tempfile.TemporaryDirectory(prefix="xenkit-driver.") as scratch_name:
        scratch = Path(scratch_name)
        source = resolve_input(req.recipe, req.source, scratch)
        say(f"source: {source.origin} (sha256 {source.sha256[:12]})")
        options = {"recipe": req.recipe.as_dict(), "kernel": req.kver}
        build_id = step_id("rpmbuild", options, {"source": source.sha256})
        entry, rpms, infos, cached = _rpmbuild_step(req, connect, source=source, build_id=build_id,
                                                    scratch=scratch)
        steps = {"source": source.sha256, "rpmbuild": build_id,
                 "bundle": step_id("bundle", {"profile": req.recipe.multipath_profile,
                                              "dialect": str(choice.dialect)}, {"rpmbuild": build_id})}
        manifest = assemble.manifest(recipe=req.recipe, kver=req.kver, source=source.as_dict(), steps=steps,
                                     host=str(entry.record.get("host", "")), rpms=rpms, infos=infos, choice=choice)
        stem = assemble.bundle_stem(assemble.module_rpm(infos), req.kver)
        members = assemble.members(recipe=req.recipe, kver=req.kver, rpms=rpms, infos=infos, choice=choice,
                                   manifest=manifest)
        say(f"multipath.conf: profile {req.recipe.multipath_profile}, dialect {choice.dialect} ({choice.why})")
        _make_dir(req.out_dir)
        target = req.out_dir / f"{stem}.tar.gz"
        digest = write_bundle(target, stem, members)
        others = [m.name for m in members if not m.name.endswith(".rpm")]  # named from what was written
        say(f"bundle: {target} (sha256 {digest[:12]}; {len(rpms)} RPM(s), {', '.join([*others, 'SHA256SUMS'])})")
        return BuildResult(target, digest, cached, manifest)


def _rpmbuild_step(req: BuildRequest, connect: Connect, *, source: BuildInput, build_id: str,
                   scratch: Path) -> tuple[Entry, dict[str, bytes], list[RpmInfo], bool]:
    """The store's entry of the build (made now, or found), its RPMs (name -> bytes), what they hold, and
    whether the entry was found (a cache hit).

    The entry's lock is held throughout: a second build of the same inputs waits, then takes the RPMs
    from the entry the first one made; and no prune removes them while they are read.
    """
    def waiting() -> None:
        say(f"rpmbuild: another xenkit is building the same inputs (step {build_id[:12]}); waiting for it")

    with req.store.claim(build_id, on_wait=waiting) as claim:
        entry = claim.lookup() if req.use_cache else None
        cached = entry is not None
        if entry is not None:
            say(f"rpmbuild: cached (step {build_id[:12]}, built on {entry.record.get('host', '?')}): no upload, "
                "no rpmbuild (--no-cache builds again)")
            rpm_paths = _entry_rpms(entry)
            # Checked again: the kernel and the recipe's modules are in the step id, but the store is a
            # directory anyone can write to.
            infos, warnings = _verify(req, [inspect_rpm(path) for path in rpm_paths])
        else:
            entry, infos, warnings = _build(req, connect, claim=claim, source=source, scratch=scratch)
            rpm_paths = _entry_rpms(entry)
        _report(infos, warnings)
        return entry, {path.name: path.read_bytes() for path in rpm_paths}, infos, cached


def _build(req: BuildRequest, connect: Connect, *, claim: Claim, source: BuildInput,
           scratch: Path) -> tuple[Entry, list[RpmInfo], tuple[str, ...]]:
    rpm_dir = scratch / "rpms"
    rpm_dir.mkdir()
    log = scratch / "rpmbuild.log"
    with connect() as ex:
        check_build_host(ex, req.recipe, req.kver)
        try:
            built = build(ex, req.recipe, source, req.kver, rpm_dir, log)
        except (BuildFailed, CommandFailed) as failed:
            if log.exists():
                kept = req.out_dir / f"{req.recipe.name}-{req.kver}.rpmbuild.log"
                try:
                    _make_dir(req.out_dir)
                    shutil.copyfile(log, kept)
                    failed.hint = f"the whole log: {kept}"
                except (OSError, ToolkitError) as exc:
                    failed.hint = f"the log could not be kept in {kept}: {exc}"
            raise
    infos, warnings = _verify(req, [inspect_rpm(path) for path in built.rpms])  # the store holds only good builds
    files = {path.name: path for path in built.rpms}
    files["rpmbuild.log"] = log
    record = {"host": built.host, "srpm": built.srpm, "rpms": sorted(p.name for p in built.rpms),
              "recipe": req.recipe.name}  # the name is for `xenkit driver cache list`
    return claim.put(files, record), infos, warnings


def _entry_rpms(entry: Entry) -> list[Path]:
    names = entry.record.get("rpms")
    if not isinstance(names, list) or not names:
        raise ToolkitError(f"step store entry {entry.directory} names no RPMs; remove it or use --no-cache")
    paths = [entry.directory / str(name) for name in names]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        raise ToolkitError(f"step store entry {entry.directory} lacks {', '.join(missing)}; "
                           "remove it or use --no-cache")
    return paths


def _verify(req: BuildRequest, infos: list[RpmInfo]) -> tuple[list[RpmInfo], tuple[str, ...]]:
    """The RPMs fit the kernel and hold the recipe's modules (else an error); returns them and the warnings."""
    verdict = verify(infos, req.kver)
    verdict.raise_if_failed()
    assemble.check_modules(req.recipe, infos)
    return infos, verdict.warnings


def _report(infos: list[RpmInfo], warnings: tuple[str, ...]) -> None:
    for warning in warnings:
        say(f"warning: {warning}")
    for info in infos:
        for module in info.modules:
            say(f"verified: {info.nvra}: {module.path} vermagic \"{module.vermagic}\"")


def _make_dir(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ToolkitError(f"{path}: cannot create: {exc.strerror or exc}") from None
