"""Fixtures of the generate tests: a test host whose `xe` is the simulator, and a file no name may create."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.remote_helpers import POOLS, XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory


def _dom0(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, release: str) -> XeHost:
    isolate_home(monkeypatch, tmp_path / "home")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    host = ssh_host_factory()
    write_hosts_file(work, "dom0", host)
    return XeHost(host, tmp_path, release)


@pytest.fixture(params=sorted(POOLS))
def dom0(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         request: pytest.FixtureRequest) -> XeHost:
    """A test host named `dom0` in ./xenkit.toml, with the xe simulator on its PATH: once per simulated pool."""
    return _dom0(ssh_host_factory, tmp_path, monkeypatch, str(request.param))


@pytest.fixture
def dom0_602(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XeHost:
    """The same on a XenServer 6.0.2 pool only: for plans whose base templates only old releases ship."""
    return _dom0(ssh_host_factory, tmp_path, monkeypatch, "6.0.2")


@pytest.fixture
def dom0_8(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XeHost:
    """The same on a XenServer 8 pool only: for plans meant for older releases, which must refuse there."""
    return _dom0(ssh_host_factory, tmp_path, monkeypatch, "8.4")


@pytest.fixture
def marker() -> Iterator[Path]:
    """A short path (a name-label holds at most 255 characters) that nothing may create."""
    directory = Path(tempfile.mkdtemp(prefix="xk-"))
    yield directory / "ran"
    (directory / "ran").unlink(missing_ok=True)
    directory.rmdir()
