"""Renaming many staged files over their targets as one change: all are replaced, or none is.

Each rename is atomic, but a run of them is not: a target that cannot be replaced (an immutable file,
a read-only directory, Ctrl-C) would leave new files beside old ones. So before the first rename
every existing target gets a second, hidden name beside it (a hard link: the target never goes
missing); after a failed rename the targets already replaced are put back from those names, byte for
byte, and the new files that had no old one are removed. Errors name the target, never a hidden name.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitError
from toolkit.output.atomic import PART_SUFFIX


@dataclass
class _Swap:
    staged: Path  # the new file, a hidden temporary beside target
    target: Path
    aside: Path | None = None  # the old file's hidden second name, once it has one
    move_aside: bool = False  # no hard link possible: rename the old file aside just before the swap
    replaced: bool = False


def replace_all(staged: Sequence[tuple[Path, Path]]) -> None:
    """Rename each (temporary, target) pair's temporary over its target; on any failure undo the renames.

    Raises ToolkitError naming the target that could not be replaced (and any that could not be put
    back, with the hidden name its old content is kept under). An interrupt undoes and re-raises.
    """
    swaps = [_Swap(tmp, target) for tmp, target in staged]
    current: _Swap | None = None
    try:
        for current in swaps:  # before any rename: a failure here has replaced nothing
            _keep_aside(current)
        for current in swaps:
            if current.move_aside:
                current.aside = _aside_name(current.target, os.rename)
            os.replace(current.staged, current.target)
            current.replaced = True
    except BaseException as exc:
        unrestored = _put_back(swaps)
        if not isinstance(exc, OSError) or current is None:
            raise
        raise ToolkitError(_failure(current.target, exc, unrestored)) from None
    for swap in swaps:
        if swap.aside is not None:
            with contextlib.suppress(OSError):  # the old file, no longer needed
                swap.aside.unlink()


def _keep_aside(swap: _Swap) -> None:
    if not os.path.lexists(swap.target):
        return  # a new file: undone by removing it
    try:
        swap.aside = _aside_name(swap.target, os.link)
    except OSError:  # a file system without hard links, or a file this user may not link
        swap.move_aside = True


def _aside_name(target: Path, make: Callable[[Path, Path], None]) -> Path:
    """A new hidden name beside `target`, given to the old file by `make` (os.link or os.rename)."""
    while True:
        # Named like every unfinished file xenkit leaves, so that one left by a crash is known for what it is.
        aside = target.parent / f".{target.name}.old-{secrets.token_hex(4)}{PART_SUFFIX}"
        if os.path.lexists(aside):
            continue  # a rename would replace it
        try:
            make(target, aside)
        except FileExistsError:
            continue  # made since the check: draw another
        return aside


def _put_back(swaps: Sequence[_Swap]) -> list[str]:
    """Undo every swap: old files back under their names, new ones removed. What could not be, as text."""
    unrestored: list[str] = []
    for swap in swaps:
        try:
            if swap.aside is not None and (swap.replaced or swap.move_aside):
                os.replace(swap.aside, swap.target)  # the old file back under its name
            elif swap.aside is not None:
                swap.aside.unlink()  # never replaced: the link was only a spare name
            elif swap.replaced:
                swap.target.unlink()  # a new file where there was none
        except OSError as exc:
            kept = f" (its old content is kept as {swap.aside})" if swap.aside is not None else ""
            unrestored.append(f"could not put back {swap.target}: {exc.strerror or exc}{kept}")
    return unrestored


def _failure(target: Path, exc: OSError, unrestored: list[str]) -> str:
    message = f"cannot write {target}: {exc.strerror or exc}"
    if unrestored:
        return f"{message}; {'; '.join(unrestored)}"
    return f"{message}; no file was changed"
