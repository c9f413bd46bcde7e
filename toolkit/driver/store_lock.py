"""The lock of one step-store entry: a second build of the same inputs waits for the first, and pruning
skips an entry that a running build holds.

One lock file per step id, locked with flock(2) (exclusive, whole file). The kernel drops the lock when
its holder exits, however it exits, so a killed build never leaves an entry locked. Whoever holds a lock
may delete its file (pruning does, with the entry): a process that opened the file just before finds,
once it has the lock, that the name now leads to another file or none, and starts again.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Callable
from pathlib import Path


class EntryLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    def acquire(self, *, wait: bool = True, on_wait: Callable[[], None] | None = None) -> bool:
        """Take the lock; False if another holds it and `wait` is false. `on_wait` is called before waiting.

        Raises OSError if the lock file cannot be created or opened.
        """
        assert self._fd is None, "the lock is held already"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            # O_RDONLY: flock needs no write access, so a store someone else owns can still be read.
            fd = os.open(self.path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                if not _flock(fd, blocking=False):
                    if not wait:
                        os.close(fd)
                        return False
                    if on_wait is not None:
                        on_wait()
                        on_wait = None
                    _flock(fd, blocking=True)
                if _names(self.path, fd):
                    self._fd = fd
                    return True
            except BaseException:
                os.close(fd)
                raise
            os.close(fd)  # the file was deleted by its last holder: lock the one the name leads to now

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor of the open file drops the flock
            self._fd = None

    def discard(self) -> None:
        """Delete the lock file (while holding it), with the entry it guarded."""
        assert self._fd is not None, "only the holder may delete the lock file"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)


def _flock(fd: int, *, blocking: bool) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX if blocking else fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _names(path: Path, fd: int) -> bool:
    """`path` still leads to the file open as `fd`."""
    try:
        named = os.stat(path)
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (named.st_dev, named.st_ino) == (held.st_dev, held.st_ino)
