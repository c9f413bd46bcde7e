"""File transfers over SSH: sha256-checked, resumable uploads, nothing replaced until it is complete.

An upload goes to `TARGET.xenkit-part` beside the target. If that part file is already there (an
earlier upload was cut off), its sha256 is compared with the same prefix of the local file and the
upload continues from its end. The bytes go into a tee on the host (tee_upload.py: a process that writes
the part file and hashes the same bytes), so the host hashes them as they arrive; a host that has no tee
gets them over SFTP and runs `sha256sum` on the part file afterwards. Either way the host's sha256 of the
part file must equal ours (computed while reading), and only then is it renamed over the target: the
target is never half-written. A download works over SFTP the same way in the other direction, without
resuming.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError
from toolkit.inputs.userfile import open_regular
from toolkit.output import PART_SUFFIX, replacing
from toolkit.remote.executor import FileInfo, RemoteError, Transferred
from toolkit.remote.hashing_reader import CHUNK, HashingReader
from toolkit.remote.local import sha256_of
from toolkit.remote.paramiko_lite import paramiko
from toolkit.remote.sftp_channel import SFTP_ERRORS, SftpChannel, sftp_failure
from toolkit.remote.tee_upload import Received, TeeUpload
from toolkit.report import ProgressSink

BIG_WRITE = 255 * 1024


def upload(channel: SftpChannel, local: Path, remote: str, progress: ProgressSink | None) -> Transferred:
    label = f"uploading {local} to {channel.label}:{remote}"
    source = os.fdopen(open_regular(local), "rb")  # a FIFO or a directory is refused, not waited on
    total = os.fstat(source.fileno()).st_size
    part = remote + PART_SUFFIX
    sftp = channel.sftp(label)  # the resume check's stat and the rename use it
    with source:
        digest, offset = _resume_point(channel, source, part, total)
        sending = _Sending(offset, total, progress)
        reader: HashingReader | None = None
        try:
            tee = TeeUpload.start(channel, part, append=offset > 0, doing=label)
            reader = HashingReader(source, digest, CHUNK if tee is None else tee.chunk)
            if tee is not None:
                with tee:
                    sending.pump(reader, tee.write)
                    received = tee.finish()
            else:
                with sftp.open(part, "r+b" if offset else "wb") as handle:
                    handle.set_pipelined(True)
                    # OpenSSH's sftp-server takes messages up to 256 KiB; paramiko sends 32 KiB writes, and the
                    # per-request overhead is Python's (benchmarks/bench_remote.py). Old servers keep the default.
                    if not channel.legacy:
                        handle.MAX_REQUEST_SIZE = BIG_WRITE
                    handle.seek(offset)
                    sending.pump(reader, handle.write)
        except PermissionError:
            raise UsageError(f"{channel.label}:{part}: permission denied") from None
        except FileNotFoundError:
            raise UsageError(f"{channel.label}:{remote}: its directory does not exist") from None
        except SFTP_ERRORS as exc:
            if reader is not None and reader.error is not None:
                raise RemoteError(f"{local}: cannot read: {reader.error}") from None
            raise sending.failed(channel, exc, label, part, remote) from exc
        finally:
            if reader is not None:
                reader.close()
    if tee is None:
        check_size(channel, part, total, remote)
        got = remote_sha256(channel, part)
    else:
        if (problem := received.problem()) is not None:
            raise sending.failed(channel, problem, label, part, remote)
        got = tee_digest(channel, received, part, total, remote)
    expected = digest.hexdigest()
    if got != expected:
        remove_quietly(channel, part)
        raise RemoteError(f"{channel.label}:{remote}: sha256 after upload is {got}, expected {expected}; "
                          "the part file was removed and the target not touched")
    rename_over(channel, part, remote)
    return Transferred(remote, total, expected, offset)


@dataclass
class _Sending:
    sent: int
    total: int
    progress: ProgressSink | None

    def pump(self, reader: HashingReader, write: Callable[[bytes], object]) -> None:
        for chunk in reader:
            write(chunk)
            self.sent += len(chunk)
            if self.progress is not None:
                self.progress(self.sent, self.total)

    def failed(self, channel: SftpChannel, why: BaseException | str, label: str, part: str,
               remote: str) -> RemoteError:
        return RemoteError(f"{sftp_failure(channel, why, label)} ({self.sent} of {self.total} bytes sent)",
                           hint=f"run again to resume from the part file {part}; {remote} itself was not touched")


def tee_digest(channel: SftpChannel, received: Received, part: str, size: int, target: str) -> str:
    """The host's sha256 of a part file written by tee_upload, once its size shows that every byte arrived (the
    part file read again if the host's report lacks the digest)."""
    if received.size is None:
        check_size(channel, part, size, target)
    elif received.size != size:
        raise short_file(channel, part, received.size, size, target)
    return received.sha256 or remote_sha256(channel, part)


