"""The debian-installer facts of each preseed profile's release (kickstarts/preseed.toml), with its catalog entry.

A preseed profile names its release by `guest_os` ("ubuntu-12.04"); the release catalog
(templates/releases.toml) gives the codename and the default mirror, preseed.toml what the installer of
that release reads differently (which netcfg question, which keyboard questions, which kernel).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Any
from urllib.parse import urlsplit

from toolkit.catalog.profiles import InstallerKind, Profile
from toolkit.catalog.releases import Distro, Release, base_template, default_template_name, find_release
from toolkit.errors import GeneratedFileError, UsageError
from toolkit.generate.fstab import Spelling
from toolkit.resources import data_dir

_FIELDS: dict[str, type] = {
    "static_network": str, "keyboard": list, "kernel": str, "virtual_image": str, "fstab_spelling": str,
    "security": str, "stock_template": str,
}
_STATIC_NETWORK = ("netcfg/disable_dhcp", "netcfg/disable_autoconfig")
_TYPES = ("string", "boolean", "select")


class SecurityLayout(StrEnum):
    """How a release's apt-setup makes the security source's URL from apt-setup/security_host."""

    HOST_AND_PATH = "host-and-path"  # Ubuntu: http://<security_host><security_path>
    HOST_ROOT = "host-root"  # Debian <= 8: http://<security_host>/ <codename>/updates
    HOST_DEBIAN_SECURITY = "host-debian-security"  # Debian 9: http://<security_host>/debian-security


@dataclass(frozen=True)
class DiRelease:
    """One release's d-i facts (preseed.toml) and its catalog entry."""

    release: Release
    static_network: str  # the netcfg question that turns DHCP / autoconfiguration off
    keyboard: tuple[tuple[str, str, str], ...]  # (question, type, value)
    kernel: str  # Ubuntu: the kernel metapackage to install; "" lets d-i choose
    virtual_image: str  # Ubuntu: the image flavour linux-virtual depends on
    fstab_spelling: Spelling  # how late_command disables barriers in the installed fstab
    security: SecurityLayout  # how apt-setup writes the security source
    stock_template: str  # XenServer releases with the PV template under the profile's name; "" none

    @property
    def is_ubuntu(self) -> bool:
        return self.release.distro is Distro.UBUNTU


@dataclass(frozen=True)
class Mirror:
    """Where d-i installs from, and where the installed system's security updates come from."""

    hostname: str  # mirror/http/hostname (with :port if the URL has one)
    directory: str  # mirror/http/directory, e.g. /ubuntu
    security_host: str | None  # apt-setup/security_host; None: the release's default
    security_path: str | None  # apt-setup/security_path
    archived: bool  # archive.debian.org: only the security suite is still published beside the release


@cache
def _load() -> dict[str, dict[str, Any]]:
    path = data_dir("kickstarts") / "preseed.toml"
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    for key, table in raw.items():
        problems = [f"{name} must be a {kind.__name__}" for name, kind in _FIELDS.items()
                    if not isinstance(table.get(name), kind)]
        problems += [f"unknown field {name!r}" for name in sorted(set(table) - set(_FIELDS))]
        if table.get("fstab_spelling") not in {str(spelling) for spelling in Spelling}:
            problems.append(f"fstab_spelling must be one of {', '.join(Spelling)}")
        if table.get("security") not in {str(layout) for layout in SecurityLayout}:
            problems.append(f"security must be one of {', '.join(SecurityLayout)}")
        if table.get("static_network") not in _STATIC_NETWORK:
            problems.append(f"static_network must be one of {', '.join(_STATIC_NETWORK)}")
        for answer in table.get("keyboard", ()):
            if not (isinstance(answer, list) and len(answer) == 3 and answer[1] in _TYPES
                    and all(isinstance(part, str) and part and " " not in part for part in answer)):
                problems.append(f"keyboard answer {answer!r} must be [question, {'|'.join(_TYPES)}, value]")
        if problems:
            raise GeneratedFileError(f"{path}: [{key}]: {'; '.join(problems)}")
    return raw


