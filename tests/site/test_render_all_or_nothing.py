"""`xenkit render` writes all or nothing, write failures included: if one file cannot be replaced, every
file already replaced is put back byte for byte, and the error names the real file, never a temporary."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, Xenkit, run_unprivileged
from toolkit.output import PART_SUFFIX, OutputFile, write_all_atomic

EXAMPLE = ROOT / "examples" / "site.toml"
FIRST_VM, LAST_VM = "fedora17-web", "rocky9-build"
NEW_VM = """
[[vm]]
name = "added"
profile = "centos7"
hostname = "added.example.com"
ip = "192.0.2.30/24"
iso = "CentOS-7-x86_64-Minimal-2009.iso"
"""

Snapshot = dict[str, tuple[bytes, int, int]]


def snapshot(directory: Path) -> Snapshot:
    """Every file under `directory`, hidden ones too: content, mode and inode."""
    return {str(p.relative_to(directory)): (p.read_bytes(), p.stat().st_mode, p.stat().st_ino)
            for p in sorted(directory.rglob("*")) if p.is_file()}


@pytest.fixture
def rendered(xenkit: Xenkit, tmp_path: Path) -> tuple[Path, Path, Snapshot]:
    """The example site rendered once into out/; then the site changed so that a new render changes every
    guest's boot arguments and adds a guest (first in the file, so its new files are written first)."""
    site = tmp_path / "site.toml"
    text = EXAMPLE.read_text(encoding="utf-8")
    site.write_text(text)
    out = tmp_path / "out"
    first = xenkit("render", str(site), "-o", str(out))
    assert first.code == 0, first.err
    defaults_end = text.index("\n[[vm]]\n")
    changed = text[:defaults_end].replace("http://192.0.2.2/", "http://192.0.2.3/") + NEW_VM + text[defaults_end:]
    site.write_text(changed)
    return site, out, snapshot(out)


def _fail_first_replace_onto(target: Path, monkeypatch: pytest.MonkeyPatch, error: type[BaseException]) -> None:
    real_replace = os.replace
    failed: list[bool] = []

    def replace(src: object, dst: object, **kwargs: object) -> None:
        if Path(str(dst)) == target and not failed:
            failed.append(True)
            if error is KeyboardInterrupt:
                raise KeyboardInterrupt
            raise PermissionError(errno.EPERM, os.strerror(errno.EPERM), str(src), None, str(dst))
        real_replace(src, dst, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)


def test_render_puts_back_every_replaced_file_when_a_later_replace_fails(
    xenkit: Xenkit, rendered: tuple[Path, Path, Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out, before = rendered
    blocked = out / LAST_VM / "install.sh"  # the last file replaced: every other one was replaced before it
    _fail_first_replace_onto(blocked, monkeypatch, PermissionError)
    result = xenkit("render", str(site), "-o", str(out))
    assert result.code == 1
    assert result.err == f"error: cannot write {blocked}: Operation not permitted; no file was changed\n"
    assert PART_SUFFIX not in result.err
    assert snapshot(out) == before  # the same files (same inodes), byte for byte; nothing hidden left behind
    assert not (out / "added").exists()


def test_render_without_hard_links_still_puts_back_every_file(
    xenkit: Xenkit, rendered: tuple[Path, Path, Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where a hard link cannot be made, the old file is renamed aside just before its swap instead."""
    site, out, before = rendered

    def no_link(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM))

    monkeypatch.setattr(os, "link", no_link)
    blocked = out / LAST_VM / "ks.cfg"
    _fail_first_replace_onto(blocked, monkeypatch, PermissionError)
    result = xenkit("render", str(site), "-o", str(out))
    assert result.code == 1
    assert result.err.startswith(f"error: cannot write {blocked}: ")
    assert snapshot(out) == before


def test_render_interrupted_between_replaces_puts_back_every_file(
    xenkit: Xenkit, rendered: tuple[Path, Path, Snapshot], monkeypatch: pytest.MonkeyPatch
) -> None:
    site, out, before = rendered
    _fail_first_replace_onto(out / LAST_VM / "bootargs.txt", monkeypatch, KeyboardInterrupt)
    result = xenkit("render", str(site), "-o", str(out))
    assert (result.code, result.err.strip()) == (1, "error: aborted")  # click's word for Ctrl-C
    assert snapshot(out) == before


def test_render_with_an_immutable_file_changes_nothing(
    xenkit: Xenkit, rendered: tuple[Path, Path, Snapshot]
) -> None:
    """The case as found: one output file made immutable (chattr +i, as root, where the file system has it)."""
    site, out, before = rendered
    chattr = shutil.which("chattr")
    blocked = out / LAST_VM / "install.sh"
    if os.geteuid() != 0 or chattr is None:
        pytest.skip("chattr +i needs root and e2fsprogs' chattr")
    made = subprocess.run([chattr, "+i", str(blocked)], capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"this file system has no immutable flag: {made.stderr.strip()}")
    try:
        result = xenkit("render", str(site), "-o", str(out))
    finally:
        subprocess.run([chattr, "-i", str(blocked)], check=True)
    assert result.code == 1
    assert result.err.startswith(f"error: cannot write {blocked}: Operation not permitted")
    assert PART_SUFFIX not in result.err
    assert snapshot(out) == before


def test_a_file_that_cannot_be_staged_is_named_not_its_temporary(open_tmp: Path) -> None:
    """A read-only directory (for a user without root's power over it): staging fails, nothing is replaced,
    and the error names the file meant, not the hidden temporary that could not be made."""
    writable, read_only = open_tmp / "a", open_tmp / "b"
    for directory in (writable, read_only):
        directory.mkdir()
        (directory / "ks.cfg").write_text("old\n")
    writable.chmod(0o777)
    read_only.chmod(0o555)
    write: Callable[[], None] = lambda: write_all_atomic(  # noqa: E731
        [OutputFile(writable / "ks.cfg", "new\n"), OutputFile(read_only / "ks.cfg", "new\n")])
    message = run_unprivileged(write)
    assert message == f"cannot write {read_only / 'ks.cfg'}: Permission denied"
    for directory in (writable, read_only):
        assert os.listdir(directory) == ["ks.cfg"]
        assert (directory / "ks.cfg").read_text() == "old\n"


def test_a_successful_batch_leaves_no_hidden_file(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("old\n")
    write_all_atomic([OutputFile(tmp_path / "a", "new a\n"), OutputFile(tmp_path / "b", "new b\n")])
    assert sorted(os.listdir(tmp_path)) == ["a", "b"]
    assert (tmp_path / "a").read_text() == "new a\n"


def test_a_batch_follows_a_symlink_and_refuses_a_fifo_before_writing_anything(tmp_path: Path) -> None:
    from toolkit.errors import ToolkitError

    (tmp_path / "real").write_text("old\n")
    (tmp_path / "link").symlink_to("real")
    write_all_atomic([OutputFile(tmp_path / "link", "new\n")])
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real").read_text() == "new\n"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(ToolkitError, match="fifo: not a regular file"):
        write_all_atomic([OutputFile(tmp_path / "real", "newer\n"), OutputFile(tmp_path / "fifo", "x\n")])
    assert (tmp_path / "real").read_text() == "new\n"
    assert sorted(os.listdir(tmp_path)) == ["fifo", "link", "real"]
