"""Real OpenSSH servers on loopback for tests of our SSH code (a pytest plugin: fixtures and the checks they need).

Design rule: SSH code is tested against real sshd processes, never mocks, so host key checks, key types,
SFTP and the command environment behave as on a XenServer host. Each `SshTestHost` (ssh_test_host.py) is an
`sshd -D` on its own address 127.0.0.N with its own host keys, key-only login and a log file. Loaded by
`pytest_plugins = ["tests.support.sshhosts"]` in tests/conftest.py; tests import SshTestHost, SshHostFactory
and make_keypair from here.
"""

from __future__ import annotations

import os
from collections.abc import Generator, Iterator, Mapping, Sequence
from typing import Protocol

import pytest

from tests.conftest import require_program
from tests.support.ssh_test_host import PRIVSEP_DIR, SSHD, SshTestHost, make_keypair

__all__ = ["SshHostFactory", "SshTestHost", "make_keypair", "require_sshd", "unavailable"]


def unavailable(message: str) -> None:
    """Skip the test, or fail it under CI (CI=true), where every tool must be there: require_program's rule."""
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


def require_sshd(private_mounts: bool = False) -> None:
    """Skip/fail unless sshd and ssh-keygen (and, for private mounts, root and util-linux) are usable."""
    if not os.access(SSHD, os.X_OK):
        require_program("sshd")  # PATH may lack /usr/sbin: only a missing /usr/sbin/sshd asks PATH
        unavailable(f"sshd is on PATH, but these tests need it at {SSHD}")
    require_program("ssh-keygen")
    if private_mounts:
        require_program("unshare")
        require_program("nsenter")
        if os.geteuid() != 0:
            unavailable("SSH test hosts with private mounts need root (mount namespaces and tmpfs)")
    if not PRIVSEP_DIR.is_dir() and os.geteuid() != 0:
        unavailable(f"sshd needs {PRIVSEP_DIR}, and only root can create it (SshTestHost.start does)")


class SshHostFactory(Protocol):
    """The ssh_host_factory fixture: a started SshTestHost, closed at teardown."""

    def __call__(self, legacy: bool = False, private_mounts: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> SshTestHost: ...


_HOSTS = pytest.StashKey[list[SshTestHost]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Attach the sshd logs of a failed test's hosts (made by ssh_host_factory) to its report."""
    report = yield
    if report.failed:
        for host in item.stash.get(_HOSTS, []):
            report.sections.append((f"sshd log {host.address}:{host.port}", host.log_text()[-20000:]))
    return report


@pytest.fixture
def ssh_host_factory(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SshHostFactory:
    """make(legacy=False, private_mounts=(), env=None) -> a started SshTestHost, closed at teardown."""
    hosts = request.node.stash.setdefault(_HOSTS, [])

    def make(legacy: bool = False, private_mounts: Sequence[str] = (),
             env: Mapping[str, str] | None = None) -> SshTestHost:
        require_sshd(private_mounts=bool(private_mounts))
        host = SshTestHost(tmp_path_factory.mktemp("sshhost"), legacy=legacy, private_mounts=private_mounts,
                           env=env)
        request.addfinalizer(host.close)  # pytest runs every finalizer even if an earlier one fails
        hosts.append(host)
        return host

    return make


@pytest.fixture
def ssh_host(ssh_host_factory: SshHostFactory) -> SshTestHost:
    """One plain host for this test alone: free to stop, kill, rotate or reconfigure."""
    return ssh_host_factory()


@pytest.fixture(scope="session")
def shared_ssh_host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SshTestHost]:
    """One plain host for the whole session, for speed: tests must not stop it or change its keys or env."""
    require_sshd()
    host = SshTestHost(tmp_path_factory.mktemp("sshhost-shared"))
    yield host
    host.close()
