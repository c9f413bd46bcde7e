"""The fast way to upload over SSH: the bytes go over an exec channel into `tee PART | HASH` on the host, so the host
hashes them while they arrive instead of reading the whole part file again after the transfer.

HASH is `openssl dgst -sha256` (it uses the CPU's SHA instructions; coreutils' sha256sum does not) or, without a
working openssl, `sha256sum`. To append to a part file left by a cut-off upload, the script hashes what the part
file holds, then what tee appends: the digest covers the whole file. The same script reports tee's exit status and
the part file's size afterwards, which confirm that every byte the host hashed was written. `TeeUpload.start` gives
None when the host cannot do this (no hash program, or the part file cannot be created): the caller then uploads
over SFTP and lets it say why.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from toolkit.remote.sftp_channel import SFTP_ERRORS, SftpChannel

# $1: the part file; $2: "new" (create or empty it) or "append" (keep what it holds). POSIX sh: old dom0s have
# bash 3.2, others dash. The data ends at our EOF; fd 3 carries tee's status past the command substitution.
_SCRIPT = r"""
part=$1 mode=$2
if openssl dgst -sha256 </dev/null >/dev/null 2>&1; then hash="openssl dgst -sha256"
elif sha256sum </dev/null >/dev/null 2>&1; then hash=sha256sum
else echo xenkit-cannot; exit 0
fi
if [ "$mode" = append ]; then true >>"$part"; else true >"$part"; fi || { echo xenkit-cannot; exit 0; }
echo xenkit-ready
exec 3>&1
sum=$(
  if [ "$mode" = append ] && ! cat -- "$part"; then
    echo "xenkit-tee 1" >&3
    cat >/dev/null
  else
    if [ "$mode" = append ]; then tee -a -- "$part"; else tee -- "$part"; fi
    echo "xenkit-tee $?" >&3
  fi | $hash
)
echo "xenkit-sum $sum"
echo "xenkit-size $(wc -c <"$part")"
"""
_SHA256 = re.compile(rb"\b[0-9a-f]{64}\b")
_READ = 65536


@dataclass(frozen=True)
class Received:
    """What the host reported once all bytes were sent (None: not reported)."""

    sha256: str | None  # of the whole part file's bytes, as tee took them in
    size: int | None  # of the part file afterwards
    tee_status: int | None
    status: int | None  # the script's
    output: str  # the lines that are not the script's own: tee's or the shell's errors

    def problem(self) -> str | None:
        """Why the part file cannot be trusted, or None."""
        if self.tee_status == 0 and self.status == 0:
            return None
        if self.output:
            return self.output.splitlines()[-1]
        if self.tee_status != 0:
            return f"tee exited with status {self.tee_status}"
        return "the upload's script on the host " + (f"exited with status {self.status}" if self.status is not None
                                                      else "did not report its end")


class TeeUpload:
    """One upload into `tee PART | HASH`: write() the bytes in order, then finish(); close() in any case."""

    def __init__(self, channel: Any, pending: bytes) -> None:
        self.channel = channel
        self.output = bytearray(pending)
        # paramiko cuts sendall's data into packets by re-slicing what is left after each one (quadratic for
        # large writes); pieces of one packet each are cut once.
        self.piece = max(1024, int(channel.out_max_packet_size) - 64)
        self.chunk = self.piece * 32  # about 1 MiB: what to hand write() at a time, whole packets only
        self.finished = False

    @classmethod
    def start(cls, host: SftpChannel, part: str, *, append: bool, doing: str) -> TeeUpload | None:
        """Start the script on the host and wait until it is ready for the bytes; None if the host cannot."""
        channel = host.open_command(["sh", "-c", _SCRIPT, "sh", part, "append" if append else "new"], step=doing)
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
        self.channel.shutdown_write()
        self._read_to_end()
        self.finished = True
        return _parse(bytes(self.output), self._exit_status())

    def close(self) -> None:
        """Also after a failure: ends tee first, so that the part file is complete as far as it goes and no tee
        still writes to it when the caller removes it."""
        if not self.finished:
            try:
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
    sha256, size, tee_status, other = None, None, None, []
    for line in output.splitlines():
        key, _, value = line.partition(b" ")
        if key == b"xenkit-sum":
            found = _SHA256.search(value)
            sha256 = found.group().decode() if found else None
        elif key == b"xenkit-size" and value.strip().isdigit():
            size = int(value)
        elif key == b"xenkit-tee" and value.strip().isdigit():
            tee_status = int(value)
        elif line.strip():
            other.append(line.decode("utf-8", "replace").strip())
    return Received(sha256 if status == 0 else None, size, tee_status, status, "\n".join(other))
