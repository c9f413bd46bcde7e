"""Uploads with no local copy: a file's bytes streamed from a source (e.g. a member of an ISO) to a host, and a whole
tree of them put in place all or nothing.

`put_stream` is Executor.put_stream over SSH (through an SftpChannel): the bytes go to a hidden temp file beside
the target, hashed on the way, through a tee on the host (tee_upload.py) or, where the host has none, over SFTP
followed by the host's `sha256sum` of the file; the host's digest must match ours (and the size the count) before
it is renamed over the target, as transfer.upload does for local files (without resuming: a stream cannot be re-read
from the middle).

`upload_tree` builds a directory tree through any Executor: in a hidden temp directory beside the destination,
renamed to it at the end; a failure or Ctrl-C on the way removes the temp directory, so the destination is either
complete or absent, never half-written.
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from toolkit.errors import ToolkitError, UsageError
from toolkit.output import PART_SUFFIX
from toolkit.remote.executor import Executor, HashingSink, RemoteError, StreamFill, Transferred, run
from toolkit.remote.sftp_channel import SFTP_ERRORS, SftpChannel, sftp_failure
from toolkit.remote.tee_upload import TeeUpload
from toolkit.remote.transfer import BIG_WRITE, check_size, remote_sha256, remove_quietly, rename_over, tee_digest
from toolkit.report import ProgressSink, say


class _WriteFailed(Exception):
    """A write to the host failed: kept apart from the source's own errors, which pass through `fill` unchanged."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def put_stream(channel: SftpChannel, remote: str, fill: StreamFill, size: int | None,
               progress: ProgressSink | None) -> Transferred:
    directory, _, name = remote.rpartition("/")
    part = f"{directory}/.{name}.{secrets.token_hex(4)}{PART_SUFFIX}"
    label = f"writing {channel.label}:{remote}"
    channel.sftp(label)  # the rename and the clean-up use it
    try:
        try:
            tee = TeeUpload.start(channel, part, append=False, doing=label)
        except SFTP_ERRORS as exc:
            raise _failed(channel, label, exc) from None
        sending = _Sending(channel, part, remote, label, fill, size, progress)
        sink, got = sending.over_sftp() if tee is None else sending.through_tee(tee)
        expected = sink.digest.hexdigest()
        if got != expected:
            raise RemoteError(f"{channel.label}:{remote}: sha256 after upload is {got}, expected {expected}; "
                              "not written")
        rename_over(channel, part, remote)
    except BaseException:
        remove_quietly(channel, part)
        raise
    return Transferred(remote, sink.done, expected)


@dataclass(frozen=True)
class _Sending:
    channel: SftpChannel
    part: str
    remote: str
    label: str
    fill: StreamFill
    size: int | None
    progress: ProgressSink | None

    def through_tee(self, tee: TeeUpload) -> tuple[HashingSink, str]:
        """The bytes into a tee on the host (tee_upload.py); the host's digest of them."""
        channel, label = self.channel, self.label
        with tee:
            sink = HashingSink(_guarded(tee.write), self.size, self.progress)
            try:
                self.fill(sink)
                received = tee.finish()
            except _WriteFailed as exc:
                raise _failed(channel, label, exc.cause) from None
            except SFTP_ERRORS as exc:  # from finish: the connection went while the host hashed the last bytes
                raise _failed(channel, label, exc) from None
        sink.check_size(f"{channel.label}:{self.remote}")
        if (problem := received.problem()) is not None:
            raise _failed(channel, label, problem)
        return sink, tee_digest(channel, received, self.part, sink.done, self.remote)

    def over_sftp(self) -> tuple[HashingSink, str]:
        """The bytes over SFTP, then the host's sha256sum of the part file."""
        channel, label, remote = self.channel, self.label, self.remote
        directory = remote.rpartition("/")[0]
        sftp = channel.sftp(label)
        try:
            handle = sftp.open(self.part, "wb")
        except PermissionError:
            raise UsageError(f"{channel.label}:{remote}: permission denied writing in {directory or '/'}") from None
        except FileNotFoundError:
            raise UsageError(f"{channel.label}:{remote}: its directory does not exist") from None
        except SFTP_ERRORS as exc:
            raise _failed(channel, label, exc) from None
        sink = HashingSink(_guarded(handle.write), self.size, self.progress)
        try:
            with handle:
                handle.set_pipelined(True)
                if not channel.legacy:  # as transfer.upload: 255 KiB writes where the server takes them
                    handle.MAX_REQUEST_SIZE = BIG_WRITE
                self.fill(sink)
        except _WriteFailed as exc:
            raise _failed(channel, label, exc.cause) from None
        except SFTP_ERRORS as exc:  # from the close: a pipelined write's error (ENOSPC) shows up there
            raise _failed(channel, label, exc) from None
        sink.check_size(f"{channel.label}:{remote}")
        check_size(channel, self.part, sink.done, remote)  # pipelined writes can fail unreported: count what arrived
        return sink, remote_sha256(channel, self.part)


