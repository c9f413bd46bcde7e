"""What the xe simulator's tests (test_xe_sim*.py) share: the fixtures env (a clean environment whose XE_STATE
and XE_LOG are in tmp_path) and xe (run the simulator there), and their checks of its results.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from tests.conftest import ROOT

SIM = ROOT / "tests" / "support" / "xe_sim" / "xe_sim.py"
LUCID64 = "Ubuntu Lucid Lynx 10.04 (64-bit)"
PRECISE64 = "Ubuntu Precise Pangolin 12.04 (64-bit)"
CENTOS6 = "CentOS 6.0 (64-bit)"  # XenServer 6.0.2's name ("CentOS 6 (64-bit)" from 6.1)
HINT = "For usage run: 'xe help'"


@dataclass
class Result:
    code: int
    out: str
    err: str


class Xe(Protocol):
    """The xe fixture: runs the simulator with ARGS, and environment variables added."""

    def __call__(self, *args: str, **extra_env: str) -> Result: ...


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XE_")}
    return {**clean, "XE_STATE": str(tmp_path / "state.json"), "XE_LOG": str(tmp_path / "xe.log")}


@pytest.fixture
def xe(env: dict[str, str]) -> Xe:
    """Run `xe ARGS...`; -I -S: no site-packages and no script directory, so only the standard library."""

    def run(*args: str, **extra_env: str) -> Result:
        done = subprocess.run([sys.executable, "-I", "-S", str(SIM), *args], capture_output=True, text=True,
                              env={**env, **extra_env}, timeout=60)
        return Result(done.returncode, done.stdout, done.stderr)

    return run


def ok(result: Result) -> str:
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.strip()


def err(result: Result) -> str:
    assert result.code == 1, result.out
    return result.err


def lookup(xe: Xe, name: str) -> str:
    return ok(xe("template-list", f"name-label={name}", "--minimal"))


def precise(xe: Xe) -> str:
    """The blog's step: clone Lucid 64-bit into a Precise template and mark it as a default Precise one."""
    new = ok(xe("vm-clone", f"uuid={lookup(xe, LUCID64)}", f"new-name-label={PRECISE64}"))
    ok(xe("template-param-set", f"uuid={new}", "other-config:default_template=true",
          "other-config:debian-release=precise", "other-config:install-arch=amd64"))
    return new