def di_release(profile: Profile) -> DiRelease:
    """The d-i facts of a preseed profile's release; a profile without them is a bug in the data files."""
    if profile.kind is not InstallerKind.PRESEED or not profile.guest_os:
        raise UsageError(f"profile {profile.name!r} is not a d-i preseed profile (its kind: {profile.kind})")
    table = _load().get(profile.guest_os)
    if table is None:
        raise GeneratedFileError(f"profile {profile.name}: no d-i facts for {profile.guest_os} in preseed.toml")
    try:
        release = find_release(profile.guest_os)
    except UsageError as exc:
        raise GeneratedFileError(f"profile {profile.name}: guest_os {profile.guest_os}: {exc.message}") from None
    return DiRelease(
        release=release, static_network=table["static_network"],
        keyboard=tuple((q, t, v) for q, t, v in table["keyboard"]), kernel=table["kernel"],
        virtual_image=table["virtual_image"], fstab_spelling=Spelling(table["fstab_spelling"]),
        security=SecurityLayout(table["security"]),
        stock_template=table["stock_template"],
    )


def preseed_profiles() -> list[Profile]:
    from toolkit.catalog.profiles import all_profiles

    return [p for p in all_profiles().values() if p.kind is InstallerKind.PRESEED]


def mirror_of(repo: str, security: SecurityLayout) -> Mirror:
    """The d-i mirror questions for an install repository URL (an http archive root).

    Releases past their end of life live on old-releases.ubuntu.com or archive.debian.org, whose
    security suites are there too: apt-setup would otherwise fail on security.ubuntu.com /
    security.debian.org (templates/releases.toml's notes), and its failure is an error screen that stops
    an unattended install. UNCERTAIN: whether apt in the installer accepts the archived security suites'
    Release files (their Valid-Until dates have passed).
    """
    parts = urlsplit(repo)
    if parts.scheme != "http" or not parts.netloc:
        raise UsageError(f'repository "{repo}": debian-installer\'s preseeded mirror must be an http:// URL')
    directory = parts.path.rstrip("/") or "/"
    host = parts.hostname or ""
    if host == "old-releases.ubuntu.com" and security is SecurityLayout.HOST_AND_PATH:
        return Mirror(parts.netloc, directory, host, directory, archived=False)
    if host == "archive.debian.org" and security is SecurityLayout.HOST_ROOT:
        return Mirror(parts.netloc, directory, f"{host}/debian-security", None, archived=True)
    if host == "archive.debian.org" and security is SecurityLayout.HOST_DEBIAN_SECURITY:
        return Mirror(parts.netloc, directory, host, None, archived=True)
    return Mirror(parts.netloc, directory, None, None, archived=False)


def preseed_template_notes(profile: Profile, template: str) -> list[str]:
    """What an install plan's header says about a preseed profile's template (nothing for other kinds)."""
    if profile.kind is not InstallerKind.PRESEED:
        return []
    advice = clone_advice(template, di_release(profile))
    return [] if advice is None else [advice]


def clone_advice(template: str, di: DiRelease) -> str | None:
    """Where `template` must first be made with `xenkit template clone`: the exact command; None if never."""
    release = di.release
    if template != default_template_name(release, "amd64"):
        return None  # a template the user named: theirs to provide
    if template == base_template(release, "amd64"):
        return (f'template "{template}" is stock on XenServer {di.stock_template} only; later releases have no PV '
                f"template to install {release.key} from")
    command = f"xenkit template clone {release.codename} --host root@XENSERVER  (or --print for the plan)"
    if not di.stock_template:
        return (f'template "{template}" is not a stock XenServer template (the stock {release.key} template, '
                f"where there is one, is HVM): make it first with: {command}")
    return (f'template "{template}" is stock on XenServer {di.stock_template} only; elsewhere make it first '
            f"with: {command}")
