"""Atomic file writes: a reader sees the old file or the new one, never half of either.

`replacing()` is the one way a file is written in place on this machine (a hidden temp file beside the
target, fsync, mode and owner, rename, fsync of the directory); `AtomicBatch` stages many files and
replaces them together.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toolkit.errors import ToolkitError

# The suffix of every unfinished file or directory xenkit leaves beside a target, here or on a host, so
# that one name pattern tells a half-done transfer from a real file.
PART_SUFFIX = ".xenkit-part"


@dataclass(frozen=True)
class Ownership:
    uid: int
    gid: int


@contextlib.contextmanager
def replacing(target: Path, *, mode: int | None = None, owner: Ownership | None = None,
              suffix: str = PART_SUFFIX) -> Iterator[BinaryIO]:
    """A new file that replaces `target` when the block ends without an exception.

    The block writes to a hidden temp file beside `target` (same file system, so the rename is atomic); at
    the end it is flushed, fsynced, given `mode` (None: keep an existing file's mode, else 0666 less the
    umask) and `owner` (where this process may give it), renamed over `target`, and the directory fsynced.
    An exception in the block (a failed check, Ctrl-C) removes the temp file and leaves `target` as it was.
    """
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fchmod(handle.fileno(), mode if mode is not None else _default_mode(target))
            if owner is not None and (os.geteuid() == 0 or owner.uid == os.geteuid()):
                with contextlib.suppress(PermissionError):
                    os.fchown(handle.fileno(), owner.uid, owner.gid)
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(target.parent)


def write_bytes_atomic(target: Path, data: bytes, *, mode: int | None = None, owner: Ownership | None = None) -> None:
    """`data` as the new content of `target`, through replacing()."""
    with replacing(target, mode=mode, owner=owner) as handle:
        handle.write(data)


@dataclass(frozen=True)
class OutputFile:
    path: Path
    text: str
    mode: int | None = None  # None: keep an existing file's mode, else 0666 less the umask


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` through a temporary file in the same directory, fsync, then rename."""
    write_all_atomic([OutputFile(path, text, mode)])


def write_all_atomic(files: Iterable[OutputFile]) -> None:
    """Write several files so that a failure while writing leaves every target as it was."""
    with AtomicBatch() as batch:
        for out in files:
            batch.add(out)
        batch.commit()


IO_THREADS = 8


class AtomicBatch:
    """Files staged as they come, replaced all together at commit().

    add() writes and fsyncs each file to a temporary beside its target on a small thread pool
    (writing thousands of files is mostly waiting on the disk, and fsync releases the GIL), so staging
    overlaps whatever produces the files. Until commit() no target is touched; commit() waits for every
    staging, then renames each into place (each rename atomic). Leaving the `with` block without a
    commit, or any failure, removes every temporary and every directory the batch created.
    """

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=IO_THREADS)
        self._pending: list[tuple[Future[Path], Path]] = []
        self._created: list[Path] = []
        self._committed = False

    def __enter__(self) -> AtomicBatch:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if not self._committed:
            self._abort()

    def add(self, out: OutputFile) -> None:
        # Checked before anything is renamed: a rename onto a directory would fail half-way through.
        if out.path.is_dir():
            raise ToolkitError(f"cannot write {out.path}: it is a directory")
        try:
            _make_parents(out.path.parent, self._created)
        except OSError as exc:
            raise _write_error(exc) from exc
        self._pending.append((self._pool.submit(_stage, out), out.path))

    def commit(self) -> None:
        staged = self._wait()
        try:
            for tmp, path in staged:
                os.replace(tmp, path)
            list(self._pool.map(_fsync_dir, {path.parent for _, path in staged}))
        except OSError as exc:
            raise _write_error(exc) from exc
        finally:
            self._pool.shutdown()
        self._committed = True

    def _wait(self) -> list[tuple[Path, Path]]:
        """Every staged temporary with its target; the first staging error, once all have finished."""
        staged: list[tuple[Path, Path]] = []
        errors: list[OSError] = []
        for future, path in self._pending:
            try:
                staged.append((future.result(), path))
            except OSError as exc:
                errors.append(exc)
        if errors:
            raise _write_error(errors[0])  # the with block's exit removes the staged temporaries
        return staged

    def _abort(self) -> None:
        for future, _ in self._pending:
            with contextlib.suppress(Exception):  # a staging that failed left nothing to remove
                future.result().unlink(missing_ok=True)  # a temporary not yet renamed
        self._pool.shutdown()
        for directory in reversed(self._created):
            with contextlib.suppress(OSError):
                directory.rmdir()  # only the ones we made, and only if still empty


def _write_error(exc: OSError) -> ToolkitError:
    return ToolkitError(f"cannot write {exc.filename or 'output'}: {exc.strerror or exc}")


def _stage(out: OutputFile) -> Path:
    """Write `out` to a new temporary file beside its target, synced; return the temporary's path."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.path.name}.", suffix=PART_SUFFIX, dir=out.path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(out.text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, out.mode if out.mode is not None else _default_mode(out.path))
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _make_parents(directory: Path, created: list[Path]) -> None:
    """mkdir -p, appending each directory it creates (outermost first) to `created`."""
    missing = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        path.mkdir()
        created.append(path)


def _read_umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


# Read once, here: os.umask() can only be read by setting it, which is not safe while the staging
# threads create files.
_UMASK = _read_umask()


def _default_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would give it."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return 0o666 & ~_UMASK


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
