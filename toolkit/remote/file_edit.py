"""Edit a text file in place through any Executor (this machine or a host over SSH) without ever half-writing it.

`replace_file` follows a symlink to the file it points to (the link stays a link), backs the file up beside itself
(FILE.xenkit-<time>.bak: its text, mode, owner and times), writes the new text to a temp file in the same directory
with the file's mode and owner and renames it over the file (Executor.write_atomic), then reads it back; if it does
not read back as written, the old text is put back. An edit that fails leaves no backup behind where the file
still holds its old text.
`create_file` and `restore_file` are the same steps for a file that is new, and for putting a file back as it was
(a rollback of several edits).
"""

from __future__ import annotations

import contextlib
import time

from toolkit.errors import ToolkitError, UsageError
from toolkit.remote.executor import Executor, FileInfo, run

MAX_TEXT = 16 << 20  # the files edited are small text files (fstab, ifcfg): a read-back never needs more


def read_text_via(ex: Executor, path: str, limit: int = MAX_TEXT) -> tuple[str, FileInfo]:
    """A text file on a host (through its Executor): its text and metadata, or a usage error naming it."""
    from toolkit.inputs.userfile import decode_user_text

    label = f"{ex.name}:{path}"
    info = ex.stat(path)
    if info is None:
        raise UsageError(f"{label}: does not exist")
    if info.is_dir:
        raise UsageError(f"{label}: is a directory")
    if not info.is_file:
        raise UsageError(f"{label}: not a regular file")
    return decode_user_text(ex.read_bytes(path, limit), label), info


def replace_file(ex: Executor, path: str, old: str, new: str, *, label: str | None = None) -> str:
    """Replace `path`'s text `old` (as the caller read it) with `new`; return the backup's path.

    `label` names the file in messages (default "HOST:PATH"). A symlink's target is edited, its backup beside it.
    If the file no longer holds `old`, nothing is written; if the backup or the new text does not read back as
    written, the file is left as it was. A failed edit removes its backup again wherever the file is as it was.
    """
    label = label or f"{ex.name}:{path}"
    path = real_path(ex, path, label)
    before, after = old.encode("utf-8"), new.encode("utf-8")
    info = ex.stat(path)
    if info is None:
        raise UsageError(f"{label}: does not exist")
    if not info.is_file:  # checked before reading: a FIFO would wait for a writer forever
        raise UsageError(f"{label}: {'is a directory' if info.is_dir else 'not a regular file'}")
    if _read(ex, path) != before:
        raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written")
    backup = _backup_name(ex, path)
    try:
        ex.write_atomic(backup, before, info)
        if _read(ex, backup) != before:
            raise ToolkitError(f"{label}: the backup {backup} did not read back as written; {path} not touched")
        _keep_times(ex, path, backup, label)  # after the read-back, which would update the backup's access time
        if _read(ex, path) != before:  # again, just before the rename: someone may have edited it meanwhile
            raise ToolkitError(f"{label}: changed while xenkit was working on it; nothing written")
    except BaseException:  # Ctrl-C too: nothing was written to the file, so its backup goes
        _remove_quietly(ex, backup)
        raise
    try:
        ex.write_atomic(path, after, info)
    except BaseException:  # the backup goes unless the rename happened (the file then is the new text)
        if _holds(ex, path, before):
            _remove_quietly(ex, backup)
        raise
    if _read(ex, path) != after:
        if restore_file(ex, path, old, info):
            _remove_quietly(ex, backup)
            raise ToolkitError(f"{label}: did not read back as written; the original was put back")
        raise ToolkitError(f"{label}: did not read back as written; putting the original back failed too: "
                           f"restore it from {backup}")
    return backup


def real_path(ex: Executor, path: str, label: str | None = None) -> str:
    """The file to edit for `path`: where a symlink leads (followed to the end), else `path` as given.

    Renaming a new file over a symlink would replace the link with a file and leave the one it points to as it
    was. `readlink` without -f succeeds on a symlink only, so other paths are kept as the user wrote them.
    """
    if not ex.run(["readlink", "--", path], step=f"readlink {path}").ok:
        return path
    followed = ex.run(["readlink", "-f", "--", path], step=f"readlink -f {path}")
    target = followed.stdout.decode("utf-8", "surrogateescape").removesuffix("\n")
    if not followed.ok or not target.startswith("/"):
        raise UsageError(f"{label or f'{ex.name}:{path}'}: a symlink that cannot be followed "
                         "(a loop, or a directory on its way that does not exist)")
    return target


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


def _holds(ex: Executor, path: str, text: bytes) -> bool:
    """Whether `path` reads as `text`; False where it cannot be read (a failure is being reported already)."""
    try:
        return _read(ex, path) == text
    except ToolkitError:
        return False


def _remove_quietly(ex: Executor, path: str) -> None:
    """Remove the backup of an edit that failed; a failure to remove it is not raised over the one being
    reported (the backup then stays, which is harmless)."""
    with contextlib.suppress(ToolkitError):
        ex.run(["rm", "-f", "--", path], step=f"removing {path}")


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
