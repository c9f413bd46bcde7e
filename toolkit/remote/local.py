"""The Executor for this machine: subprocess for commands, plain file operations for files."""

from __future__ import annotations

import contextlib
import hashlib
import os
import selectors
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from toolkit.inputs.userfile import open_error, open_regular
from toolkit.output import NEW_FILE_MODE, Ownership, replacing, write_bytes_atomic
from toolkit.remote.executor import (
    DEFAULT_COMMAND_TIMEOUT,
    CommandTimeout,
    FileInfo,
    HashingSink,
    OutputSink,
    RemoteError,
    RunResult,
    StreamFill,
    Transferred,
    quote_command,
)
from toolkit.report import ProgressSink

CHUNK = 1 << 20


class LocalExecutor:
    name = "local"

    def run(self, argv: Sequence[str], *, stdin: bytes | None = None, timeout: float = DEFAULT_COMMAND_TIMEOUT,
            on_output: OutputSink | None = None, step: str = "") -> RunResult:
        command = quote_command(argv)
        try:
            # A process group of its own, so that a timeout or Ctrl-C stops the whole tree (rpmbuild's
            # shells and compilers), not only the command we started.
            proc = subprocess.Popen(list(argv), stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, process_group=0)
        except OSError as exc:
            raise RemoteError(f"{step or command}: cannot run {argv[0]}: {exc.strerror or exc}") from None
        if stdin is not None:
            # Fed from a thread: a command that writes much before reading all its input must not deadlock us.
            threading.Thread(target=_feed, args=(proc, stdin), daemon=True).start()
        try:
            out, err = self._collect(proc, command, timeout, on_output, step)
        except BaseException:
            _stop_group(proc)
            raise
        return RunResult(command, proc.wait(), bytes(out), bytes(err))

    @staticmethod
    def _collect(proc: subprocess.Popen[bytes], command: str, timeout: float, on_output: OutputSink | None,
                 step: str) -> tuple[bytearray, bytearray]:
        out, err = bytearray(), bytearray()
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as selector:
            assert proc.stdout is not None and proc.stderr is not None
            selector.register(proc.stdout, selectors.EVENT_READ, ("stdout", out))
            selector.register(proc.stderr, selectors.EVENT_READ, ("stderr", err))
            while selector.get_map():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise CommandTimeout(f"{step or command}: still running after {timeout:g} s; stopped")
                for key, _ in selector.select(min(left, 1.0)):
                    chunk = os.read(key.fd, 65536)
                    if not chunk:
                        selector.unregister(key.fileobj)
                        continue
                    stream, buffer = key.data
                    buffer += chunk
                    if on_output is not None:
                        on_output(stream, chunk)
        return out, err

    def put(self, local: Path, remote: str, *, progress: ProgressSink | None = None) -> Transferred:
        return _copy(local, Path(remote), progress)

    def get(self, remote: str, local: Path, *, progress: ProgressSink | None = None) -> Transferred:
        return _copy(Path(remote), local, progress)

    def put_stream(self, remote: str, fill: StreamFill, *, size: int | None = None,
                   progress: ProgressSink | None = None) -> Transferred:
        return _write_stream(Path(remote), fill, size, progress)

    def stat(self, path: str) -> FileInfo | None:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise RemoteError(f"{path}: cannot stat: {exc.strerror}") from None
        import stat

        return FileInfo(info.st_size, info.st_mode & 0o7777, info.st_uid, info.st_gid,
                        stat.S_ISDIR(info.st_mode), stat.S_ISREG(info.st_mode))

    def read_bytes(self, path: str, limit: int) -> bytes:
        fd = open_regular(Path(path))  # a FIFO or a directory is refused, not read
        try:
            with os.fdopen(fd, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise open_error(path, exc) from None
        if len(data) > limit:
            raise RemoteError(f"{path}: larger than {limit} bytes")
        return data

    def write_atomic(self, path: str, data: bytes, like: FileInfo | None) -> None:
        try:
            write_bytes_like(Path(path), data, like)
        except OSError as exc:  # reported like the SSH executor's failures: one line, exit 1
            raise RemoteError(f"{path}: cannot write: {exc.strerror or exc}") from None

    def close(self) -> None:
        pass


def _stop_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def _feed(proc: subprocess.Popen[bytes], data: bytes) -> None:
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError, OSError):
        proc.stdin.write(data)
    with contextlib.suppress(BrokenPipeError, OSError):
        proc.stdin.close()


def _copy(source: Path, target: Path, progress: ProgressSink | None) -> Transferred:
    """Copy with a sha256 taken while reading and checked on the written copy before it replaces target."""
    fd = open_regular(source)
    try:
        total = os.fstat(fd).st_size
        digest = hashlib.sha256()
        done = 0
        with os.fdopen(fd, "rb") as src, replacing(target) as dst:
            while chunk := src.read(CHUNK):
                digest.update(chunk)
                dst.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
            written = _read_back_sha256(dst)
            if written != digest.hexdigest():
                raise RemoteError(f"{target}: sha256 of the copy ({written}) differs from {source}'s; not replaced")
    except OSError as exc:
        raise RemoteError(f"cannot copy {source} to {target}: {exc.strerror or exc}") from None
    return Transferred(str(target), done, digest.hexdigest())


def _write_stream(target: Path, fill: StreamFill, size: int | None, progress: ProgressSink | None) -> Transferred:
    """put_stream here: a hidden temp file beside target, checked by reading it back, renamed over target."""
    try:
        with replacing(target, mode=NEW_FILE_MODE) as handle:  # as SFTP creates files, readable by NFS clients

            def write(data: bytes) -> None:
                try:
                    handle.write(data)
                except OSError as exc:  # our write, told apart from the source's read errors, raised by `fill` as is
                    raise RemoteError(f"cannot write {target}: {exc.strerror or exc}; not replaced") from None

            sink = HashingSink(write, size, progress)
            fill(sink)
            sink.check_size(str(target))
            written = _read_back_sha256(handle)
            if written != sink.digest.hexdigest():
                raise RemoteError(f"{target}: sha256 of the written file ({written}) differs from what was sent; "
                                  "not replaced")
    except OSError as exc:
        raise RemoteError(f"cannot write {target}: {exc.strerror or exc}") from None
    return Transferred(str(target), sink.done, sink.digest.hexdigest())


def _read_back_sha256(handle: BinaryIO) -> str:
    """The sha256 of what a replacing() handle holds so far, read back from the file."""
    handle.flush()
    os.fsync(handle.fileno())
    handle.seek(0)
    digest = hashlib.sha256()
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
    return digest.hexdigest()


def sha256_of(path: Path, start: int = 0, length: int | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        handle.seek(start)
        left = length
        while left is None or left > 0:
            chunk = handle.read(CHUNK if left is None else min(CHUNK, left))
            if not chunk:
                break
            digest.update(chunk)
            if left is not None:
                left -= len(chunk)
    return digest.hexdigest()


def write_bytes_like(path: Path, data: bytes, like: FileInfo | None) -> None:
    """`data` as the new content of `path`, with the mode and owner of `like` (else the default)."""
    owner = Ownership(like.uid, like.gid) if like is not None else None
    write_bytes_atomic(path, data, mode=like.mode if like is not None else None, owner=owner)