def _resume_point(channel: SftpChannel, source: Any, part: str, total: int) -> tuple[Any, int]:
    """The hash of what is already uploaded, and where to go on; (fresh hash, 0) if nothing usable."""
    digest = hashlib.sha256()
    info = channel.stat(part)
    if info is None or not info.is_file or info.size == 0 or info.size > total:
        return digest, 0
    remaining, prefix = info.size, hashlib.sha256()
    while remaining:
        chunk = source.read(min(CHUNK, remaining))
        if not chunk:
            break
        prefix.update(chunk)
        remaining -= len(chunk)
    if remote_sha256(channel, part) == prefix.hexdigest():
        return prefix, info.size
    source.seek(0)  # the part file is not a prefix of this file: start over
    return digest, 0


def download(channel: SftpChannel, remote: str, local: Path, progress: ProgressSink | None) -> Transferred:
    label = f"downloading {channel.label}:{remote} to {local}"
    sftp = channel.sftp(label)
    info = channel.stat(remote)
    if info is None:
        raise UsageError(f"{channel.label}:{remote}: does not exist")
    if not info.is_file:
        raise UsageError(f"{channel.label}:{remote}: not a regular file")
    if local.is_dir():
        raise UsageError(f"{local}: is a directory; give a file name")
    digest, done = hashlib.sha256(), 0
    try:
        with replacing(local) as target:
            try:
                with sftp.open(remote, "rb") as handle:
                    total = handle.stat().st_size or 0
                    # Bounded read-ahead: paramiko's default prefetch has no limit.
                    handle.prefetch(total, max_concurrent_requests=64)
                    while chunk := handle.read(CHUNK):
                        digest.update(chunk)
                        _write_local(target, chunk, local)
                        done += len(chunk)
                        if progress is not None:
                            progress(done, total)
            except FileNotFoundError:
                raise UsageError(f"{channel.label}:{remote}: does not exist") from None
            except PermissionError:
                raise UsageError(f"{channel.label}:{remote}: is not readable (permission denied)") from None
            except SFTP_ERRORS as exc:
                raise RemoteError(f"{sftp_failure(channel, exc, label)} ({done} bytes received); "
                                  f"{local} was not touched") from exc
            expected = remote_sha256(channel, remote)
            if digest.hexdigest() != expected:
                raise RemoteError(f"{local}: sha256 after download is {digest.hexdigest()}, the host has {expected}; "
                                  "not replaced")
    except OSError as exc:  # the temp file beside `local`: created, synced or renamed
        raise RemoteError(f"{local}: cannot write: {exc.strerror or exc}; not replaced") from None
    return Transferred(str(local), done, expected)


def check_size(channel: SftpChannel, written: str, size: int, target: str) -> None:
    """What the host has must be all we sent; a short file means a write failed (often: disk full)."""
    info = channel.stat(written)
    have = -1 if info is None else info.size
    if have != size:
        raise short_file(channel, written, have, size, target)


def short_file(channel: SftpChannel, written: str, have: int, size: int, target: str) -> RemoteError:
    return RemoteError(f"{channel.label}:{target}: only {max(have, 0)} of {size} bytes arrived in {written} "
                       f"(is the host's disk full?); {target} was not touched")


