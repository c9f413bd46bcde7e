"""The fast way to upload over SSH: the bytes go over an exec channel into a tee on the host, a process that writes
them into the part file and hashes them on the way, so the host hashes while they arrive instead of reading the whole
part file again after the transfer.

The tee is Python with hashlib (one process, large reads), else `tee PART | openssl dgst -sha256` (OpenSSL uses the
CPU's SHA instructions; coreutils' sha256sum does not), else `tee PART | sha256sum`: tee_scripts.py has what the host
runs, which picks the first that works and says which (remembered for the connection's next uploads). To append to a
part file left by a cut-off upload, the tee hashes what the part file holds, then what it appends: the digest covers
the whole file. The host also reports whether every write succeeded and the part file's size afterwards, which
confirm that every byte it hashed is in the file. `TeeUpload.start` gives None when the host has no tee or the part
file cannot be created: the caller then uploads over SFTP and lets it say why.
"""

from __future__ import annotations

import re
import weakref
from dataclasses import dataclass
from typing import Any

from toolkit.remote.sftp_channel import SFTP_ERRORS, SftpChannel
from toolkit.remote.tee_scripts import PROGRAM, SCRIPT

_SHA256 = re.compile(rb"\b[0-9a-f]{64}\b")
_READ = 65536
_CLOSE_WAIT = 10.0  # seconds for the tee to end after a failed upload
_TEE_OF: weakref.WeakKeyDictionary[SftpChannel, str] = weakref.WeakKeyDictionary()  # connection -> the tee it has


@dataclass(frozen=True)
class Received:
    """What the host reported once all bytes were sent (None: not reported)."""

    sha256: str | None  # of the whole part file's bytes, as the tee took them in
    size: int | None  # of the part file afterwards
    write_status: int | None  # 0: every write into the part file succeeded
    status: int | None  # the script's
    output: str  # the lines that are not the script's own: the tee's or the shell's errors

    def problem(self) -> str | None:
        """Why the part file cannot be trusted, or None."""
        if self.write_status == 0 and self.status == 0:
            return None
        if self.output:
            return self.output.splitlines()[-1]
        if self.write_status != 0:
            return f"writing the part file failed (status {self.write_status})"
        return "the upload's script on the host " + (f"exited with status {self.status}" if self.status is not None
                                                      else "did not report its end")


class TeeUpload:
    """One upload into a tee on the host: write() the bytes in order, then finish(); close() in any case."""

    def __init__(self, channel: Any, pending: bytes) -> None:
        self.channel = channel
        self.output = bytearray(pending)
        # paramiko cuts sendall's data into packets by re-slicing what is left after each one (quadratic for
        # large writes); pieces of one packet each are cut once.
        self.piece = max(1024, int(channel.out_max_packet_size) - 64)
        self.chunk = self.piece * 32  # about 1 MiB: what to hand write() at a time, whole packets only
        self.ended = False  # our EOF sent

    @classmethod
    def start(cls, host: SftpChannel, part: str, *, append: bool, doing: str) -> TeeUpload | None:
        """Start the tee on the host and wait until it is ready for the bytes; None if the host cannot."""
        argv = ["sh", "-c", SCRIPT, "sh", part, "append" if append else "new", _TEE_OF.get(host, ""), PROGRAM]
        channel = host.open_command(argv, step=doing)
        try:
            pending = b""
            while b"xenkit-ready\n" not in pending and b"xenkit-cannot\n" not in pending:
                chunk = channel.recv(_READ)
                if not chunk:
                    break
                pending += chunk
        except BaseException:
            channel.close()
            raise
        found = re.search(rb"^xenkit-tee ([a-z0-9]+)$", pending, re.MULTILINE)
        if found is not None:
            _TEE_OF[host] = found.group(1).decode()
        _, ready, after = pending.partition(b"xenkit-ready\n")
        if not ready:
            channel.close()
            return None
        return cls(channel, after)

    def write(self, data: bytes) -> None:
        for start in range(0, len(data), self.piece):
            self.channel.sendall(data[start:start + self.piece])

    def finish(self) -> Received:
        """End the data and collect the host's report (waits for the hash of the last bytes)."""
        self.ended = True
        self.channel.shutdown_write()
        self._read_to_end()
        return _parse(bytes(self.output), self._exit_status())

    def close(self) -> None:
        """Also after a failure: ends the tee first (for a short while at most), so that the part file is complete
        as far as it goes and the tee no longer writes to it when the caller removes it."""
        if not self.ended:
            self.ended = True
            try:
                self.channel.settimeout(_CLOSE_WAIT)
                self.channel.shutdown_write()
                self._read_to_end()
            except SFTP_ERRORS:
                pass
        self.channel.close()

    def __enter__(self) -> TeeUpload:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _read_to_end(self) -> None:
        while chunk := self.channel.recv(_READ):
            self.output += chunk

    def _exit_status(self) -> int | None:
        self.channel.status_event.wait(self.channel.gettimeout())
        return int(self.channel.exit_status) if self.channel.exit_status_ready() else None


def _parse(output: bytes, status: int | None) -> Received:
    sha256, size, write_status, other = None, None, None, []
    for line in output.splitlines():
        key, _, value = line.partition(b" ")
        if key == b"xenkit-sum":
            found = _SHA256.search(value)
            sha256 = found.group().decode() if found else None
        elif key == b"xenkit-size" and value.strip().isdigit():
            size = int(value)
        elif key == b"xenkit-write" and value.strip().isdigit():
            write_status = int(value)
        elif line.strip() and key != b"xenkit-tee":
            other.append(line.decode("utf-8", "replace").strip())
    return Received(sha256 if status == 0 else None, size, write_status, status, "\n".join(other))
