"""Atomic file writes: a reader sees the old file or the new one, never half of either.

`replacing()` is the one way a file is written in place on this machine (a hidden temp file beside the
target, fsync, mode and owner, rename, fsync of the directory); `write_output()` is the one writer of a
command's `-o FILE` (a device, FIFO or /dev/stdout is written into, not replaced); `AtomicBatch` stages
many files and replaces them together, or leaves every one as it was. Symlinks are followed: the file
a link names is replaced and the link stays.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from toolkit.errors import ToolkitError, UsageError
from toolkit.output.target import Kind, OutputTarget, output_target

if TYPE_CHECKING:
    from concurrent.futures import Future

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

    The block writes to a hidden temp file beside `target` (opened for reading too, so the block can check
    what it wrote before the end) (same file system, so the rename is atomic); at
    the end it is flushed, fsynced, given `mode` (None: keep an existing file's mode, else 0666 less the
    umask) and `owner` (where this process may give it), renamed over `target`, and the directory fsynced.
    An exception in the block (a failed check, Ctrl-C) removes the temp file and leaves `target` as it was.
    A symlink is followed (the file it names is replaced); anything but a regular file is refused.
    """
    target = _regular_target(target)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix, dir=target.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
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


def write_output(path: Path, text: str, *, mode: int | None = None, label: str) -> None:
    """`text` (UTF-8) as the content of a command's output `path`: write_output_bytes."""
    write_output_bytes(path, text.encode("utf-8"), mode=mode, label=label)


def write_output_bytes(path: Path, data: bytes, *, mode: int | None = None, label: str) -> None:
    """`data` as the content of a command's output `path` (`-o FILE`), as the target asks.

    A regular file (or a new one, or the file a symlink names) is replaced through replacing(); a
    character device or FIFO is opened and written into (a FIFO waits for its reader, as a shell's
    `>` does); /dev/stdout, /dev/fd/N and /proc/self/fd/N are written through that descriptor. A
    directory or anything else is refused: a usage error that starts with `label`.
    """
    try:
        target = output_target(path)
        if target.kind is Kind.DIRECTORY:
            raise UsageError(f"{label}: is a directory; give a file name")
        if target.kind is Kind.OTHER:
            raise UsageError(f"{label}: not a regular file, character device or FIFO")
        if target.kind is Kind.FILE:
            write_bytes_atomic(target.path, data, mode=mode)
        else:
            _write_into(target, data)
    except OSError as exc:  # named by the file meant, never by a hidden temp file
        raise ToolkitError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write_into(target: OutputTarget, data: bytes) -> None:
    """Write `data` into a stream or descriptor: opened as a shell's `>` would, but never created or renamed."""
    if target.descriptor in (1, 2):  # through Python's own stream, in order with whatever else went there
        stream = sys.stdout if target.descriptor == 1 else sys.stderr
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()
        return
    if target.descriptor is not None:
        fd = os.dup(target.descriptor)  # our own copy to close; the position is shared, as in a shell
    else:
        fd = os.open(target.path, os.O_WRONLY | os.O_TRUNC | os.O_NOCTTY | os.O_CLOEXEC)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


@dataclass(frozen=True)
class OutputFile:
    path: Path
    text: str
    mode: int | None = None  # None: keep an existing file's mode, else 0666 less the umask
    data: bytes | None = None  # a binary file's content (an ISO image): written in place of `text`

    @classmethod
    def of_bytes(cls, path: Path, data: bytes, mode: int | None = None) -> OutputFile:
        return cls(path, "", mode, data)

    def content(self) -> bytes:
        """The bytes to write: `data`, or `text` as UTF-8 (line ends as they are)."""
        return self.data if self.data is not None else self.text.encode("utf-8")


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
    staging, then renames each into place (each rename atomic; if one fails, the files already replaced
    are put back: toolkit/output_swap.py). Leaving the `with` block without a commit, or any failure,
    removes every temporary and every directory the batch created. A symlink among the targets is
    followed; a target that is not a regular file is refused before anything is written.
    """

    def __init__(self) -> None:
        # Imported here: the many commands that write one file, or none, need not load concurrent.futures.
        from concurrent.futures import ThreadPoolExecutor

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
        # Checked before anything is renamed: a rename onto a directory would fail half-way through,
        # and one onto a device or FIFO would replace it; there is no all-or-nothing write into those.
        try:
            target = output_target(out.path)
            if target.kind is Kind.DIRECTORY:
                raise ToolkitError(f"cannot write {out.path}: it is a directory")
            if target.kind is not Kind.FILE:
                raise ToolkitError(f"cannot write {out.path}: not a regular file")
            _make_parents(target.path.parent, self._created)
        except OSError as exc:
            raise _write_error(exc) from exc
        self._pending.append((self._pool.submit(_stage, dataclasses.replace(out, path=target.path)), target.path))

    def commit(self) -> None:
        from toolkit.output.swap import replace_all  # imported here: it imports this module

        staged = self._wait()
        try:
            replace_all(staged)
            list(self._pool.map(_fsync_dir, {path.parent for _, path in staged}))
        except OSError as exc:
            raise _write_error(exc) from exc
        finally:
            self._pool.shutdown()
        self._committed = True

    def _wait(self) -> list[tuple[Path, Path]]:
        """Every staged temporary with its target; the first staging error, once all have finished."""
        staged: list[tuple[Path, Path]] = []
        errors: list[ToolkitError] = []
        for future, path in self._pending:
            try:
                staged.append((future.result(), path))
            except OSError as exc:  # named by its target: the temporary's name means nothing to the user
                errors.append(ToolkitError(f"cannot write {path}: {exc.strerror or exc}"))
        if errors:
            raise errors[0]  # the with block's exit removes the staged temporaries
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
        with os.fdopen(fd, "wb") as handle:
            handle.write(out.content())
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, out.mode if out.mode is not None else _default_mode(out.path))
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return tmp


def _regular_target(path: Path) -> Path:
    """The file to replace for `path` (symlinks followed); a directory, device or FIFO is refused."""
    target = output_target(path)
    if target.kind is Kind.DIRECTORY:
        raise UsageError(f"{path}: is a directory")
    if target.kind is not Kind.FILE:
        raise UsageError(f"{path}: not a regular file; not replaced")
    return target.path


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
NEW_FILE_MODE = 0o666 & ~_UMASK  # what open() gives a new file


def _default_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would give it."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        return NEW_FILE_MODE


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