def _guarded(write: Callable[[bytes], object]) -> Callable[[bytes], None]:
    """`write`, its failures told apart from the source's own errors (which pass through `fill` unchanged)."""
    def guarded(data: bytes) -> None:
        try:
            write(data)
        except SFTP_ERRORS as exc:
            raise _WriteFailed(exc) from exc

    return guarded


def _failed(channel: SftpChannel, label: str, exc: BaseException | str) -> RemoteError:
    return RemoteError(sftp_failure(channel, exc, label, writing=True))


@dataclass(frozen=True)
class StreamFile:
    name: str  # relative, "/"-separated, checked safe by whoever made it (iso.unsafe_reason)
    size: int
    fill: StreamFill


def upload_tree(ex: Executor, dest: str, directories: Sequence[str], files: Sequence[StreamFile], *,
                progress: ProgressSink | None = None) -> int:
    """Create `dest` (it must not exist) holding `directories` (parents first) and `files`; return the bytes sent.

    All or nothing: the tree is built in a hidden `.NAME.RANDOM.xenkit-part` directory beside `dest` and renamed
    to `dest` only when every file is there and checked; on any failure (or Ctrl-C) it is removed again.
    """
    parent, _, name = dest.rpartition("/")
    total = sum(f.size for f in files)
    free = free_bytes(ex, parent or "/")
    if free is not None and free < total:
        raise ToolkitError(f"{ex.name}:{parent}: {total / 2**20:.1f} MiB needed, {free / 2**20:.1f} MiB free; "
                           "nothing uploaded")
    tmp = f"{parent}/.{name}.{secrets.token_hex(4)}{PART_SUFFIX}"
    _run(ex, ["mkdir", "-m", "0755", "--", tmp], f"create {tmp}")
    try:
        if directories:
            _run(ex, ["mkdir", "-m", "0755", "--", *(f"{tmp}/{d}" for d in directories)], f"create the tree in {tmp}")
        sent = 0
        for item in files:
            def tick(done: int, _size: int, base: int = sent) -> None:
                if progress is not None:
                    progress(base + done, total)

            ex.put_stream(f"{tmp}/{item.name}", item.fill, size=item.size, progress=tick)
            sent += item.size
        # rename(2): -T so that a `dest` made meanwhile is an error (not a directory to move into); an empty
        # directory there is replaced, a non-empty one or a file refused.
        _run(ex, ["mv", "-T", "--", tmp, dest], f"rename {tmp} to {dest}")
    except BaseException:
        _remove_tree(ex, tmp)
        raise
    return sent


def remove_tree(ex: Executor, path: str) -> str | None:
    """`rm -rf` path on the host; None if done, else why not."""
    try:
        result = ex.run(["rm", "-rf", "--", path], step=f"remove {path}")
    except RemoteError as exc:
        return exc.message
    return None if result.ok else result.output_tail(3) or f"exit status {result.status}"


def _remove_tree(ex: Executor, tmp: str) -> None:
    problem = remove_tree(ex, tmp)
    if problem is not None:
        say(f"could not remove the partial upload {tmp} ({problem}); remove it by hand")


def free_bytes(ex: Executor, path: str) -> int | None:
    """Bytes available to us in path's file system (`df -P`, which old dom0s have too); None if unknown."""
    with contextlib.suppress(RemoteError):
        result = ex.run(["df", "-P", "-k", "--", path], step=f"df {path}", timeout=60)
        lines = result.text().splitlines()
        if result.ok and len(lines) >= 2 and len(fields := lines[-1].split()) >= 4 and fields[3].isdigit():
            return int(fields[3]) * 1024
    return None


def _run(ex: Executor, argv: list[str], step: str) -> None:
    run(ex, argv, step=step, timeout=120, what=f"{ex.name}: {step}")