def _write_local(target: Any, chunk: bytes, local: Path) -> None:
    try:
        target.write(chunk)
    except OSError as exc:  # kept apart from the SFTP errors around it: this is our disk, not the link
        raise RemoteError(f"{local}: cannot write: {exc.strerror or exc}; not replaced") from None


def remote_sha256(channel: SftpChannel, path: str) -> str:
    result = channel.run(["sha256sum", "--", path], step=f"sha256sum {path}", timeout=3600)
    if result.status == 127:  # no coreutils sha256sum: read the file back over SFTP instead
        return _sha256_over_sftp(channel, path)
    fields = result.check(f"{channel.label}: sha256sum {path}").stdout.split()
    if not fields:
        raise RemoteError(f"{channel.label}: sha256sum {path} printed nothing")
    return fields[0].decode("ascii", "replace").lstrip("\\")


def _sha256_over_sftp(channel: SftpChannel, path: str) -> str:
    digest = hashlib.sha256()
    try:
        with channel.sftp().open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                digest.update(chunk)
    except SFTP_ERRORS as exc:
        raise RemoteError(f"{channel.label}: cannot read {path} back to check its sha256: {exc}") from None
    return digest.hexdigest()


def write_remote_atomic(channel: SftpChannel, path: str, data: bytes, like: FileInfo | None) -> None:
    """Temp file in the same directory with the old file's mode and owner, then rename over `path`."""
    directory, _, name = path.rpartition("/")
    tmp = f"{directory}/.{name}.{secrets.token_hex(4)}.xenkit-tmp"
    sftp = channel.sftp(f"writing {path}")
    try:
        # Not pipelined: a pipelined SFTP write's error (ENOSPC) can be dropped at close; these files are small.
        with sftp.open(tmp, "wb") as handle:
            handle.write(data)
            if like is not None:
                handle.chmod(like.mode)
                handle.chown(like.uid, like.gid)
    except PermissionError:
        remove_quietly(channel, tmp)
        raise UsageError(f"{channel.label}:{path}: permission denied writing in {directory or '/'}; "
                         "nothing changed") from None
    except FileNotFoundError:
        raise UsageError(f"{channel.label}:{path}: its directory does not exist") from None
    except SFTP_ERRORS as exc:
        remove_quietly(channel, tmp)
        raise RemoteError(f"{sftp_failure(channel, exc, f'writing {path}', writing=True)}; "
                          f"{path} was not touched") from None
    try:
        check_size(channel, tmp, len(data), path)
    except RemoteError:
        remove_quietly(channel, tmp)
        raise
    rename_over(channel, tmp, path)
    channel.run(["sync"], step=f"sync after writing {path}", timeout=120)


def rename_over(channel: SftpChannel, source: str, target: str) -> None:
    sftp = channel.sftp(f"renaming {source}")
    try:
        sftp.posix_rename(source, target)
        return
    except OSError as exc:
        if "not supported" not in str(exc).lower() and "unsupported" not in str(exc).lower():
            remove_quietly(channel, source)
            raise RemoteError(f"{channel.label}: cannot rename {source} to {target}: {exc}") from None
    except paramiko.SSHException as exc:
        raise RemoteError(f"{channel.label}: connection lost renaming {source} to {target}: {exc}") from None
    # OpenSSH before 4.8 (CentOS 5) has no posix-rename: mv is rename(2), just as atomic.
    result = channel.run(["mv", "-f", "--", source, target], step=f"rename {source}")
    if not result.ok:
        remove_quietly(channel, source)  # before the error: a part file must not stay behind
    result.check(f"{channel.label}: renaming {source} to {target}")


def remove_quietly(channel: SftpChannel, path: str) -> None:
    with contextlib.suppress(Exception):
        channel.sftp().remove(path)


__all__ = ["download", "remote_sha256", "sha256_of", "upload", "write_remote_atomic"]
