"""Atomic file writes: a reader sees the old file or the new one, never half of either."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import ToolkitError


@dataclass(frozen=True)
class OutputFile:
    path: Path
    text: str
    mode: int | None = None  # None: keep an existing file's mode, else 0666 less the umask


def write_atomic(path: Path, text: str, mode: int | None = None) -> None:
    """Write `text` to `path` through a temporary file in the same directory, fsync, then rename."""
    write_all_atomic([OutputFile(path, text, mode)])


def write_all_atomic(files: Iterable[OutputFile]) -> None:
    """Write several files so that a failure while writing leaves every target as it was.

    Every temporary file is written and synced first; only then are they renamed into place (each
    rename is atomic). A failure before the renames leaves no file changed and no temporary behind.
    """
    outputs = list(files)
    for out in outputs:
        # Caught before anything is written: a rename onto a directory would fail half-way through.
        if out.path.is_dir():
            raise ToolkitError(f"cannot write {out.path}: it is a directory")
    staged: list[tuple[Path, Path]] = []
    created: list[Path] = []
    try:
        for out in outputs:
            _make_parents(out.path.parent, created)
        # Writing and fsyncing thousands of files is mostly waiting on the disk, which threads overlap
        # (fsync releases the GIL). Every staging is awaited before any rename or clean-up.
        with ThreadPoolExecutor(max_workers=min(IO_THREADS, max(1, len(outputs)))) as pool:
            futures = [pool.submit(_stage, out) for out in outputs]
            errors: list[OSError] = []
            for future, out in zip(futures, outputs, strict=True):
                try:
                    staged.append((future.result(), out.path))
                except OSError as exc:
                    errors.append(exc)
        if errors:
            raise errors[0]
        for tmp, path in staged:
            os.replace(tmp, path)
        with ThreadPoolExecutor(max_workers=IO_THREADS) as pool:
            list(pool.map(_fsync_dir, {path.parent for _, path in staged}))
    except OSError as exc:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
        for directory in reversed(created):
            with contextlib.suppress(OSError):
                directory.rmdir()  # only the ones we made, and only if still empty
        target = exc.filename or "output"
        raise ToolkitError(f"cannot write {target}: {exc.strerror or exc}") from exc


IO_THREADS = 8


def _stage(out: OutputFile) -> Path:
    """Write `out` to a new temporary file beside its target, synced; return the temporary's path."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.path.name}.", suffix=".tmp", dir=out.path.parent)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(out.text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, out.mode if out.mode is not None else _default_mode(out.path))
    except OSError:
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


def _default_mode(path: Path) -> int:
    """Keep an existing file's mode; a new file gets 0666 less the umask, as open() would give it."""
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
