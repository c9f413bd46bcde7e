"""`xenkit fstab nobarrier` on local files: check, diff, backup, atomic replace keeping mode and owner."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import toolkit
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


def test_a_symlink_is_followed_and_stays_a_link(xenkit: Xenkit, fstab: Path, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    link = tmp_path / "etc" / "fstab"
    link.symlink_to("../fstab")
    result = xenkit("fstab", "nobarrier", str(link))
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == "../fstab"
    assert fstab.read_bytes() == DONE.encode()
    [backup] = _backups(fstab)  # beside the file edited, not beside the link
    assert backup.read_bytes() == FSTAB.encode() and list((tmp_path / "etc").iterdir()) == [link]
    assert f"{link} -> {fstab}: 1 entry changed; backup: {backup}" in result.err


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """In a child with a deadline: a regression must fail here, not hang the test run."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    env = {**os.environ, "PYTHONPATH": str(Path(toolkit.__file__).parents[1])}
    try:
        done = subprocess.run([sys.executable, "-m", "toolkit", "fstab", "nobarrier", str(fifo)], env=env,
                              capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail("fstab nobarrier FIFO waited for a writer")
    assert (done.returncode, done.stderr) == (2, f"error: {fifo}: not a regular file\n")
    assert list(tmp_path.iterdir()) == [fifo]


def test_diff_marks_a_missing_final_newline(xenkit: Xenkit, tmp_path: Path) -> None:
    path = tmp_path / "fstab"
    path.write_text("/dev/a / ext4 rw 0 1")
    result = xenkit("fstab", "nobarrier", str(path), "--diff")
    assert result.code == 0
    assert result.out.endswith("@@ -1 +1 @@\n-/dev/a / ext4 rw 0 1\n\\ No newline at end of file\n"
                               "+/dev/a / ext4 rw,nobarrier 0 1\n\\ No newline at end of file\n")


def test_diff_with_nothing_to_change_says_so(xenkit: Xenkit, fstab: Path) -> None:
    fstab.write_bytes(DONE.encode())
    result = xenkit("fstab", "nobarrier", str(fstab), "--diff")
    assert (result.code, result.out) == (0, "")
    assert f"{fstab}: nothing to change" in result.err.splitlines()


def test_file_and_host_do_not_go_together(xenkit: Xenkit) -> None:
    result = xenkit("fstab", "nobarrier", "etc/fstab", "--host", "127.0.0.1")
    assert result.code == 2 and "--path" in result.err and "give an absolute path" not in result.err
    assert result.err.startswith("error: etc/fstab and --host do not go together")


def test_an_immutable_file_fails_and_leaves_no_backup(xenkit: Xenkit, fstab: Path) -> None:
    chattr = shutil.which("chattr")
    if os.geteuid() != 0 or chattr is None or subprocess.run([chattr, "+i", str(fstab)]).returncode != 0:
        pytest.skip("needs root, chattr and a file system with the immutable flag")
    try:
        result = xenkit("fstab", "nobarrier", str(fstab))
    finally:
        subprocess.run([chattr, "-i", str(fstab)], check=True)
    assert result.code == 1 and "Operation not permitted" in result.err and "Traceback" not in result.err
    assert fstab.read_bytes() == FSTAB.encode() and list(fstab.parent.iterdir()) == [fstab]


def test_json_lists_every_entry_the_backup_and_whether_it_was_written(xenkit: Xenkit, fstab: Path) -> None:
    check = xenkit("fstab", "nobarrier", str(fstab), "--check", "--json")
    assert check.code == 1
    report = json.loads(check.out)
    assert report == {"file": str(fstab), "changed": 1, "written": False, "target": None, "backup": None,
                      "entries": report["entries"], "warnings": report["warnings"]}
    assert [(e["line"], e["action"], e.get("reason")) for e in report["entries"]] == [
        (2, "changed", None), (3, "skipped", "no-barrier-option"), (4, "skipped", "xfs")]
    assert "XFS" in report["warnings"][0]
    diff = json.loads(xenkit("fstab", "nobarrier", str(fstab), "--diff", "--json").out)
    assert diff["diff"].startswith(f"--- {fstab}\n") and not diff["written"]
    written = xenkit("fstab", "nobarrier", str(fstab), "--json")
    assert written.code == 0
    [backup] = _backups(fstab)
    assert json.loads(written.out) | {"entries": [], "warnings": []} == {
        "file": str(fstab), "changed": 1, "written": True, "target": str(fstab), "backup": str(backup),
        "entries": [], "warnings": []}
    again = json.loads(xenkit("fstab", "nobarrier", str(fstab), "--json").out)
    assert (again["changed"], again["written"], again["entries"][0]["reason"]) == (0, False, "already-disabled")
