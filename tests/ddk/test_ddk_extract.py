"""`xenkit ddk extract` and toolkit.ddk.iso on ISOs made here with pycdlib (and xorriso), checked against
the bytes put in and against xorriso's own extraction."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import Xenkit, require_program, run_unprivileged
from tests.ddk.extract_samples import DDK, assert_one_error, expected, leftovers, tree
from tests.support.iso_helpers import make_iso
from toolkit.ddk import iso as isomod
from toolkit.ddk.iso import open_iso
from toolkit.ddk.iso_tree import IsoEntry
from toolkit.errors import ToolkitError, UsageError

# --- DEST ----------------------------------------------------------------------------------------------------

def test_non_empty_dest_is_refused_and_untouched(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "keep.txt").write_text("mine\n")
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 2
    assert_one_error(result, "exists and is not empty")
    assert tree(dest) == {"keep.txt": hashlib.sha256(b"mine\n").hexdigest()}
    assert leftovers(tmp_path) == []


def test_empty_dest_is_used_and_keeps_its_mode(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    dest = tmp_path / "out"
    dest.mkdir(mode=0o750)
    dest.chmod(0o750)
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 0, result.err
    assert tree(dest) == expected(DDK)
    assert dest.stat().st_mode & 0o777 == 0o750


@pytest.mark.parametrize("kind", ["file", "symlink", "no parent"])
def test_dest_that_is_not_a_new_directory(xenkit: Xenkit, tmp_path: Path, kind: str) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    dest = tmp_path / "out"
    if kind == "file":
        dest.write_text("x")
    elif kind == "symlink":
        (tmp_path / "real").mkdir()
        dest.symlink_to(tmp_path / "real")
    else:
        dest = tmp_path / "missing" / "out"
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 2
    assert_one_error(result, "no such directory" if kind == "no parent" else "is not a directory")
    if kind == "symlink":
        assert list((tmp_path / "real").iterdir()) == []


@pytest.mark.parametrize("failure", ["disk full", "ctrl-c"])
def test_a_failure_half_way_leaves_nothing(
    xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failure: str
) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    real = isomod.DdkIso._write_file
    calls: list[str] = []

    def failing(self: isomod.DdkIso, entry: IsoEntry, target: Path, tick: Callable[[int], None]) -> None:
        calls.append(entry.name)
        if len(calls) == 3:
            if failure == "ctrl-c":
                raise KeyboardInterrupt
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        real(self, entry, target, tick)

    monkeypatch.setattr(isomod.DdkIso, "_write_file", failing)
    dest = tmp_path / "out"
    result = xenkit("ddk", "extract", str(iso), str(dest))
    if failure == "ctrl-c":  # click turns KeyboardInterrupt into Abort: "error: aborted", exit 1
        assert result.code == 1
        assert_one_error(result, "aborted")
    else:
        assert result.code == 1
        assert_one_error(result, f"cannot write {dest}/", "No space left on device; nothing extracted")
    assert "FAILED" in result.err  # the progress line is ended before the error
    assert not dest.exists() and leftovers(tmp_path) == []


# --- streaming and progress ------------------------------------------------------------------------------------

def test_progress_covers_every_byte(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    with open_iso(make_iso(tmp_path / "ddk.iso", DDK)) as image:
        result = image.extract(tmp_path / "out", progress=lambda done, total: calls.append((done, total)))
    total = sum(len(d) for d in DDK.values())
    assert result.size == total and result.files == len(DDK) and result.directories == 2
    assert calls[-1] == (total, total)
    assert {t for _, t in calls} == {total}
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_files_and_copy_to_stream_one_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(isomod, "READ_CHUNK", 4096)  # several pieces for the 70 kB chunk
    name = "ddk/xvda/chunk-000000000.gz"
    with open_iso(make_iso(tmp_path / "ddk.iso", DDK)) as image:
        assert {e.name: e.size for e in image.files()} == {n: len(d) for n, d in DDK.items()}
        assert image.total_size == sum(len(d) for d in DDK.values())
        out = io.BytesIO()
        calls: list[tuple[int, int]] = []
        assert image.copy_to(name, out, progress=lambda d, t: calls.append((d, t))) == len(DDK[name])
        assert out.getvalue() == DDK[name]
        assert len(calls) == -(-len(DDK[name]) // 4096) and calls[-1] == (len(DDK[name]),) * 2
        with pytest.raises(UsageError, match="is a directory"):
            image.copy_to("ddk/xvda", io.BytesIO())
        with pytest.raises(UsageError, match="no ddk/none"):
            image.copy_to("ddk/none", io.BytesIO())


def test_without_copy_file_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def unsupported(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "copy_file_range", unsupported)
    with open_iso(make_iso(tmp_path / "ddk.iso", DDK)) as image:
        image.extract(tmp_path / "out")
    assert tree(tmp_path / "out") == expected(DDK)


def test_disk_space_is_checked_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "disk_usage", lambda _path: SimpleNamespace(total=100, used=90, free=10))
    with open_iso(make_iso(tmp_path / "ddk.iso", DDK)) as image, pytest.raises(ToolkitError, match="needed"):
        image.extract(tmp_path / "out")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


# --- against a real reader --------------------------------------------------------------------------------------

def _xorriso_extract(iso: Path, target: Path) -> dict[str, str]:
    xorriso = require_program("xorriso")
    subprocess.run([xorriso, "-osirrox", "on", "-indev", str(iso), "-extract", "/", str(target)],
                   check=True, capture_output=True, timeout=120)
    for path in [target, *target.rglob("*")]:  # xorriso copies the ISO's read-only modes
        if path.is_dir():
            path.chmod(0o755)
    return tree(target)


@pytest.mark.integration
@pytest.mark.parametrize("maker", ["pycdlib", "pycdlib joliet-only", "xorriso -as mkisofs -R -J"])
def test_same_tree_as_xorriso(tmp_path: Path, maker: str) -> None:
    iso = tmp_path / "ddk.iso"
    if maker.startswith("xorriso"):
        source = tmp_path / "source"
        for name, data in DDK.items():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes(data)
        subprocess.run([require_program("xorriso"), "-as", "mkisofs", "-R", "-J", "-o", str(iso), str(source)],
                       check=True, capture_output=True, timeout=120)
    else:
        make_iso(iso, DDK, rock_ridge=maker == "pycdlib")
    with open_iso(iso) as image:
        image.extract(tmp_path / "ours")
    assert tree(tmp_path / "ours") == _xorriso_extract(iso, tmp_path / "xorriso") == expected(DDK)


# --- help ---------------------------------------------------------------------------------------------------------

def test_help_teaches_the_next_step(xenkit: Xenkit) -> None:
    group = xenkit("ddk", "--help")
    assert group.code == 0 and "ddk/ova.xml" in group.out and "xe vm-import" in group.out
    extract = xenkit("ddk", "extract", "--help")
    assert extract.code == 0 and "Rock Ridge" in extract.out and "empty" in extract.out


def test_write_error_names_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object, **_kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "copy_file_range", full)
    with open_iso(make_iso(tmp_path / "ddk.iso", DDK)) as image, pytest.raises(ToolkitError) as info:
        image.extract(tmp_path / "out")
    assert info.value.exit_code == 1
    assert info.value.message == (f"cannot write {tmp_path}/out/ddk/README.Linux: No space left on device; "
                                  "nothing extracted")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_unwritable_parent(open_tmp: Path) -> None:
    iso = make_iso(open_tmp / "ddk.iso", DDK)
    iso.chmod(0o644)
    parent = open_tmp / "ro"
    parent.mkdir()
    parent.chmod(0o555)
    try:
        message = run_unprivileged(lambda: extract_into(iso, parent / "out"))
    finally:
        parent.chmod(0o755)
    assert message.startswith(f"cannot write in {parent}: Permission denied")


def extract_into(iso: Path, dest: Path) -> None:
    with open_iso(iso) as image:
        image.extract(dest)


@pytest.mark.parametrize("fast", [True, False], ids=["copy_file_range", "pread"])
def test_image_cut_short_while_open(tmp_path: Path, fast: bool) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    name = "ddk/xvda/chunk-000000000.gz"
    with open_iso(iso) as image:
        os.truncate(iso, image.entry(name).extents[0][0] + 100)  # a disk error, or a copy into the ISO's place
        image._fast = fast
        with pytest.raises(UsageError, match=re.escape(f"truncated or damaged: {name} ends past")):
            image.copy_to(name, io.BytesIO())
        with pytest.raises(UsageError, match="truncated or damaged"):
            image.extract(tmp_path / "out")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []
