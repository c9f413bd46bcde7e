"""remote/file_edit.py through the LocalExecutor: backup beside the file (text, mode, owner, times), atomic
replace keeping mode and owner, read-back, a file that changed meanwhile left alone, create and restore."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_unprivileged
from toolkit.errors import ToolkitError, UsageError
from toolkit.remote.executor import FileInfo
from toolkit.remote.file_edit import create_file, replace_file, restore_file
from toolkit.remote.local import LocalExecutor

OLD, NEW = "a = 1\nb = 2\n", "a = 1\nb = 3\n"
PAST = 1_000_000_000_123_456_789  # ns: 2001, so that a copied time is told apart from "now"


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "conf"
    path.write_text(OLD)
    path.chmod(0o640)
    os.utime(path, ns=(PAST, PAST))
    return path


def test_replace_keeps_a_backup_with_the_files_text_mode_and_times(target: Path) -> None:
    backup = replace_file(LocalExecutor(), str(target), OLD, NEW)
    assert target.read_text() == NEW and target.stat().st_mode & 0o7777 == 0o640
    assert Path(backup).parent == target.parent and Path(backup).name.startswith("conf.xenkit-")
    assert backup.endswith(".bak") and Path(backup).read_text() == OLD
    info = Path(backup).stat()
    assert (info.st_mode & 0o7777, info.st_mtime_ns) == (0o640, PAST)
    again = replace_file(LocalExecutor(), str(target), NEW, OLD)
    assert again != backup and again.endswith("-1.bak")  # same second: numbered, never overwritten
    assert sorted(p.name for p in target.parent.iterdir()) == sorted(["conf", Path(backup).name, Path(again).name])


def test_a_file_changed_meanwhile_is_not_written(target: Path) -> None:
    with pytest.raises(ToolkitError, match=f"^{target}: changed while xenkit was working on it; nothing written$"):
        replace_file(LocalExecutor(), str(target), "something else\n", NEW, label=str(target))
    assert target.read_text() == OLD and list(target.parent.iterdir()) == [target]


def test_a_write_that_fails_is_one_error(open_tmp: Path) -> None:
    path = open_tmp / "conf"
    path.write_text(OLD)
    path.chmod(0o644)
    open_tmp.chmod(0o555)  # the (unprivileged) caller cannot create the backup beside the file
    try:
        message = run_unprivileged(lambda: replace_file(LocalExecutor(), str(path), OLD, NEW))
    finally:
        open_tmp.chmod(0o755)
    assert message.startswith(f"{path}.xenkit-") and message.endswith(".bak: cannot write: Permission denied")
    assert path.read_text() == OLD and list(open_tmp.iterdir()) == [path]


def test_create_and_restore(tmp_path: Path, target: Path) -> None:
    ex, new = LocalExecutor(), tmp_path / "new"
    create_file(ex, str(new), NEW, FileInfo(0, 0o600, os.getuid(), os.getgid(), False, True))
    assert new.read_text() == NEW and new.stat().st_mode & 0o7777 == 0o600
    assert restore_file(ex, str(new), None, None) and not new.exists()
    target.write_text(NEW)
    assert restore_file(ex, str(target), OLD, FileInfo(0, 0o600, os.getuid(), os.getgid(), False, True))
    assert target.read_text() == OLD and target.stat().st_mode & 0o7777 == 0o600
    assert not restore_file(ex, str(tmp_path / "missing" / "file"), OLD, None)


def test_a_symlink_is_followed_and_stays_a_link(tmp_path: Path, target: Path) -> None:
    (tmp_path / "links").mkdir()
    link = tmp_path / "links" / "conf"
    link.symlink_to("../conf")
    backup = replace_file(LocalExecutor(), str(link), OLD, NEW)
    assert link.is_symlink() and os.readlink(link) == "../conf"
    assert target.read_text() == NEW and target.stat().st_mode & 0o7777 == 0o640
    assert Path(backup).parent == target.parent and Path(backup).read_text() == OLD  # beside the real file
    assert list((tmp_path / "links").iterdir()) == [link]


def test_a_symlink_loop_is_one_usage_error(tmp_path: Path) -> None:
    loop = tmp_path / "loop"
    loop.symlink_to("loop")
    with pytest.raises(UsageError, match="a symlink that cannot be followed"):
        replace_file(LocalExecutor(), str(loop), OLD, NEW, label="loop")


def test_a_fifo_is_refused_before_it_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match=f"^{fifo}: not a regular file$"):
        replace_file(LocalExecutor(), str(fifo), OLD, NEW, label=str(fifo))
    assert list(tmp_path.iterdir()) == [fifo]


def test_a_rename_that_fails_leaves_no_backup(open_tmp: Path) -> None:
    """A sticky directory (as /tmp): its unprivileged user may write the backup and the temp file beside root's
    file, but not rename over it; the failure comes after the backup was made."""
    if os.geteuid() != 0:
        pytest.skip("needs root to own the file the unprivileged user cannot replace")
    path = open_tmp / "conf"
    path.write_text(OLD)
    path.chmod(0o644)
    open_tmp.chmod(0o1777)
    message = run_unprivileged(lambda: replace_file(LocalExecutor(), str(path), OLD, NEW))
    assert message == f"{path}: cannot write: Operation not permitted"
    assert path.read_text() == OLD and list(open_tmp.iterdir()) == [path]


class _FailingRename(LocalExecutor):
    """Writes every file but the edited one: there the rename fails, or what lands is not the new text."""

    def __init__(self, path: Path, *, garble: bool) -> None:
        self.path, self.garble = str(path), garble

    def write_atomic(self, path: str, data: bytes, like: FileInfo | None) -> None:
        if path == self.path and data != OLD.encode():
            if not self.garble:
                raise ToolkitError(f"{path}: cannot write: Operation not permitted")
            data = b"garbled\n"
        super().write_atomic(path, data, like)


@pytest.mark.parametrize(("garble", "shown"), [
    (False, "cannot write: Operation not permitted"),
    (True, "did not read back as written; the original was put back"),
])
def test_a_failed_edit_leaves_no_backup(target: Path, garble: bool, shown: str) -> None:
    with pytest.raises(ToolkitError, match=shown) as failure:
        replace_file(_FailingRename(target, garble=garble), str(target), OLD, NEW)
    assert "backup" not in str(failure.value)
    assert target.read_text() == OLD and list(target.parent.iterdir()) == [target]
