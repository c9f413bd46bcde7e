"""Connecting xenkit to the sshd test hosts of sshhosts.py: host specs, hosts files, a clean HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.remote.hosts import HostSpec

from .sshhosts import SshTestHost


def spec_for(host: SshTestHost, *, known_hosts: Path | None = None, legacy: bool | None = None) -> HostSpec:
    """How xenkit names this test host: its client key, and its known_hosts as the project's file."""
    return HostSpec(f"{host.user}@{host.address}:{host.port}", host.address, host.user, host.port,
                    host.client_key, host.known_hosts if known_hosts is None else known_hosts,
                    host.legacy if legacy is None else legacy)


def isolate_home(monkeypatch: pytest.MonkeyPatch, home: Path) -> Path:
    """A HOME of the test's own (no ~/.ssh/known_hosts of the machine's user), no agent, no config."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    return home


def write_hosts_file(directory: Path, name: str, host: SshTestHost, *, known_hosts: Path | None = None) -> Path:
    """xenkit.toml in `directory` naming `host` as `name`."""
    known = host.known_hosts if known_hosts is None else known_hosts
    path = directory / "xenkit.toml"
    path.write_text(
        f'[hosts.{name}]\naddress = "{host.address}"\nport = {host.port}\nuser = "{host.user}"\n'
        f'identity = "{host.client_key}"\nknown_hosts = "{known}"\nlegacy = {str(host.legacy).lower()}\n')
    return path
