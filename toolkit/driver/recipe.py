"""Driver recipes (`drivers/<name>/recipe.toml`): what to build, with which spec, for which kernel, and
what the result must hold. Loaded once and checked at the edge; the pipeline steps get a frozen Recipe."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError
from toolkit.inputs.userfile import read_user_toml
from toolkit.resources import data_dir

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+*-]*$")  # one file name (or glob) inside the recipe / archive
_DEFINE = re.compile(r"^define:([A-Za-z_][A-Za-z0-9_]*)$")
_KEYS = {"name", "description", "spec", "sources", "srpm", "vendor_archive", "kernel", "modules", "multipath_profile"}


@dataclass(frozen=True)
class Recipe:
    name: str
    description: str
    directory: Path
    spec: str  # the spec file's name inside the source RPM (or among `sources`)
    srpm: str | None  # file name or glob of the vendor's source RPM; None: built from `sources`
    vendor_archive: str | None  # the zip/tarball users download that holds the source RPM
    sources: tuple[str, ...]  # files shipped in the recipe directory, packed with rpmbuild -bs
    kernel_define: str | None  # rpmbuild --define "<this> KVER"; None: builds for the build host's uname -r
    modules: tuple[str, ...]  # the .ko files the RPM must hold
    multipath_profile: str

    def rpmbuild_defines(self, kver: str) -> list[str]:
        return [] if self.kernel_define is None else ["--define", f"{self.kernel_define} {kver}"]

    def as_dict(self) -> dict[str, Any]:
        """For step ids and the manifest: everything that decides what gets built."""
        return {
            "name": self.name, "spec": self.spec, "srpm": self.srpm, "sources": list(self.sources),
            "kernel_define": self.kernel_define, "modules": list(self.modules),
            "multipath_profile": self.multipath_profile,
        }


def recipe_names() -> list[str]:
    return sorted(p.parent.name for p in data_dir("drivers").glob("*/recipe.toml"))


def load_recipe(name_or_path: str) -> Recipe:
    """A recipe by name (a directory under drivers/) or by path (a directory or its recipe.toml)."""
    path = Path(name_or_path)
    if _NAME.fullmatch(name_or_path) and (data_dir("drivers") / name_or_path / "recipe.toml").is_file():
        path = data_dir("drivers") / name_or_path / "recipe.toml"
    elif path.is_dir():
        path = path / "recipe.toml"
    if not path.is_file():
        raise UsageError(f'recipe "{name_or_path}": no such recipe; known: {", ".join(recipe_names())} '
                         "(or give a directory holding recipe.toml)")
    table = read_user_toml(path)
    return _recipe(path, table)


def _recipe(path: Path, table: dict[str, Any]) -> Recipe:
    def fail(field: str, why: str) -> UsageError:
        return UsageError(f"{path}: {field}: {why}")

    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key; allowed: {', '.join(sorted(_KEYS))}")

    def text(field: str, required: bool = True) -> str | None:
        value = table.get(field)
        if value is None and not required:
            return None
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            raise fail(field, "required, one line of text" if value is None else f"{value!r} is not one line of text")
        return value

    def names(field: str) -> tuple[str, ...]:
        value = table.get(field, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and _FILE.fullmatch(v) for v in value):
            raise fail(field, f"{value!r}: a list of file names")
        return tuple(value)

    name = text("name")
    assert name is not None
    if not _NAME.fullmatch(name):
        raise fail("name", f"{name!r}: lower-case letters, digits, '_', '.', '-'")
    spec = text("spec")
    assert spec is not None
    srpm, sources = text("srpm", required=False), names("sources")
    if (srpm is None) == (not sources):
        raise fail("srpm", "give either srpm (a vendor source RPM) or sources (files here for rpmbuild -bs)")
    for file in (spec, *([srpm] if srpm else []), *sources):
        if not _FILE.fullmatch(file):
            raise fail("spec/srpm/sources", f"{file!r} is not a plain file name")
    directory = path.parent
    for file in sources if not srpm else ():
        if not (directory / file).is_file():
            raise fail("sources", f"{file} is missing from {directory}")
    if sources and not (directory / spec).is_file():
        raise fail("spec", f"{spec} is missing from {directory}")
    kernel = text("kernel")
    assert kernel is not None
    match = _DEFINE.fullmatch(kernel)
    if kernel != "running" and match is None:
        raise fail("kernel", f"{kernel!r}: 'running' or 'define:NAME'")
    modules = names("modules")
    if not modules or not all(m.endswith(".ko") for m in modules):
        raise fail("modules", f"{list(modules)!r}: at least one .ko file name")
    return Recipe(
        name=name, description=text("description") or "", directory=directory, spec=spec, srpm=srpm,
        vendor_archive=text("vendor_archive", required=False), sources=sources,
        kernel_define=match.group(1) if match else None, modules=modules,
        multipath_profile=text("multipath_profile") or "",
    )
