"""Edit a text file in place through any Executor (this machine or a host over SSH) without ever half-writing it.

`replace_file` backs the file up beside itself (FILE.xenkit-<time>.bak: its text, mode, owner and times), writes
the new text to a temp file in the same directory with the file's mode and owner and renames it over the file
(Executor.write_atomic), then reads it back; if it does not read back as written, the old text is put back.
`create_file` and `restore_file` are the same steps for a file that is new, and for putting a file back as it was
(a rollback of several edits).
"""

from __future__ import annotations

import time

from toolkit.errors import ToolkitError, UsageError
from toolkit.remote.executor import Executor, FileInfo, run

MAX_TEXT = 16 << 20  # the files edited are small text files (fstab, ifcfg): a read-back never needs more


def replace_file(ex: Executor, path: str, old: str, new: str, *, label: str | None = None) -> str:
    """Replace `path`'s text `old` (as the caller read it) with `new`; return the backup's path.

    `label` names the file in messages (default "HOST:PATH"). If the file no longer holds `old`, nothing is
    written; if the backup or the new text does not read back as written, the file is left as it was.
    """
    label = label or f"{ex.name}:{path}"
    before, after = old.encode("utf-8"), new.encode("utf-8")
    info = ex.stat(path)
    if info is None:
        raise UsageError(f"{label}: does not exist")
    if _read(ex, path) != before:
        raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written")
    backup = _backup_name(ex, path)
    ex.write_atomic(backup, before, info)
    if _read(ex, backup) != before:
        raise ToolkitError(f"{label}: the backup {backup} did not read back as written; {path} not touched")
    _keep_times(ex, path, backup, label)  # after the read-back, which would update the backup's access time
    if _read(ex, path) != before:  # again, just before the rename: someone may have edited it meanwhile
        raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written (backup {backup})")
    ex.write_atomic(path, after, info)
    if _read(ex, path) != after:
        restored = restore_file(ex, path, old, info)
        raise ToolkitError(f"{label}: did not read back as written; "
                           + (f"the original was put back (backup {backup})" if restored
                              else f"putting the original back failed too: restore it from {backup}"))
    return backup


def create_file(ex: Executor, path: str, text: str, like: FileInfo, *, label: str | None = None) -> None:
    """Write a new file (temp file + rename, with `like`'s mode and owner) and read it back."""
    ex.write_atomic(path, text.encode("utf-8"), like)
    if _read(ex, path) != text.encode("utf-8"):
        raise ToolkitError(f"{label or f'{ex.name}:{path}'}: did not read back as written")


def restore_file(ex: Executor, path: str, old: str | None, like: FileInfo | None) -> bool:
    """Put `path` back as it was: the text `old` with `like`'s mode and owner, or no file where `old` is None.

    True if it then reads back so. A failure is not raised: the caller is reporting one already, and says
    which files could not be put back.
    """
    try:
        if old is None:
            ex.run(["rm", "-f", "--", path], step=f"removing {path}")
            return ex.stat(path) is None
        ex.write_atomic(path, old.encode("utf-8"), like)
        return _read(ex, path) == old.encode("utf-8")
    except ToolkitError:
        return False


def _read(ex: Executor, path: str) -> bytes:
    return ex.read_bytes(path, MAX_TEXT)


def _backup_name(ex: Executor, path: str) -> str:
    """PATH.xenkit-<time>.bak, numbered if taken: a name initscripts skip (they take every ifcfg-* but *.bak)."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    backup, counter = f"{path}.xenkit-{stamp}.bak", 1
    while ex.stat(backup) is not None:
        backup, counter = f"{path}.xenkit-{stamp}-{counter}.bak", counter + 1
    return backup


def _keep_times(ex: Executor, path: str, backup: str, label: str) -> None:
    """Give the backup the file's access and modification times, so that it shows when the file last changed."""
    run(ex, ["touch", "-r", path, "--", backup], step=f"touch -r {path} {backup}", timeout=60,
        what=f"{label}: giving the backup {backup} the file's times", after=f" ({path} not touched)")
