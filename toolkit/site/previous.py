"""What an earlier render left in the output directory: the password hash to keep, and stale guests.

A site renders into a directory that is often under version control. A new salt on every run would
change every ks.cfg each time, so a guest's existing hash is kept while its password file still
matches it. A guest removed from the site file leaves its directory behind: listed as stale, and
removed on request, but only when it holds nothing but what a render writes there.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import re
import stat
from pathlib import Path

from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.answer_files import ALL_ANSWER_FILES
from toolkit.generate.seed_volume import CIDATA, OEMDRV
from toolkit.inputs.password import HASH_ROUNDS, SHA512_CRYPT_FORMAT
from toolkit.inputs.sha512_crypt import DEFAULT_ROUNDS, sha512_crypt
from toolkit.inputs.userfile import open_regular
from toolkit.output import PART_SUFFIX

# The files a render writes in each guest's directory (toolkit/site/render.py): the answer files of every
# installer kind (toolkit/generate/answer_files.py), the boot line and the install plan; and for an HVM guest its
# seed image, under a name the site chose (<vm>-seed.iso by default): told by its label (_is_seed_image).
BOOTARGS_NAME, SCRIPT_NAME = "bootargs.txt", "install.sh"
RENDERED_FILES = ALL_ANSWER_FILES | {BOOTARGS_NAME, SCRIPT_NAME}
_SEED_LABELS = frozenset({OEMDRV, CIDATA})

# An answer file is small; reading more of an unexpected file would be for nothing.
_ANSWER_LIMIT = 1 << 20
# The root password hash as a kickstart, a preseed or an autoinstall user-data (identity's password) holds it.
_ROOTPW = re.compile(r"^(?:(?:rootpw\s+--iscrypted|d-i\s+passwd/root-password-crypted\s+password)\s+(\$6\$\S+)"
                     r'|\s+password:\s+"(\$6\$[^"\s]+)")\s*$', re.MULTILINE)


def previous_hash(answer_file: Path) -> str | None:
    """The root password hash of an earlier render's ks.cfg or preseed.cfg; None if there is none we would have
    written."""
    try:
        with os.fdopen(open_regular(answer_file), "rb") as handle:
            data = handle.read(_ANSWER_LIMIT)
    except (UsageError, OSError):  # none yet, or unreadable: a new hash it is
        return None
    return hash_in_kickstart(data)


def hash_in_kickstart(data: bytes) -> str | None:
    """The root password hash an answer file we wrote holds (a kickstart's rootpw --iscrypted, a preseed's
    root-password-crypted, user-data's identity password); None if none."""
    match = _ROOTPW.search(data.decode("utf-8", errors="replace"))
    return (match.group(1) or match.group(2)) if match else None


def password_matches(password: str, hashed: str) -> bool:
    """True if `hashed` is a SHA-512 crypt hash of `password` at least as strong as a new one would be."""
    match = SHA512_CRYPT_FORMAT.fullmatch(hashed)
    if match is None:  # not a well-formed hash: replaced by a new one
        return False
    rounds = int(match.group(1)) if match.group(1) else DEFAULT_ROUNDS
    if not HASH_ROUNDS <= rounds <= 999_999_999:
        return False
    return hmac.compare_digest(sha512_crypt(password.encode(), match.group("salt"), rounds), hashed)


def stale_directories(out_dir: Path, names: set[str]) -> list[Path]:
    """The guest directories under `out_dir` of guests not in `names`, in name order."""
    try:
        entries = sorted(out_dir.iterdir())
    except OSError:  # no directory yet: nothing is stale
        return []
    return [entry for entry in entries
            if entry.name not in names and not entry.name.startswith(".") and _looks_rendered(entry)]


def _looks_rendered(directory: Path) -> bool:
    """A real directory (not a link) holding only files a render writes, one of them at least."""
    try:
        if not stat.S_ISDIR(os.lstat(directory).st_mode):
            return False
        entries = list(directory.iterdir())
        if not any(entry.name in RENDERED_FILES for entry in entries):
            return False
        return all(_is_ours(entry) and stat.S_ISREG(os.lstat(entry).st_mode) for entry in entries)
    except OSError:
        return False


def _is_ours(entry: Path) -> bool:
    # A hidden leftover of an interrupted write is ours too (every such name ends in PART_SUFFIX).
    return (entry.name in RENDERED_FILES or (entry.name.startswith(".") and entry.name.endswith(PART_SUFFIX))
            or _is_seed_image(entry))


def _is_seed_image(entry: Path) -> bool:
    """A seed image as the render writes it: an .iso file (site key seed_iso) labelled as a seed volume."""
    from toolkit.generate.seed_iso import seed_image_label

    return entry.name.lower().endswith(".iso") and seed_image_label(entry) in _SEED_LABELS


def remove_directory(directory: Path) -> None:
    """Remove a stale guest directory (checked again: only files a render writes), or raise naming the file."""
    if not _looks_rendered(directory):
        raise ToolkitError(f"cannot remove {directory}: it holds more than a render writes; not removed")
    try:
        for entry in directory.iterdir():
            with contextlib.suppress(FileNotFoundError):
                entry.unlink()
        directory.rmdir()
    except OSError as exc:
        raise ToolkitError(f"cannot remove {exc.filename or directory}: {exc.strerror or exc}") from None
