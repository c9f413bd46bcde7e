"""Shared test helpers: required programs, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from toolkit.cli.main import main
from toolkit.errors import UsageError, ValidationError

# Real sshd test hosts on 127.0.0.N (fixtures ssh_host, ssh_host_factory, shared_ssh_host), and the throwaway
# XenServer dom0 that install.sh runs in (fixtures rpm_file, dom0).
pytest_plugins = ["tests.support.sshhosts", "tests.support.fake_dom0", "tests.support.loopdev"]

ROOT = Path(__file__).resolve().parent.parent
SHARED_XE_TABLE = ROOT.parent / "shared" / "reference" / "xe-commands.json"


# Tests that use these fixtures start sshd, rpmbuild or private mount namespaces: they are marked
# `integration`, so `pytest -m "not integration"` runs the fast half without root, sshd or rpmbuild.
INTEGRATION_FIXTURES = frozenset({"ssh_host", "ssh_host_factory", "shared_ssh_host", "rpm_file", "dom0", "dom0_602",
                                  "dom0_8"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def installs_hvm(profile_name: str) -> bool:
    """Whether a profile's template is HVM on every release that has it (platforms.md section 5)."""
    from toolkit.catalog.profiles import BootMode, all_profiles
    from toolkit.catalog.xenserver import supported_releases, template_for

    profile = all_profiles()[profile_name]
    if profile.boot is BootMode.PV:
        return False  # a d-i profile installs PV from its own template (a clone), whatever the stock one is
    guest_os = profile.guest_os
    return all(getattr(template_for(guest_os, r), "mode", "") == "hvm" for r in supported_releases(guest_os))


def require_program(name: str) -> str:
    """Path of `name`; skip the test if missing, but fail under CI (CI=true), where it must be there."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class CliResult:
    code: int
    out: str
    err: str


class Xenkit(Protocol):
    """The xenkit fixture: runs `xenkit ARGS...` in-process."""

    def __call__(self, *args: str) -> CliResult: ...


@pytest.fixture
def xenkit(capsys: pytest.CaptureFixture[str]) -> Xenkit:
    """Run `xenkit ARGS...` in-process; returns exit code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


NOBODY = 65534


def run_unprivileged(func: Callable[[], object]) -> str:
    """Run `func` as a user without root's power to read any file; return the message of what it raised.

    Root reads a chmod 000 file anyway, so as root the call runs in a forked child that has switched to
    uid/gid 65534 (nobody). Returns "" if `func` raised nothing.
    """
    if os.geteuid() != 0:
        try:
            func()
        except Exception as exc:
            return str(exc)
        return ""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: drop root, run, report, and leave without running pytest's cleanup
        os.close(read_end)
        message = ""
        try:
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            func()
        except BaseException as exc:
            message = str(exc) or type(exc).__name__
        os.write(write_end, message.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode()
    os.waitpid(pid, 0)
    return message


@pytest.fixture
def open_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary directory that every user can enter (pytest's own is 0700 for root)."""
    import tempfile

    directory = Path(tempfile.mkdtemp(prefix="xenkit-test-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def fails(call: Callable[[], object], field: str, *shown: str) -> ValidationError:
    """Run `call`, require a ValidationError on `field` whose message shows every string in `shown`."""
    with pytest.raises(ValidationError) as info:
        call()
    err = info.value
    assert err.field == field
    assert isinstance(err, UsageError) and err.exit_code == 2
    assert str(err).startswith(f"{field}: ")
    for text in shown:
        assert text in err.message, (text, err.message)
    return err
