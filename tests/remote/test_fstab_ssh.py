"""`xenkit fstab nobarrier --host`: the guest's /etc/fstab edited over SFTP on a real sshd test host.

The host's sshd runs in a private mount namespace where /etc is a throwaway tmpfs copy, so the edit lands
on a real /etc/fstab without touching this machine's.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import toolkit
from tests.conftest import CliResult
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost

FSTAB = ("# /etc/fstab: static file system information.\n"
         "proc            /proc  proc  nodev,noexec,nosuid  0  0\n"
         "UUID=1234  /      ext4  errors=remount-ro  0  1\r\n"
         "/dev/xvda1 /boot\text3\tdefaults\t0\t2\n"
         "/dev/xvdb  none   swap  sw  0  0\n")
DONE = (FSTAB.replace("errors=remount-ro  0", "errors=remount-ro,nobarrier  0")
        .replace("ext3\tdefaults\t", "ext3\tdefaults,nobarrier\t"))
Xenkit = Callable[..., CliResult]


@pytest.fixture(scope="module")
def real_etc_fstab() -> bytes | None:
    path = Path("/etc/fstab")
    return path.read_bytes() if path.exists() else None


@pytest.fixture
def guest(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          real_etc_fstab: bytes | None) -> Iterator[SshTestHost]:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "guest", host)
    _inside(host, f"printf %s {_sh(FSTAB)} > /etc/fstab && chmod 0640 /etc/fstab && chown 0:42 /etc/fstab")
    yield host
    # Whatever the test did happened in the namespace only.
    assert (Path("/etc/fstab").read_bytes() if Path("/etc/fstab").exists() else None) == real_etc_fstab
    assert not list(Path("/etc").glob("fstab.xenkit-*"))


def _sh(text: str) -> str:
    import shlex

    return shlex.quote(text)


def _inside(host: SshTestHost, script: str) -> str:
    result = host.run_inside(["sh", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout


def _read(host: SshTestHost, path: str = "/etc/fstab") -> bytes:
    import base64

    result = host.run_inside(["base64", "-w0", path])  # run_inside captures text; fstab bytes may hold CRLF
    assert result.returncode == 0, result.stderr
    return base64.b64decode(result.stdout)


def test_edit_over_sftp_with_backup_mode_and_owner(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, "touch -d @1000000000 /etc/fstab")
    result = xenkit("fstab", "nobarrier", "--host", "guest")
    assert result.code == 0, result.err
    assert _read(guest) == DONE.encode()
    assert _inside(guest, "stat -c '%a %u %g' /etc/fstab").split() == ["640", "0", "42"]
    backups = _inside(guest, "ls /etc | grep '^fstab.xenkit-' || true").split()
    assert len(backups) == 1 and backups[0].endswith(".bak")
    assert _read(guest, f"/etc/{backups[0]}") == FSTAB.encode()
    assert _inside(guest, f"stat -c '%a %u %g %Y' /etc/{backups[0]}").split() == ["640", "0", "42", "1000000000"]
    assert "entries changed; backup: /etc/fstab.xenkit-" in result.err
    assert _inside(guest, "ls -a /etc | grep -c xenkit-tmp || true").strip() == "0"  # no temp file left
    again = xenkit("fstab", "nobarrier", "--host", "guest")
    assert again.code == 0 and "nothing to change" in again.err
    assert xenkit("fstab", "nobarrier", "--host", "guest", "--check").code == 0


def test_check_and_diff_write_nothing(xenkit: Xenkit, guest: SshTestHost) -> None:
    check = xenkit("fstab", "nobarrier", "--host", "guest", "--check")
    assert check.code == 1 and ":/etc/fstab:3: /: errors=remount-ro -> errors=remount-ro,nobarrier" in check.err
    diff = xenkit("fstab", "nobarrier", "--host", "guest", "--diff", "--spelling", "barrier=0")
    assert diff.code == 0 and "+UUID=1234  /      ext4  errors=remount-ro,barrier=0  0  1\r\n" in diff.out
    assert _read(guest) == FSTAB.encode()
    assert _inside(guest, "ls /etc | grep -c '^fstab.xenkit-' || true").strip() == "0"


def test_other_path(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, "mkdir -p /etc/guest && cp /etc/fstab /etc/guest/fstab")
    result = xenkit("fstab", "nobarrier", "--host", "guest", "--path", "/etc/guest/fstab")
    assert result.code == 0, result.err
    assert _read(guest, "/etc/guest/fstab") == DONE.encode() and _read(guest) == FSTAB.encode()


@pytest.mark.parametrize(("setup", "path", "shown"), [
    ("true", "/etc/nothing-here", "/etc/nothing-here: does not exist"),
    ("mkdir -p /etc/fstab.d", "/etc/fstab.d", "/etc/fstab.d: is a directory"),
    ("printf 'UUID=a / ext4 defaults 0 1\\n\\000\\001' > /etc/bin.fstab", "/etc/bin.fstab", "is a binary file"),
    ("printf '\\377\\376 / ext4 defaults 0 1\\n' > /etc/latin.fstab", "/etc/latin.fstab", "is not UTF-8 text"),
])
def test_bad_remote_files(xenkit: Xenkit, guest: SshTestHost, setup: str, path: str, shown: str) -> None:
    _inside(guest, setup)
    result = xenkit("fstab", "nobarrier", "--host", "guest", "--path", path)
    assert result.code == 2 and shown in result.err and "Traceback" not in result.err
    assert len(result.err.strip().splitlines()) == 2  # the connecting line, then one error line


def test_a_path_through_a_file(xenkit: Xenkit, guest: SshTestHost) -> None:
    result = xenkit("fstab", "nobarrier", "--host", "guest", "--path", "/etc/passwd/fstab")
    assert result.code == 2 and "/etc/passwd/fstab: does not exist" in result.err
    assert "Traceback" not in result.err


def test_a_host_that_refuses_leaves_the_file_alone(xenkit: Xenkit, guest: SshTestHost) -> None:
    guest.stop()
    result = xenkit("fstab", "nobarrier", "--host", "guest")
    assert result.code == 1 and "connection refused" in result.err and "Traceback" not in result.err
    assert _read(guest) == FSTAB.encode()


def test_path_needs_host_and_a_single_file(xenkit: Xenkit, tmp_path: Path) -> None:
    result = xenkit("fstab", "nobarrier", "--path", "/etc/fstab")
    assert result.code == 2 and "--path: only with --host" in result.err
    both = xenkit("fstab", "nobarrier", "/etc/fstab", "--path", "/etc/fstab", "--host", "127.0.0.1")
    assert both.code == 2 and "/etc/fstab and --host do not go together" in both.err
    relative = xenkit("fstab", "nobarrier", "--path", "etc/fstab", "--host", "127.0.0.1")
    assert relative.code == 2 and "absolute path" in relative.err


def test_a_full_disk_on_the_host_leaves_the_fstab_whole(xenkit: Xenkit, guest: SshTestHost) -> None:
    big = "".join(f"/dev/xvd{i} /srv/d{i} ext4 defaults 0 2\n" for i in range(1500))  # ~50 KB
    _inside(guest, f"mkdir /etc/tiny && mount -t tmpfs -o size=64k tmpfs /etc/tiny && "
                   f"printf %s {_sh(big)} > /etc/tiny/fstab")
    result = xenkit("fstab", "nobarrier", "--host", "guest", "--path", "/etc/tiny/fstab")
    assert result.code == 1 and "Traceback" not in result.err
    assert "is the host's disk full?" in result.err
    assert _read(guest, "/etc/tiny/fstab") == big.encode()
    assert _inside(guest, "ls -a /etc/tiny | grep -c xenkit-tmp || true").strip() == "0"


def test_a_symlink_on_the_host_is_followed_and_stays_a_link(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, "mkdir /etc/real /etc/links && mv /etc/fstab /etc/real/fstab && "
                   "ln -s ../real/fstab /etc/links/fstab && ln -s links/fstab /etc/fstab")
    result = xenkit("fstab", "nobarrier", "--host", "guest")
    assert result.code == 0, result.err
    assert _inside(guest, "readlink /etc/fstab; readlink /etc/links/fstab").split() == ["links/fstab", "../real/fstab"]
    assert _read(guest, "/etc/real/fstab") == DONE.encode()
    assert _inside(guest, "stat -c '%a %u %g' /etc/real/fstab").split() == ["640", "0", "42"]
    backups = _inside(guest, "ls /etc/real | grep '^fstab.xenkit-' || true").split()
    assert len(backups) == 1 and _read(guest, f"/etc/real/{backups[0]}") == FSTAB.encode()
    assert _inside(guest, "ls -a /etc /etc/links | grep -c xenkit || true").strip() == "0"
    assert ":/etc/fstab -> /etc/real/fstab: 2 entries changed; backup: /etc/real/fstab.xenkit-" in result.err


def test_a_fifo_on_the_host_is_refused_without_waiting(guest: SshTestHost) -> None:
    """In a child with a deadline: a regression must fail here, not hang the test run."""
    _inside(guest, "mkfifo /etc/fifo")
    env = {**os.environ, "PYTHONPATH": str(Path(toolkit.__file__).parents[1])}
    try:
        done = subprocess.run([sys.executable, "-m", "toolkit", "fstab", "nobarrier", "--host", "guest", "--path",
                               "/etc/fifo"], env=env, capture_output=True, text=True, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("fstab nobarrier --path FIFO waited for a writer")
    assert done.returncode == 2 and done.stderr.endswith(":/etc/fifo: not a regular file\n"), done.stderr


def test_an_immutable_fstab_on_the_host_fails_and_leaves_no_backup(xenkit: Xenkit, guest: SshTestHost) -> None:
    if guest.run_inside(["chattr", "+i", "/etc/fstab"]).returncode != 0:
        pytest.skip("the host's /etc takes no immutable flag (chattr missing, or a kernel without it on tmpfs)")
    try:
        result = xenkit("fstab", "nobarrier", "--host", "guest")
    finally:
        _inside(guest, "chattr -i /etc/fstab")
    assert result.code == 1 and "Traceback" not in result.err
    assert _read(guest) == FSTAB.encode()
    assert _inside(guest, "ls -a /etc | grep -c 'xenkit' || true").strip() == "0"  # no backup, no temp file
