"""The xe simulator as `xe` on PATH for plans run here (a bash script, or a plan through LocalExecutor), with its
state, call log and ISO SR mounts in one directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import require_program
from tests.support.remote_helpers import POOLS, SIM


@dataclass(frozen=True)
class LocalXe:
    """The simulator's state is `directory`/xe-state.json; `directory`/sr-mount stands in for /var/run/sr-mount."""

    directory: Path
    release: str = "6.0.2"  # the pool's release, a key of remote_helpers.POOLS (used when the state is created)

    @property
    def state(self) -> Path:
        return self.directory / "xe-state.json"

    @property
    def sr_mount(self) -> Path:
        return self.directory / "sr-mount"

    def env(self, **extra: str) -> dict[str, str]:
        bindir = self.directory / "bin"
        if not bindir.exists():
            bindir.mkdir()
            (bindir / "xe").symlink_to(SIM)
        clean = {k: v for k, v in os.environ.items() if not k.startswith("XE_")}
        return {**clean, "PATH": f"{bindir}:{os.environ['PATH']}", "XE_STATE": str(self.state),
                "XE_LOG": str(self.directory / "xe-log.jsonl"), "XE_SR_MOUNT": str(self.sr_mount),
                **POOLS[self.release], **extra}

    def xe(self, *args: str) -> str:
        env = {k: v for k, v in self.env().items() if k != "XE_LOG"}
        done = subprocess.run([sys.executable, str(SIM), *args], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def bash(self, script: str, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([require_program("bash"), "-s"], input=script, env=self.env(**extra_env),
                              capture_output=True, text=True, timeout=120, cwd=self.directory)

    def calls(self) -> list[list[str]]:
        log = self.directory / "xe-log.jsonl"
        return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]

    def add_iso(self, sr_name: str, file_name: str, data: bytes = b"iso") -> str:
        """A file in the ISO SR's mount, scanned into a VDI as xapi's ISO SR would; the SR's uuid."""
        sr = self.xe("sr-list", f"name-label={sr_name}", "--minimal")
        (self.sr_mount / sr).mkdir(parents=True, exist_ok=True)
        (self.sr_mount / sr / file_name).write_bytes(data)
        self.xe("sr-scan", f"uuid={sr}")
        return sr
