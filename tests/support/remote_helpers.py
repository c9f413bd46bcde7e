"""Connecting xenkit to the sshd test hosts of sshhosts.py: host specs, hosts files, a clean HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.sshhosts import SshTestHost
from toolkit.remote.hosts import HostSpec


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


SIM = Path(__file__).resolve().parent / "xe_sim" / "xe_sim.py"


# The simulator's pools the plans are tested against: XenServer 6.0.2 (the admin's blog) and XenServer 8 with
# guest-templates-json-data-pv (so the EL6 PV templates exist there too), as XE_SIM_RELEASE / XE_SIM_EXTRA.
POOLS = {"6.0.2": {"XE_SIM_RELEASE": "6.0.2"}, "8.4": {"XE_SIM_RELEASE": "8.4", "XE_SIM_EXTRA": "data-pv"}}


class XeHost:
    """A test host with the xe simulator as `xe` on its PATH, its state file and call log here; its pool is
    `release` (a key of POOLS)."""

    def __init__(self, host: SshTestHost, directory: Path, release: str = "6.0.2") -> None:
        self.host = host
        self.release = release
        self.state = directory / "xe-state.json"
        self.log = directory / "xe-log.jsonl"
        (host.bin_dir / "xe").symlink_to(SIM)
        host.set_env(self._env())

    def _env(self) -> dict[str, str]:
        return {"XE_STATE": str(self.state), "XE_LOG": str(self.log), **POOLS[self.release]}

    def fail_on(self, command: str | None) -> None:
        env = self._env()
        if command is not None:
            env["XE_FAIL_ON"] = command
        self.host.set_env(env)

    def xe(self, *args: str) -> str:
        """Run the simulator here, on the same state, as the host would; its stdout (stripped)."""
        import os
        import subprocess
        import sys

        env = {**os.environ, "XE_STATE": str(self.state), **POOLS[self.release]}
        env.pop("XE_LOG", None)
        result = subprocess.run([sys.executable, str(SIM), *args], env=env, capture_output=True, text=True,
                                timeout=60)
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    def calls(self) -> list[list[str]]:
        import json

        if not self.log.exists():
            return []
        return [json.loads(line) for line in self.log.read_text().splitlines()]
