"""A guest's answer files, by its profile's installer kind: the one place that knows which files each kind has.

kickstart: ks.cfg (checked by pykickstart); preseed: preseed.cfg (read back as debconf-set-selections
reads it); Ubuntu autoinstall: user-data and meta-data (cloud-init's NoCloud files; the tests check them
with cloud-init and subiquity's schema). The site render and the stale-directory check take the file names
from here, and the boot line's URL names the file the installer fetches first (for autoinstall, the NoCloud
directory). A new kind is one more entry in each table below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from toolkit.catalog.profiles import InstallerKind, Profile
from toolkit.errors import GeneratedFileError, UsageError
from toolkit.generate.kickstart import KickstartInput

KICKSTART_FILE = "ks.cfg"
PRESEED_FILE = "preseed.cfg"
USER_DATA, META_DATA = "user-data", "meta-data"

# The files each kind renders; the first is the one the boot line's URL names, and holds the password hash.
ANSWER_FILES: dict[InstallerKind, tuple[str, ...]] = {
    InstallerKind.KICKSTART: (KICKSTART_FILE,),
    InstallerKind.PRESEED: (PRESEED_FILE,),
    InstallerKind.AUTOINSTALL: (USER_DATA, META_DATA),
}
# Every name a render may have written, for the stale-directory check (toolkit/site/previous.py).
ALL_ANSWER_FILES = frozenset(name for names in ANSWER_FILES.values() for name in names)


@dataclass(frozen=True)
class AnswerInput(KickstartInput):
    """A guest's inputs to its answer files (a kickstart's, and what other kinds add); each value validated."""

    xs_tools: bool = False  # preseed only: the XenServer tools from the tools ISO


def check_renderable(profile: Profile) -> Profile:
    """`profile` if xenkit can render its answer files; a usage error naming the profile otherwise."""
    if profile.kind not in ANSWER_FILES:
        kinds = " and ".join(str(kind) for kind in ANSWER_FILES)
        raise UsageError(
            f"{profile.name} is an {profile.kind} profile, whose answer files xenkit cannot render yet (only "
            f"{kinds} profiles'); give its boot arguments to xenkit bootargs / vm install and serve your own files"
        )
    return profile


def answer_file_names(profile: Profile) -> tuple[str, ...]:
    return ANSWER_FILES[check_renderable(profile).kind]


def answer_url(profile: Profile, base: str, name: str) -> str:
    """The URL the boot line names for guest `name` whose directory is served at `base` (autoinstall: the
    directory itself, which cloud-init's NoCloud data source wants ending in '/')."""
    if profile.kind is InstallerKind.AUTOINSTALL:
        return f"{base.rstrip('/')}/{name}/"
    return f"{base.rstrip('/')}/{name}/{answer_file_names(profile)[0]}"


def render_answer_files(profile: Profile, data: AnswerInput, *, validate: bool = True) -> dict[str, str]:
    """File name -> text. With `validate`, a file its reader would reject raises GeneratedFileError."""
    renderer, _ = _KINDS[check_renderable(profile).kind]
    files = renderer(profile, data)
    if validate:
        raise_for_answer_problems(profile, answer_file_problems(profile, files))
    return files


def answer_file_problems(profile: Profile, files: dict[str, str]) -> list[str]:
    """What the reader of each file would reject (empty: nothing)."""
    _, checker = _KINDS[check_renderable(profile).kind]
    return checker(profile, files)


def raise_for_answer_problems(profile: Profile, problems: list[str], guest: str = "") -> None:
    if not problems:
        return
    for_guest = f" ({guest})" if guest else ""
    reader = (f"pykickstart {profile.pykickstart_version} rejects the kickstart"
              if profile.kind is InstallerKind.KICKSTART else f"the {profile.kind} file is malformed")
    raise GeneratedFileError(
        f"{reader} for profile {profile.name}{for_guest}: {problems[0]}",
        hint=f"{len(problems)} problem(s) in all; this is a bug in the profile, please report it",
    )


def _kickstart(profile: Profile, data: AnswerInput) -> dict[str, str]:
    from toolkit.generate.kickstart import render_kickstart

    return {KICKSTART_FILE: render_kickstart(profile, data, validate=False)}


def _kickstart_problems(profile: Profile, files: dict[str, str]) -> list[str]:
    from toolkit.generate.kscheck import validate_kickstart

    assert profile.pykickstart_version is not None
    return [str(problem) for problem in validate_kickstart(files[KICKSTART_FILE], profile.pykickstart_version)]


def _preseed(profile: Profile, data: AnswerInput) -> dict[str, str]:
    from toolkit.generate.preseed import render_preseed

    return {PRESEED_FILE: render_preseed(profile, data, validate=False)}


def _preseed_problems(profile: Profile, files: dict[str, str]) -> list[str]:
    from toolkit.generate.preseed import preseed_problems

    return preseed_problems(files[PRESEED_FILE])


def _autoinstall(profile: Profile, data: AnswerInput) -> dict[str, str]:
    from toolkit.generate.autoinstall import AutoinstallInput, autoinstall_answer_files
    from toolkit.generate.autoinstall_storage import Firmware

    return autoinstall_answer_files(profile, AutoinstallInput(
        network=data.network, root_password_hash=data.root_password_hash, firmware=Firmware(data.firmware),
        timezone=data.timezone, repo=data.repo, ssh_keys=data.ssh_keys, guest_utilities=data.xs_tools))


def _autoinstall_problems(profile: Profile, files: dict[str, str]) -> list[str]:
    # cloud-init reads user-data as cloud-config only when its first line is exactly this; the schemas
    # (cloud-init's, subiquity's) are checked in the tests, where their validators are installed.
    if files[USER_DATA].split("\n", 1)[0] != "#cloud-config":
        return ["user-data does not start with #cloud-config"]
    return []


_KINDS: dict[InstallerKind, tuple[Callable[[Profile, AnswerInput], dict[str, str]],
                                  Callable[[Profile, dict[str, str]], list[str]]]] = {
    InstallerKind.KICKSTART: (_kickstart, _kickstart_problems),
    InstallerKind.PRESEED: (_preseed, _preseed_problems),
    InstallerKind.AUTOINSTALL: (_autoinstall, _autoinstall_problems),
}
