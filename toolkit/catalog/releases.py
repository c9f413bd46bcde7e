"""The Ubuntu/Debian release catalog of templates/releases.toml: PV debian-installer targets on XenServer.

A release installs from a clone of a stock PV debianlike template (Lucid for Ubuntu, Squeeze for Debian)
whose other-config:debian-release names it; eliloader then fetches the release's netboot/xen installer
from the install repository (`netboot_urls` is that rule).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any

from toolkit.errors import GeneratedFileError, UsageError
from toolkit.resources import data_dir


class Distro(StrEnum):
    UBUNTU = "ubuntu"
    DEBIAN = "debian"


class Arch(StrEnum):
    AMD64 = "amd64"
    I386 = "i386"


BITS = {Arch.AMD64: "64-bit", Arch.I386: "32-bit"}


@dataclass(frozen=True)
class Release:
    distro: Distro
    version: str  # Ubuntu "12.04"; Debian "7"
    codename: str  # also the debian-release value
    name: str  # "Precise Pangolin"; Debian: "Wheezy"
    lts: bool
    arches: tuple[Arch, ...]
    base_templates: tuple[tuple[Arch, str], ...]  # the stock template to clone, per arch
    repository: str  # default install repository
    xenserver: tuple[str, ...]  # XenServer versions where the install can work, oldest first
    xenserver_range: str  # the same, compact: "5.6 SP2 - 7.4"
    note: str

    @property
    def key(self) -> str:
        """`ubuntu-12.04`, `debian-7`: one of the forms `find_release` takes."""
        return f"{self.distro}-{self.version}"

    def as_dict(self) -> dict[str, object]:
        """Every field, plus per arch: base template, default new template name, netboot URLs."""
        per_arch: dict[str, object] = {}
        for arch in self.arches:
            kernel, initrd = netboot_urls(self, arch)
            per_arch[str(arch)] = {
                "base_template": base_template(self, arch),
                "template_name": default_template_name(self, arch),
                "repository": self.repository,
                "kernel_url": kernel,
                "initrd_url": initrd,
            }
        return {
            "distro": str(self.distro),
            "version": self.version,
            "codename": self.codename,
            "name": self.name,
            "lts": self.lts,
            "arches": [str(a) for a in self.arches],
            "repository": self.repository,
            "xenserver": list(self.xenserver),
            "xenserver_range": self.xenserver_range,
            "note": self.note,
            "per_arch": per_arch,
        }


_FIELDS: dict[str, type] = {
    "distro": str, "version": str, "codename": str, "name": str, "lts": bool, "arches": list,
    "repository": str, "xenserver": list, "note": str,
}


@cache
def load_releases() -> tuple[Release, ...]:
    """The catalog in file order; a malformed data file is a GeneratedFileError naming the entry."""
    path = data_dir("templates") / "releases.toml"
    try:
        with path.open("rb") as handle:
            raw = tomllib.load(handle)
        known = _str_list(raw.get("xenserver_versions"), "xenserver_versions")
        bases = {Distro(d): _bases(table) for d, table in raw["base_templates"].items()}
        if set(bases) != set(Distro):
            raise ValueError(f"base_templates needs exactly {', '.join(Distro)}")
        entries = raw["release"]
        if not isinstance(entries, list) or not entries:
            raise ValueError("no [[release]] entries")
    except KeyError as exc:
        raise GeneratedFileError(f"{path}: missing {exc}") from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise GeneratedFileError(f"{path}: {exc}") from exc
    releases: list[Release] = []
    for index, table in enumerate(entries, 1):
        label = f"release #{index} ({table.get('codename', '?') if isinstance(table, dict) else '?'})"
        try:
            releases.append(_release(table, bases, known))
        except (KeyError, ValueError, TypeError) as exc:
            raise GeneratedFileError(f"{path}: {label}: {exc}") from exc
    for attr in ("codename", "version"):
        seen: set[str] = set()
        for release in releases:
            value = getattr(release, attr)
            if value in seen:
                raise GeneratedFileError(f"{path}: release {release.codename}: {attr} {value!r} is not unique")
            seen.add(value)
    return tuple(releases)


def _release(table: Any, bases: dict[Distro, dict[Arch, str]], known: list[str]) -> Release:
    if not isinstance(table, dict):
        raise TypeError("is not a table")
    for field, kind in _FIELDS.items():
        if field not in table:
            raise ValueError(f"missing field {field!r}")
        if not isinstance(table[field], kind):
            raise TypeError(f"{field} must be a {kind.__name__}, not {type(table[field]).__name__}")
    extra = sorted(set(table) - set(_FIELDS))
    if extra:
        raise ValueError(f"unknown field(s): {', '.join(extra)}")
    distro = Distro(table["distro"])
    version, codename = table["version"], table["codename"]
    if not (codename.isascii() and codename.isalpha() and codename.islower()):
        raise ValueError(f"codename {codename!r} must be lower-case letters")
    digits = version.replace(".", "", 1) if distro is Distro.UBUNTU else version
    if not (digits.isdigit() and digits.isascii()) or (distro is Distro.UBUNTU and len(version) != 5):
        raise ValueError(f"version {version!r} is not a {distro} version (12.04 / 7)")
    if distro is Distro.DEBIAN and table["lts"]:
        raise ValueError("lts is for Ubuntu releases only")
    arches = tuple(Arch(a) for a in _str_list(table["arches"], "arches"))
    if len(set(arches)) != len(arches):
        raise ValueError("arches repeat")
    xenserver = tuple(_str_list(table["xenserver"], "xenserver"))
    unknown = [v for v in xenserver if v not in known]
    if unknown or list(xenserver) != sorted(xenserver, key=known.index) or len(set(xenserver)) != len(xenserver):
        raise ValueError(f"xenserver {list(xenserver)} must be distinct xenserver_versions, oldest first")
    _check_repository(table["repository"])
    base = bases[distro]
    return Release(
        distro=distro, version=version, codename=codename, name=table["name"], lts=table["lts"],
        arches=arches, base_templates=tuple((a, base[a]) for a in arches), repository=table["repository"],
        xenserver=xenserver, xenserver_range=xenserver_range(xenserver, known), note=table["note"],
    )


def _bases(table: Any) -> dict[Arch, str]:
    if not isinstance(table, dict) or set(table) != {str(a) for a in Arch}:
        raise ValueError(f"base_templates: each distro needs exactly {', '.join(Arch)}")
    if not all(isinstance(name, str) and name for name in table.values()):
        raise TypeError("base_templates: template names must be non-empty strings")
    return {Arch(a): name for a, name in table.items()}


def _str_list(value: Any, field: str) -> list[str]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise TypeError(f"{field} must be a non-empty list of strings")
    return value


def _check_repository(url: str) -> None:
    from toolkit.errors import ValidationError
    from toolkit.inputs.safetext import check_url

    try:
        check_url("repository", url)
    except ValidationError as exc:
        raise ValueError(exc.message) from None
    if not url.endswith("/") or "/dists/" in url:
        raise ValueError(f"repository {url!r} must be an archive root ending in '/', without /dists/")


def xenserver_range(versions: tuple[str, ...] | list[str], known: list[str]) -> str:
    """Consecutive runs of `known` as "first - last", runs joined by ", "."""
    runs: list[list[str]] = []
    for version in versions:
        if runs and known.index(version) == known.index(runs[-1][-1]) + 1:
            runs[-1].append(version)
        else:
            runs.append([version])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]} - {run[-1]}" for run in runs)


def find_release(text: str) -> Release:
    """By codename (`precise`), version (`12.04`; Debian `7` or `7.0`) or `ubuntu-12.04` / `debian-7`."""
    releases = load_releases()
    wanted = text.strip().lower()
    distro: str | None = None
    for prefix in Distro:
        if wanted.startswith(f"{prefix}-"):
            distro, wanted = str(prefix), wanted[len(prefix) + 1 :]
    for release in releases:
        if distro is not None and release.distro != distro:
            continue
        forms = {release.codename, release.version}
        if release.distro is Distro.DEBIAN:
            forms.add(f"{release.version}.0")
        if wanted in forms:
            return release
    known = ", ".join(r.codename for r in releases)
    raise UsageError(f'release "{text}": unknown; known: {known}')


def parse_arch(text: str) -> Arch:
    try:
        return Arch(text.strip().lower())
    except ValueError:
        raise UsageError(f'arch "{text}": unknown; known: {", ".join(Arch)}') from None


def _arch_of(release: Release, arch: str) -> Arch:
    parsed = parse_arch(arch)
    if parsed not in release.arches:
        raise UsageError(f'arch "{arch}": {release.key} has no {parsed} installer')
    return parsed


def base_template(release: Release, arch: str) -> str:
    """The stock XenServer template to clone for `release` on `arch`."""
    return dict(release.base_templates)[_arch_of(release, arch)]


def default_template_name(release: Release, arch: str) -> str:
    """`Ubuntu Precise Pangolin 12.04 (64-bit)`; `Debian Wheezy 7.0 (32-bit)` (XenServer's own style)."""
    bits = BITS[_arch_of(release, arch)]
    if release.distro is Distro.UBUNTU:
        return f"Ubuntu {release.name} {release.version} ({bits})"
    return f"Debian {release.codename.capitalize()} {release.version}.0 ({bits})"


def netboot_urls(release: Release, arch: str, repo: str | None = None) -> tuple[str, str]:
    """(kernel, initrd) URLs eliloader fetches for `release` on `arch` from `repo` (default: the release's).

    eliloader's rule, exactly: add a trailing '/'; add `dists/<debian-release>/` unless the URL holds
    `/dists/` followed by something other than slashes; then
    `main/installer-<arch>/current/images/netboot/xen/` and `vmlinuz` / `initrd.gz`.
    """
    install_arch = _arch_of(release, arch)
    url = release.repository if repo is None else repo
    if not url.startswith(("http://", "https://", "ftp://")):
        raise UsageError(f'repository "{url}": netboot URLs exist only for http://, https:// and ftp:// repositories')
    if not url.endswith("/"):
        url += "/"
    _, found, tail = url.partition("/dists/")
    if not found or not tail.replace("/", ""):
        url += f"dists/{release.codename}/"
    boot = f"{url}main/installer-{install_arch}/current/images/netboot/xen/"
    return boot + "vmlinuz", boot + "initrd.gz"
