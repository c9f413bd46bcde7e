"""remote/file_edit.py through the LocalExecutor: backup beside the file (text, mode, owner, times), atomic
replace keeping mode and owner, read-back, a file that changed meanwhile left alone, create and restore."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.conftest import run_unprivileged
from toolkit.errors import ToolkitError
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
