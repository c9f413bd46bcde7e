"""What a transfer (over SFTP, or streamed into a command) needs of a connection to a host, so that transfer.py,
tee_upload.py and stream_upload.py work against this small protocol (SshExecutor provides it) instead of reaching
into the SSH executor that calls them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from toolkit.remote.executor import DEFAULT_COMMAND_TIMEOUT, FileInfo, RunResult
from toolkit.remote.paramiko_lite import paramiko

# What an SFTP request can fail with: the server's error (OSError), a broken channel, a connection gone mid-reply.
SFTP_ERRORS = (OSError, paramiko.SSHException, EOFError)


class SftpChannel(Protocol):
    @property
    def label(self) -> str:
        """The host as the user named it (--host), for messages: "dom0", "root@192.0.2.5"."""
        ...

    @property
    def legacy(self) -> bool:
        """An old (CentOS 5-era) OpenSSH, which takes SFTP writes of paramiko's default size only."""
        ...

    def sftp(self, doing: str = "opening SFTP") -> Any:
        """The connection's paramiko SFTPClient, opened on first use; `doing` names the step if that fails."""
        ...

    def alive(self) -> bool:
        """Whether the connection is still up: tells a dropped link from a failed request."""
        ...

    def run(self, argv: Sequence[str], *, timeout: float = DEFAULT_COMMAND_TIMEOUT, step: str = "") -> RunResult:
        """Run a command on the host (sha256sum, mv, sync), as Executor.run."""
        ...

    def stat(self, path: str) -> FileInfo | None:
        """As Executor.stat."""
        ...

    def open_command(self, argv: Sequence[str], *, step: str) -> Any:
        """A paramiko channel running argv, its stderr merged into its stdout and every wait on it bounded: for
        streaming bytes into a command (tee_upload). `step` names it if the connection is gone."""
        ...


def sftp_failure(channel: SftpChannel, exc: BaseException | str, doing: str, *, writing: bool = False) -> str:
    """The one wording of a failed transfer request: "HOST: connection lost while DOING" when the link is gone,
    else "HOST: failed (ERROR) while DOING"; a failed write adds the likeliest cause, a full disk."""
    if not channel.alive():
        return f"{channel.label}: connection lost while {doing}"
    why = f"{exc}; is the host's disk full?" if writing else f"{exc}"
    return f"{channel.label}: failed ({why}) while {doing}"
