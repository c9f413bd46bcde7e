"""Render a kickstart profile for one guest and check it with pykickstart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.profiles import Profile
from toolkit.generate.installer_fit import check_fit
from toolkit.generate.kscheck import KickstartProblem, validate_kickstart
from toolkit.inputs.guest_fields import TIMEZONE
from toolkit.inputs.network import GuestNetwork

Firmware = Literal["bios", "uefi"]
FIRMWARES: tuple[Firmware, ...] = ("bios", "uefi")
# The disk the installer sees: Xen's PV disk on PV guests, and on HVM guests once the installer's kernel has
# unplugged the emulated IDE disk (every kickstart profile's kernel has Xen's platform-PCI and blkfront drivers).
SYSTEM_DISK = "xvda"


@dataclass(frozen=True)
class KickstartInput:
    """Everything a kickstart needs beyond its profile; each value already validated."""

    network: GuestNetwork
    root_password_hash: str
    timezone: str = TIMEZONE.default_value()
    repo: str | None = None  # None: the profile's default repository
    ssh_keys: tuple[str, ...] = ()
    firmware: Firmware = "bios"  # what the template boots: "uefi" adds an EFI system partition
    system_disk: str = SYSTEM_DISK
    finish: Literal["reboot", "poweroff"] = "reboot"  # what the installer does when done


def render_kickstart(profile: Profile, data: KickstartInput, *, validate: bool = True) -> str:
    """The kickstart text; with `validate`, pykickstart must accept it with no error and no warning."""
    assert profile.kickstart is not None and profile.pykickstart_version is not None
    check_fit(profile, data.network)  # the installed system must reach its gateway too
    text = render_template(
        profile.kickstart,
        profile=profile,
        net=data.network,
        root_password_hash=data.root_password_hash,
        timezone=data.timezone,
        repo=data.repo or profile.repo,
        ssh_keys=data.ssh_keys,
        firmware=data.firmware,
        system_disk=data.system_disk,
        finish=data.finish,
    )
    if validate:
        raise_for_problems(profile, validate_kickstart(text, profile.pykickstart_version))
    return text


def raise_for_problems(profile: Profile, problems: list[KickstartProblem], guest: str = "") -> None:
    """Any pykickstart problem in a rendered profile is our bug: fail, naming the first one."""
    from toolkit.generate.answer_files import raise_for_answer_problems

    raise_for_answer_problems(profile, [str(problem) for problem in problems], guest)
