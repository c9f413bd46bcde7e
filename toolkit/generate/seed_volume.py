"""What goes on a profile's seed volume: the label its installer looks for and the answer files it reads there.

An HVM guest boots its install ISO with nobody at the boot prompt, so the installer must find its answers itself, on a
second volume found by its label:
- anaconda (RHEL/CentOS 7+, Rocky, Fedora 19+) loads ks.cfg from the root of a volume labelled OEMDRV when no inst.ks=
  is given (its dracut module's kickstart rules);
- subiquity / cloud-init (Ubuntu 20.04+) read user-data and meta-data from a NoCloud volume labelled cidata.
The image itself is built by seed_iso.py.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass

from toolkit.catalog.profiles import InstallerKind, Profile
from toolkit.errors import UsageError
from toolkit.generate.kickstart import KickstartInput, render_kickstart

OEMDRV = "OEMDRV"
KICKSTART_FILE = "ks.cfg"
CIDATA = "cidata"
# The first releases whose anaconda reads OEMDRV: RHEL 7 and Fedora 19 (pykickstart handler names).
_FIRST_OEMDRV = {"RHEL": 7, "F": 19}


@dataclass(frozen=True)
class SeedVolume:
    label: str
    files: dict[str, bytes]  # name at the volume's root -> content


def seed_volume(profile: Profile, data: KickstartInput) -> SeedVolume:
    """The label and files of `profile`'s seed volume for one guest; a UsageError where its installer reads none."""
    check_seed_profile(profile)
    if profile.kind is InstallerKind.KICKSTART:
        text = render_kickstart(profile, seed_kickstart_input(data))
        return seed_volume_of(profile, {KICKSTART_FILE: text})
    files = autoinstall_files(profile, data)
    return seed_volume_of(profile, {name: content.decode() for name, content in files.items()})


def seed_kickstart_input(data: KickstartInput) -> KickstartInput:
    """A kickstart read from a seed volume powers the VM off when done: a reboot would boot the install CD again
    (CD first) and the installer would find its answers on the seed volume once more; `xenkit vm finish-install`
    ejects both and starts the VM."""
    return dataclasses.replace(data, finish="poweroff")


def seed_volume_of(profile: Profile, answers: Mapping[str, str]) -> SeedVolume:
    """The seed volume holding answer files already rendered (name -> text, as written beside it): the kickstart
    (seed_kickstart_input's), or user-data and meta-data; a UsageError where the profile's installer reads none."""
    label = check_seed_profile(profile)
    return SeedVolume(label, {name: text.encode("utf-8") for name, text in answers.items()})


def check_seed_profile(profile: Profile) -> str:
    """The label `profile`'s installer looks for; a UsageError if it reads no seed volume."""
    if profile.kind is InstallerKind.KICKSTART:
        if not reads_oemdrv(profile):
            raise UsageError(
                f"profile {profile.name}: its installer (pykickstart {profile.pykickstart_version}) does not look for "
                f"an {OEMDRV} volume; a seed volume is for RHEL 7+ / Fedora 19+ profiles",
                hint=f"this profile installs from the boot arguments' kickstart URL: xenkit bootargs {profile.name}",
            )
        return OEMDRV
    if profile.kind is InstallerKind.AUTOINSTALL:
        return CIDATA
    raise UsageError(
        f"profile {profile.name} is a {profile.kind} profile: debian-installer reads its preseed file from the URL "
        "in the boot arguments, not from a seed volume",
        hint=f"xenkit bootargs {profile.name} --ks URL-OF-PRESEED",
    )


def autoinstall_files(profile: Profile, data: KickstartInput) -> dict[str, bytes]:
    """user-data and meta-data of an Ubuntu autoinstall profile's NoCloud volume (toolkit/generate/autoinstall.py),
    from the same guest fields a kickstart takes."""
    from toolkit.generate.autoinstall import AutoinstallInput, autoinstall_answer_files
    from toolkit.generate.autoinstall_storage import Firmware

    answers = AutoinstallInput(network=data.network, root_password_hash=data.root_password_hash,
                               firmware=Firmware(data.firmware), timezone=data.timezone, repo=data.repo,
                               ssh_keys=data.ssh_keys)
    return {name: text.encode() for name, text in autoinstall_answer_files(profile, answers).items()}


def reads_oemdrv(profile: Profile) -> bool:
    match = re.fullmatch(r"(RHEL|F)(\d+)", profile.pykickstart_version or "")
    return match is not None and int(match.group(2)) >= _FIRST_OEMDRV[match.group(1)]
