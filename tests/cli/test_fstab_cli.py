"""`xenkit fstab nobarrier` on local files: check, diff, backup, atomic replace keeping mode and owner."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import Xenkit, run_unprivileged
from toolkit.errors import UsageError
from toolkit.generate.fstab_check import read_fstab

FSTAB = "# static\nUUID=a / ext4 errors=remount-ro 0 1\r\n/dev/b none swap sw 0 0\n/dev/c /data xfs defaults 0 2\n"
DONE = FSTAB.replace("errors=remount-ro 0", "errors=remount-ro,nobarrier 0")
PAST = 1_000_000_000_123_456_789  # ns: a file time from 2001


@pytest.fixture
def fstab(tmp_path: Path) -> Path:
    path = tmp_path / "fstab"
    path.write_bytes(FSTAB.encode())
    return path


def _backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.xenkit-*.bak"))


def test_check_reports_and_writes_nothing(xenkit: Xenkit, fstab: Path) -> None:
    result = xenkit("fstab", "nobarrier", str(fstab), "--check")
    assert result.code == 1
    assert f"{fstab}:2: /: errors=remount-ro -> errors=remount-ro,nobarrier" in result.err
    assert "XFS" in result.err
    assert fstab.read_bytes() == FSTAB.encode() and _backups(fstab) == []


def test_diff_prints_and_writes_nothing(xenkit: Xenkit, fstab: Path) -> None:
    result = xenkit("fstab", "nobarrier", str(fstab), "--diff")
    assert result.code == 0
    assert "-UUID=a / ext4 errors=remount-ro 0 1\r\n+UUID=a / ext4 errors=remount-ro,nobarrier 0 1\r\n" in result.out
    assert fstab.read_bytes() == FSTAB.encode() and _backups(fstab) == []


def test_write_backs_up_keeps_mode_and_owner_and_is_idempotent(xenkit: Xenkit, fstab: Path) -> None:
    fstab.chmod(0o640)
    owner = (65534, 65534) if os.geteuid() == 0 else (os.getuid(), os.getgid())
    os.chown(fstab, *owner)
    os.utime(fstab, ns=(PAST, PAST))
    result = xenkit("fstab", "nobarrier", str(fstab))
    assert result.code == 0, result.err
    assert fstab.read_bytes() == DONE.encode()
    info = fstab.stat()
    assert (info.st_mode & 0o7777, info.st_uid, info.st_gid) == (0o640, *owner)
    [backup] = _backups(fstab)
    assert backup.read_bytes() == FSTAB.encode()
    assert (backup.stat().st_mode & 0o7777, backup.stat().st_uid) == (0o640, owner[0])
    assert backup.stat().st_mtime_ns == PAST  # the backup shows when the file last changed
    again = xenkit("fstab", "nobarrier", str(fstab))
    assert again.code == 0 and "nothing to change" in again.err
    assert xenkit("fstab", "nobarrier", str(fstab), "--check").code == 0
    assert len(_backups(fstab)) == 1
    assert sorted(p.name for p in fstab.parent.iterdir()) == sorted(["fstab", backup.name])


def test_spelling_barrier_0(xenkit: Xenkit, fstab: Path) -> None:
    assert xenkit("fstab", "nobarrier", str(fstab), "--spelling", "barrier=0").code == 0
    assert "errors=remount-ro,barrier=0 0 1" in fstab.read_text()


def test_a_text_findmnt_cannot_parse_is_not_written(
    xenkit: Xenkit, fstab: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import toolkit.generate.fstab_check

    monkeypatch.setattr(toolkit.generate.fstab_check, "findmnt_parse_errors", lambda text: 2)
    result = xenkit("fstab", "nobarrier", str(fstab))
    assert result.code == 1 and "findmnt cannot parse 2 line(s)" in result.err
    assert fstab.read_bytes() == FSTAB.encode() and _backups(fstab) == []


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: None, "does not exist"),
        (lambda p: p.mkdir(), "is a directory"),
        (lambda p: p.write_bytes(b"\x7fELF\0\0\0"), "is a binary file"),
        (lambda p: p.write_bytes(b"/dev/a / ext4 caf\xe9 0 0\n"), "is not UTF-8 text"),
    ],
)
def test_bad_files_are_usage_errors(
    xenkit: Xenkit, tmp_path: Path, make: Callable[[Path], object], expected: str
) -> None:
    path = tmp_path / "fstab"
    make(path)
    before = sorted(tmp_path.rglob("*"))
    result = xenkit("fstab", "nobarrier", str(path))
    assert result.code == 2
    assert result.err.splitlines() == [f"error: {path}: {expected}" + result.err.splitlines()[0].split(expected, 1)[1]]
    assert sorted(tmp_path.rglob("*")) == before


def test_unreadable_file(open_tmp: Path) -> None:
    path = open_tmp / "fstab"
    path.write_text(FSTAB)
    path.chmod(0)
    assert run_unprivileged(lambda: read_fstab(path)) == f"{path}: is not readable (permission denied)"
    with pytest.raises(UsageError):
        read_fstab(open_tmp / "missing")
