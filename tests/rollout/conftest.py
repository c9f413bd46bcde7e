"""The rollout tests' fixtures: the real test bundle, the stage every fake dom0 starts from, make_hosts(n) (n fake
dom0 hosts in xenkit.toml's group `pool`) and install(bundle, args...) (`xenkit driver install` in-process)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult, Xenkit
from tests.rollout.dom0_hosts import Dom0Host, hosts_file, make_bundle, make_dom0_host, make_stage
from tests.support.remote_helpers import isolate_home
from tests.support.sshhosts import SshHostFactory

MakeHosts = Callable[..., list[Dom0Host]]
Install = Callable[..., tuple[CliResult, list[dict[str, Any]]]]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_bundle(tmp_path_factory.mktemp("bundle"))


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_stage(tmp_path_factory.mktemp("stage"))


@pytest.fixture
def make_hosts(ssh_host_factory: SshHostFactory, stage: Path, tmp_path: Path,
               monkeypatch: pytest.MonkeyPatch) -> MakeHosts:
    """make(n, initrd_seconds=0): n fake dom0 hosts (their mkinitrd waiting initrd_seconds), all in xenkit.toml
    (the working directory's) and its group `pool`."""
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)

    def make(count: int, initrd_seconds: float = 0.0) -> list[Dom0Host]:
        hosts = [make_dom0_host(ssh_host_factory, stage, initrd_seconds) for _ in range(count)]
        hosts_file(tmp_path / "xenkit.toml", hosts)
        return hosts

    return make


@pytest.fixture
def install(xenkit: Xenkit) -> Install:
    """install(bundle, args...): `xenkit driver install BUNDLE --group pool --json ARGS`, and the summary read."""
    def run(bundle: Path, *args: str) -> tuple[CliResult, list[dict[str, Any]]]:
        result = xenkit("driver", "install", str(bundle), "--group", "pool", "--json", *args)
        assert "Traceback" not in result.err, result.err
        return result, json.loads(result.out) if result.out.strip() else []

    return run
