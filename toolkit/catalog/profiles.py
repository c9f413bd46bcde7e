"""The install profiles of kickstarts/profiles.toml, loaded once into frozen dataclasses."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from toolkit.errors import GeneratedFileError, UsageError
from toolkit.resources import data_dir


class InstallerKind(StrEnum):
    KICKSTART = "kickstart"
    PRESEED = "preseed"
    AUTOINSTALL = "autoinstall"


class BootFamily(StrEnum):
    ANACONDA_LEGACY = "anaconda-legacy"
    DRACUT = "dracut"
    DEBIAN_INSTALLER = "debian-installer"
    UBUNTU_AUTOINSTALL = "ubuntu-autoinstall"


class BootMode(StrEnum):
    PV = "pv"
    HVM = "hvm"


class BootPrompt(StrEnum):
    """What reads the boot arguments before the installer's kernel does."""

    NONE = "none"  # PV-args: eliloader hands them to the installer's kernel as they are
    GRUB = "grub"  # typed at the install media's GRUB 2 menu, which reads ';' and '&' as shell syntax
    ISOLINUX_OR_GRUB = "isolinux-or-grub"  # isolinux under BIOS (verbatim), GRUB 2 under UEFI


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    guest_os: str  # key of toolkit/data/xenserver-templates.toml ("ubuntu-22.04"): the template per XenServer
    # release, and what release-dependent answers follow
    kind: InstallerKind
    bootargs_family: BootFamily
    template: str
    boot: BootMode
    repo: str
    notes: str
    kickstart: str | None = None
    pykickstart_version: str | None = None
    ks_option: str = "ks"
    inst_repo: bool = False
    extra_bootargs: tuple[str, ...] = ()
    boot_prompt: BootPrompt = BootPrompt.NONE

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "description": self.description,
            "kind": str(self.kind),
            "pykickstart_version": self.pykickstart_version,
            "bootargs_family": str(self.bootargs_family),
            "template": self.template,
            "boot": str(self.boot),
            "repo": self.repo,
            "notes": self.notes,
        }


@cache
def all_profiles() -> dict[str, Profile]:
    path = data_dir("kickstarts") / "profiles.toml"
    with path.open("rb") as handle:
        raw = tomllib.load(handle)
    profiles: dict[str, Profile] = {}
    for name, table in raw.items():
        try:
            profile = Profile(
                name=name,
                description=table["description"],
                guest_os=table["guest_os"],
                kind=InstallerKind(table["kind"]),
                bootargs_family=BootFamily(table["bootargs_family"]),
                template=table["template"],
                boot=BootMode(table["boot"]),
                repo=table["repo"],
                notes=table.get("notes", ""),
                kickstart=table.get("kickstart"),
                pykickstart_version=table.get("pykickstart_version"),
                ks_option=table.get("ks_option", "ks"),
                inst_repo=bool(table.get("inst_repo", False)),
                extra_bootargs=tuple(table.get("extra_bootargs", ())),
                boot_prompt=BootPrompt(table.get("boot_prompt", "none")),
            )
        except (KeyError, ValueError) as exc:
            raise GeneratedFileError(f"{path}: profile {name!r} is malformed: {exc}") from exc
        if profile.kind is InstallerKind.KICKSTART and not (profile.kickstart and profile.pykickstart_version):
            raise GeneratedFileError(f"{path}: kickstart profile {name!r} needs kickstart and pykickstart_version")
        if profile.kind is InstallerKind.PRESEED and not profile.guest_os:
            raise GeneratedFileError(f"{path}: preseed profile {name!r} needs guest_os (its d-i release)")
        profiles[name] = profile
    return profiles


def get_profile(name: str, *, kickstart_only: bool = False) -> Profile:
    """Look a profile up by name; an unknown name is a usage error that lists the known ones."""
    profiles = all_profiles()
    candidates = kickstart_profiles() if kickstart_only else list(profiles.values())
    known = ", ".join(p.name for p in candidates)
    profile = profiles.get(name)
    if profile is None:
        raise UsageError(f"unknown profile {name!r}; known profiles: {known}")
    if kickstart_only and profile.kind is not InstallerKind.KICKSTART:
        raise UsageError(
            f"profile {name!r} is a {profile.kind} profile and has no kickstart; kickstart profiles: {known}"
        )
    return profile


def kickstart_profiles() -> list[Profile]:
    return [p for p in all_profiles().values() if p.kind is InstallerKind.KICKSTART]
