"""The Executor for a host over SSH (paramiko): key auth, known host keys only, bounded waits.

Every wait has a deadline: connect, banner and auth timeouts at login, a per-command timeout while a
command runs (paramiko's own `timeout=` only bounds single reads, and recv_exit_status() can block forever
if nobody drains stdout/stderr, so we drain both ourselves under one deadline).
A connection that drops is reported with the step that was running.
"""

from __future__ import annotations

import contextlib
import select
import socket
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError
from toolkit.remote.executor import (
    DEFAULT_COMMAND_TIMEOUT,
    CommandTimeout,
    FileInfo,
    OutputSink,
    RemoteError,
    RunResult,
    StreamFill,
    Transferred,
    quote_command,
)
from toolkit.remote.hostkeys import RefuseUnknown, TrustNew, changed_key_error, describe, load_known
from toolkit.remote.hosts import HostSpec
from toolkit.remote.paramiko_lite import paramiko
from toolkit.remote.stream_upload import put_stream
from toolkit.remote.transfer import download, upload, write_remote_atomic
from toolkit.report import ProgressSink

CONNECT_TIMEOUT = 15.0
SFTP_TIMEOUT = 120.0  # one SFTP request/reply; a host that stops answering is not waited on forever
# CentOS 5-era OpenSSH (XenServer 6.x dom0, the DDK VM) knows only ssh-rsa signatures with SHA-1;
# paramiko would otherwise sign with rsa-sha2-* and the login fails.
LEGACY_DISABLED = {"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]}
_READ = 65536


class _Transport(paramiko.Transport):  # type: ignore[misc]
    # AES-GCM first: paramiko lists it last, and it is the fastest cipher with AES-NI (benchmarks/bench_remote.py
    # measures uploads). Servers without it (CentOS 5-era OpenSSH) negotiate aes-ctr as before.
    _preferred_ciphers = (
        "aes128-gcm@openssh.com", "aes256-gcm@openssh.com",
        *(c for c in paramiko.Transport._preferred_ciphers if "gcm" not in c),
    )


def _socket(host: HostSpec, timeout: float) -> socket.socket:
    """A TCP connection with Nagle off: paramiko leaves it on, and every short request then waits on the
    peer's delayed ACK, which made every `run` on an open connection many times slower."""
    sock = socket.create_connection((host.address, host.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def connect(host: HostSpec, *, trust_new: bool = False, timeout: float = CONNECT_TIMEOUT) -> SshExecutor:
    if host.identity is not None and not host.identity.is_file():
        raise UsageError(f"{host.label}: identity file {host.identity} does not exist or is not a file")
    client = paramiko.SSHClient()
    revoked = load_known(client, host)
    client.set_missing_host_key_policy(TrustNew(host) if trust_new else RefuseUnknown(host))
    try:
        sock = _socket(host, timeout)
    except TimeoutError:
        raise RemoteError(f"{host.label}: no answer from {host.address}:{host.port} within {timeout:g} s") from None
    except OSError as exc:
        raise RemoteError(f"{host.label}: cannot connect to {host.address}:{host.port}: {_reason(exc)}") from None
    try:
        client.connect(
            host.address, port=host.port, username=host.user, sock=sock, transport_factory=_Transport,
            key_filename=str(host.identity) if host.identity else None,
            allow_agent=True, look_for_keys=host.identity is None,
            timeout=timeout, banner_timeout=timeout, auth_timeout=timeout, channel_timeout=timeout,
            disabled_algorithms=LEGACY_DISABLED if host.legacy else None,
        )
    except RemoteError:
        client.close()
        raise
    except paramiko.BadHostKeyException as exc:
        client.close()
        raise changed_key_error(host, exc) from None
    except paramiko.PasswordRequiredException:
        client.close()
        raise RemoteError(f"{host.label}: the identity file {host.identity} is passphrase-protected",
                          hint="load it into ssh-agent (ssh-add) and run again") from None
    except (paramiko.AuthenticationException, paramiko.SSHException) as exc:
        client.close()
        if not isinstance(exc, paramiko.AuthenticationException) and str(exc) != "Invalid key":
            # "Invalid key": an old sshd refused our rsa-sha2 signature (no legacy flag); else not auth at all
            raise RemoteError(f"{host.label}: cannot connect to {host.address}:{host.port}: {_reason(exc)}") from None
        key = f"key {host.identity}" if host.identity else "the agent's and ~/.ssh's keys"
        raise RemoteError(f"{host.label}: authentication as {host.user} failed with {key}",
                          hint="xenkit logs in with keys only; add the public key to the host's "
                               "authorized_keys" + ("" if host.legacy else ", or set legacy = true for an "
                                                    "old (CentOS 5-era) OpenSSH in xenkit.toml")) from None
    except TimeoutError:
        client.close()
        raise RemoteError(f"{host.label}: no answer from {host.address}:{host.port} within {timeout:g} s") from None
    except (OSError, EOFError) as exc:
        client.close()
        raise RemoteError(f"{host.label}: cannot connect to {host.address}:{host.port}: {_reason(exc)}") from None
    transport = client.get_transport()
    assert transport is not None
    offered = transport.get_remote_server_key()
    if (offered.get_name(), offered.get_base64()) in revoked:
        client.close()
        raise RemoteError(f"{host.label}: the host's key {describe(offered)} is marked @revoked in known_hosts; "
                          "refusing to connect")
    transport.set_keepalive(15)  # a silently dead peer is noticed, not waited on forever
    return SshExecutor(host, client)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (paramiko.ssh_exception.NoValidConnectionsError, ConnectionRefusedError)):
        return "connection refused"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


class SshExecutor:
    """An Executor over one SSH connection; also the SftpChannel that transfer.py and stream_upload.py work with."""

    def __init__(self, host: HostSpec, client: Any) -> None:
        self.host = host
        self.name = str(host)
        self.label = host.label  # as the user named the host: the prefix of transfer messages
        self.legacy = host.legacy
        self.client = client
        self._sftp: Any = None

    # -- commands ---------------------------------------------------------------------------------
    def run(self, argv: Sequence[str], *, stdin: bytes | None = None, timeout: float = DEFAULT_COMMAND_TIMEOUT,
            on_output: OutputSink | None = None, step: str = "") -> RunResult:
        command = quote_command(argv)
        doing = step or command
        channel = self._exec(command, doing)
        with contextlib.closing(channel):
            feeder = _start_feeder(channel, stdin)
            out, err = self._drain(channel, doing, time.monotonic() + timeout, timeout, on_output)
            if feeder is not None:
                feeder.join(timeout=5)
        # paramiko reports -1 when no exit-status came: the connection died, or the command was killed by a
        # signal (OpenSSH then sends exit-signal instead), which we report as 255 like ssh(1) does.
        status = channel.exit_status if channel.exit_status_ready() else -1
        if status == -1:
            if not self.alive():
                raise self._dropped(doing, None)
            status = 255
        return RunResult(command, status, out, err)

    def _drain(self, channel: Any, doing: str, deadline: float, timeout: float,
               on_output: OutputSink | None) -> tuple[bytes, bytes]:
        out, err = bytearray(), bytearray()
        while True:
            got = False
            while channel.recv_ready():
                chunk = channel.recv(_READ)
                out += chunk
                got = True
                if on_output is not None:
                    on_output("stdout", chunk)
            while channel.recv_stderr_ready():
                chunk = channel.recv_stderr(_READ)
                err += chunk
                got = True
                if on_output is not None:
                    on_output("stderr", chunk)
            finished = channel.exit_status_ready() and channel.eof_received and not got
            if finished or (channel.closed and not channel.recv_ready() and not channel.recv_stderr_ready()):
                return bytes(out), bytes(err)
            left = deadline - time.monotonic()
            if left <= 0:
                raise CommandTimeout(f"{self.host.label}: {doing}: still running after {timeout:g} s; "
                                     "channel closed (the command may go on on the host)")
            if not got:
                if channel.eof_received:  # output is over (the pipe stays readable): wait for the exit status
                    channel.status_event.wait(min(left, 1.0))
                else:
                    select.select([channel], [], [], min(left, 1.0))
                if not self.alive() and not (channel.recv_ready() or channel.recv_stderr_ready()
                                             or channel.exit_status_ready()):
                    raise self._dropped(doing, None)

    def open_command(self, argv: Sequence[str], *, step: str) -> Any:
        return self._exec(quote_command(argv), step, stream=True)

    def _exec(self, command: str, doing: str, *, stream: bool = False) -> Any:
        """A new channel running `command`; for streaming (open_command), stderr merged and each wait bounded."""
        transport = self._transport(doing)
        try:
            channel = transport.open_session(timeout=CONNECT_TIMEOUT)
            if stream:
                channel.settimeout(SFTP_TIMEOUT)
                channel.set_combine_stderr(True)
            channel.exec_command(command)
        except (paramiko.SSHException, OSError, EOFError) as exc:
            raise self._dropped(doing, exc) from None
        return channel

    def alive(self) -> bool:
        transport = self.client.get_transport()
        return transport is not None and bool(transport.is_active())

    def _transport(self, doing: str) -> Any:
        transport = self.client.get_transport()
        if transport is None or not transport.is_active():
            raise self._dropped(doing, None)
        return transport

    def _dropped(self, doing: str, exc: BaseException | None) -> RemoteError:
        why = f" ({_reason(exc)})" if exc is not None else ""
        return RemoteError(f"{self.host.label}: connection lost while: {doing}{why}",
                           hint="the step may or may not have completed on the host; check it before running again")

    # -- files --------------------------------------------------------------------------------------
    def sftp(self, doing: str = "opening SFTP") -> Any:
        if self._sftp is None:
            try:
                self._sftp = self.client.open_sftp()
                self._sftp.get_channel().settimeout(SFTP_TIMEOUT)
            except (paramiko.SSHException, OSError, EOFError) as exc:
                raise self._dropped(doing, exc) from None
        return self._sftp

    def put(self, local: Path, remote: str, *, progress: ProgressSink | None = None) -> Transferred:
        return upload(self, local, remote, progress)

    def get(self, remote: str, local: Path, *, progress: ProgressSink | None = None) -> Transferred:
        return download(self, remote, local, progress)

    def put_stream(self, remote: str, fill: StreamFill, *, size: int | None = None,
                   progress: ProgressSink | None = None) -> Transferred:
        return put_stream(self, remote, fill, size, progress)

    def stat(self, path: str) -> FileInfo | None:
        import stat

        try:
            info = self.sftp(f"stat {path}").stat(path)
        except FileNotFoundError:
            return None
        except PermissionError:
            raise UsageError(f"{self.host.label}:{path}: permission denied") from None
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._dropped(f"stat {path}", exc) from None
        mode = info.st_mode or 0
        return FileInfo(info.st_size or 0, mode & 0o7777, info.st_uid or 0, info.st_gid or 0,
                        stat.S_ISDIR(mode), stat.S_ISREG(mode))

    def read_bytes(self, path: str, limit: int) -> bytes:
        info = self.stat(path)
        if info is not None and info.size > limit:
            raise UsageError(f"{self.host.label}:{path}: {info.size} bytes, larger than {limit}")
        try:
            with self.sftp(f"read {path}").open(path, "rb") as handle:
                handle.prefetch(max_concurrent_requests=64)
                data: bytes = handle.read(limit + 1)
        except FileNotFoundError:
            raise UsageError(f"{self.host.label}:{path}: does not exist") from None
        except PermissionError:
            raise UsageError(f"{self.host.label}:{path}: is not readable (permission denied)") from None
        except (OSError, paramiko.SSHException, EOFError) as exc:
            raise self._dropped(f"reading {path}", exc) from None
        if len(data) > limit:
            raise RemoteError(f"{self.host.label}:{path}: larger than {limit} bytes")
        return data

    def write_atomic(self, path: str, data: bytes, like: FileInfo | None) -> None:
        write_remote_atomic(self, path, data, like)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self._sftp is not None:
                self._sftp.close()
        self.client.close()


def _start_feeder(channel: Any, stdin: bytes | None) -> threading.Thread | None:
    """Send stdin from a thread: a command that writes a lot before reading its input must not deadlock."""
    if stdin is None:
        channel.shutdown_write()
        return None

    def feed() -> None:
        with contextlib.suppress(OSError, EOFError, paramiko.SSHException):
            channel.sendall(stdin)
            channel.shutdown_write()

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    return thread
