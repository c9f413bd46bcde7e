"""Host-key checking: known keys only (paramiko's RejectPolicy), with explicit trust of a new host.

Keys are looked up in the user's ~/.ssh/known_hosts and in the project's known_hosts (xenkit.toml's
`known_hosts`). An unknown host is refused with its fingerprint, unless --trust-new-host was given: then
its key is appended to the project's file (or the user's when the project names none) and we say so.
A key that differs from a known one is always refused, naming both fingerprints.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path
from typing import Any

from toolkit.remote.executor import RemoteError
from toolkit.remote.hosts import HostSpec
from toolkit.remote.paramiko_lite import paramiko
from toolkit.report import say


def user_known_hosts() -> Path:
    return Path.home() / ".ssh" / "known_hosts"


def fingerprint(key: Any) -> str:
    """OpenSSH's form: `SHA256:` and unpadded base64 of the key blob's sha256."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def describe(key: Any) -> str:
    return f"{key.get_name()} {fingerprint(key)}"


def trust_file(host: HostSpec) -> Path:
    return host.known_hosts or user_known_hosts()


class RefuseUnknown(paramiko.RejectPolicy):  # type: ignore[misc]
    """RejectPolicy with a message that gives the fingerprint to check and the way to trust it."""

    def __init__(self, host: HostSpec) -> None:
        self.host = host

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        raise RemoteError(
            f"{self.host.label}: host key not known: {hostname} offers {describe(key)}",
            hint=f"check that fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub), then run "
                 f"again with --trust-new-host to record it in {trust_file(self.host)}",
        )


class TrustNew(paramiko.MissingHostKeyPolicy):  # type: ignore[misc]
    """--trust-new-host: record the unknown host's key and say so. A changed key still never gets here."""

    def __init__(self, host: HostSpec) -> None:
        self.host = host

    def missing_host_key(self, client: Any, hostname: str, key: Any) -> None:
        path = trust_file(self.host)
        line = f"{hostname} {key.get_name()} {key.get_base64()}\n"
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            needs_newline = path.exists() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="ascii") as handle:
                handle.write(("\n" if needs_newline else "") + line)
        except OSError as exc:
            raise RemoteError(f"{path}: cannot record the host key: {exc.strerror or exc}") from None
        client.get_host_keys().add(hostname, key.get_name(), key)
        say(f"trusting new host {hostname}: {describe(key)} (recorded in {path})")


def load_known(client: Any, host: HostSpec) -> set[tuple[str, str]]:
    """Give the client every key we know, from the user's and the project's files; return the revoked ones.

    paramiko's own loader stops at lines OpenSSH accepts (`@cert-authority`, `@revoked`) and at bytes that
    are not UTF-8, so each file is read here: marker lines are set aside (revoked keys are refused after
    the handshake), other lines go to paramiko one by one, and a line it cannot read is skipped.
    """
    revoked: set[tuple[str, str]] = set()
    for path in (user_known_hosts(), host.known_hosts):
        if path is None or not path.is_file():
            continue
        try:
            text = path.read_bytes().decode("utf-8", "replace")
        except OSError as exc:
            raise RemoteError(f"{path}: cannot read known hosts: {exc.strerror or exc}") from None
        keys = client.get_host_keys()
        for line in text.splitlines():
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] == "@revoked" and len(fields) >= 4:
                revoked.add((fields[2], fields[3]))
                continue
            if fields[0].startswith("@"):
                continue  # @cert-authority: host certificates are not used by xenkit
            try:
                entry = paramiko.hostkeys.HostKeyEntry.from_line(line)
            except (paramiko.SSHException, ValueError, TypeError, IndexError):
                entry = None
            if entry is not None and entry.key is not None:
                for name in entry.hostnames:
                    keys.add(name, entry.key.get_name(), entry.key)
    return revoked


def changed_key_error(host: HostSpec, exc: Any) -> RemoteError:
    files = [str(p) for p in (host.known_hosts, user_known_hosts()) if p is not None and p.is_file()]
    return RemoteError(
        f"{host.label}: HOST KEY CHANGED for {host.known_hosts_name}: known as {describe(exc.expected_key)}, "
        f"now offers {describe(exc.key)}; refusing to connect",
        hint=f"if the host was reinstalled, check the new fingerprint on it, then remove the old entry: "
             f"ssh-keygen -R '{host.known_hosts_name}' -f FILE (known_hosts read: {', '.join(files)})",
    )
