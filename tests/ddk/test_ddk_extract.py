"""`xenkit ddk extract` and toolkit.ddk.iso on ISOs made here with pycdlib (and xorriso), checked against
the bytes put in and against xorriso's own extraction."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import random
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import CliResult, Xenkit, require_program, run_unprivileged
from tests.support.iso_helpers import make_iso
from toolkit.cli.ddk import human_size
from toolkit.ddk import iso as isomod
from toolkit.ddk.iso import open_iso
from toolkit.ddk.iso_tree import IsoEntry, unsafe_reason
from toolkit.errors import ToolkitError, UsageError

DDK = {
    "ddk/ova.xml": b'<?xml version="1.0"?><value><struct/></value>\n',
    "ddk/xvda/chunk-000000000.gz": os.urandom(70_000),
    "ddk/xvda/chunk-000000001.gz": os.urandom(5_000),
    "ddk/xvda/chunk-000000002.gz": b"",
    "ddk/README.Linux": b"Driver Development Kit\n",
}


def tree(directory: Path) -> dict[str, str]:
    """Every file and directory under `directory`: name -> sha256 of a file's bytes, "dir" for a directory."""
    found = {}
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def expected(files: dict[str, bytes]) -> dict[str, str]:
    out = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    for name in files:
        parts = name.split("/")
        out.update({"/".join(parts[:i]): "dir" for i in range(1, len(parts))})
    return dict(sorted(out.items()))


def assert_one_error(result: CliResult, *shown: str) -> None:
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert "Traceback" not in result.err
    for text in shown:
        assert text in errors[0], (text, errors[0])


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.endswith(".xenkit-part"))


# --- names ------------------------------------------------------------------------------------------------

def test_rock_ridge_names_byte_for_byte(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    dest = tmp_path / "out"
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 0, result.err
    assert tree(dest) == expected(DDK)  # README.Linux keeps its case: Rock Ridge names, not ISO 9660 ones
    size = sum(len(d) for d in DDK.values())
    assert result.out == f"{dest}: 5 files, {human_size(size)} (Rock Ridge names)\n"
    assert "error" not in result.err and "warning" not in result.err
    assert leftovers(tmp_path) == []


def test_rock_ridge_preferred_over_joliet(tmp_path: Path) -> None:
    # Joliet names here are the plain ones; the Rock Ridge name of one file differs: Rock Ridge wins.
    iso = make_iso(tmp_path / "ddk.iso", DDK, rr_names={"ddk/README.Linux": "ReadMe-RR.txt"})
    with open_iso(iso) as image:
        assert image.naming == "Rock Ridge"
        assert "ddk/ReadMe-RR.txt" in {e.name for e in image.files()}


def test_joliet_only_names(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK, rock_ridge=False)
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert tree(tmp_path / "out") == expected(DDK)
    assert "(Joliet names)" in result.out


def test_plain_iso9660_names_are_lowercased_with_a_warning(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK, rock_ridge=False, joliet=False)
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 0, result.err
    want = {name.replace("-", "_").lower(): data for name, data in DDK.items()}  # ISO 9660 has no "-"
    assert tree(tmp_path / "out") == expected(want)
    assert "(ISO 9660 names)" in result.out
    assert "warning:" in result.err and "lowercased" in result.err


def test_deep_directories_relocated_by_rock_ridge(tmp_path: Path) -> None:
    deep = "/".join(f"d{i}" for i in range(10)) + "/file"
    files = {**DDK, deep: b"deep"}
    with open_iso(make_iso(tmp_path / "deep.iso", files)) as image:
        result = image.extract(tmp_path / "out")
    assert result.files == len(files)
    # pycdlib puts directories deeper than 8 levels in rr_moved, which stays (empty), as xorriso leaves it
    assert tree(tmp_path / "out") == {**expected(files), "rr_moved": "dir"}


# --- refused input -----------------------------------------------------------------------------------------

def test_not_a_ddk(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "other.iso", {"docs/readme.txt": b"hi"})
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 2
    assert_one_error(result, "not a DDK ISO: no ddk/ova.xml", "top level: docs")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("cut", ["in the last file", "at a block boundary", "in the directory records"])
def test_truncated_iso(xenkit: Xenkit, tmp_path: Path, cut: str) -> None:
    whole = make_iso(tmp_path / "ddk.iso", DDK).read_bytes()
    keep = {"in the last file": len(whole) - 3000, "at a block boundary": len(whole) - 2 * 2048,
            "in the directory records": 20 * 2048}[cut]
    (tmp_path / "cut.iso").write_bytes(whole[:keep])
    result = xenkit("ddk", "extract", str(tmp_path / "cut.iso"), str(tmp_path / "out"))
    assert result.code == 2
    assert_one_error(result, "truncated")
    assert "hint: the download or copy was cut short" in result.err
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_truncated_data_is_refused_though_pycdlib_shortens_it(tmp_path: Path) -> None:
    """pycdlib silently shortens a file that runs past the end of the image; the volume size gives it away."""
    whole = make_iso(tmp_path / "ddk.iso", DDK).read_bytes()
    (tmp_path / "cut.iso").write_bytes(whole[: len(whole) - 3000])
    with pytest.raises(UsageError, match="truncated: the file has"), open_iso(tmp_path / "cut.iso"):
        pass


@pytest.mark.parametrize("content", [b"", b"just text\n" * 100, os.urandom(100_000)], ids=["empty", "text", "random"])
def test_not_an_iso(xenkit: Xenkit, tmp_path: Path, content: bytes) -> None:
    (tmp_path / "not.iso").write_bytes(content)
    result = xenkit("ddk", "extract", str(tmp_path / "not.iso"), str(tmp_path / "out"))
    assert result.code == 2
    assert_one_error(result, "not an ISO 9660 image")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize("seed", range(40))
def test_damaged_image_is_one_line_or_extracted(xenkit: Xenkit, tmp_path: Path, seed: int) -> None:
    """A few bytes changed among the descriptors and directory records: pycdlib raises all sorts of errors
    (its own, struct.error, KeyError, UnicodeDecodeError...): each must be exit 2 with one line, or a success."""
    rnd = random.Random(seed)
    iso = make_iso(tmp_path / "ddk.iso", DDK)
    with open_iso(iso) as image:
        first_data = min(offset for entry in image.files() for offset, _ in entry.extents)
    data = bytearray(iso.read_bytes())
    for _ in range(rnd.randint(1, 8)):
        data[rnd.randrange(16 * 2048, first_data)] = rnd.randrange(256)
    (tmp_path / "bad.iso").write_bytes(bytes(data))
    result = xenkit("ddk", "extract", str(tmp_path / "bad.iso"), str(tmp_path / "out"))
    assert result.code in (0, 2), result.err
    if result.code == 2:
        assert_one_error(result, "bad.iso: ")
        assert not (tmp_path / "out").exists()
    assert leftovers(tmp_path) == []


def _patched(path: Path, old: bytes, new: bytes) -> Path:
    data = path.read_bytes()
    assert data.count(old) >= 1
    path.write_bytes(data.replace(old, new))
    return path


@pytest.mark.parametrize("case", ["dotdot-dir", "dot-file", "nul", "slash", "duplicate", "joliet-slash"])
def test_names_that_would_escape_dest_are_refused(xenkit: Xenkit, tmp_path: Path, case: str) -> None:
    iso = tmp_path / "evil.iso"
    files = {**DDK, "zz/evil": b"evil"}
    if case == "dotdot-dir":  # Rock Ridge directory "..": ../evil lands beside DEST (xorriso 1.5.4 writes it there)
        make_iso(iso, files, rr_names={"zz": ".."})
    elif case == "dot-file":
        make_iso(iso, files, rr_names={"zz/evil": "."})
    elif case == "nul":
        make_iso(iso, files, rr_names={"zz/evil": "ev\0l"})
    elif case == "duplicate":  # a second ddk/ova.xml: which one would win?
        make_iso(iso, {**DDK, "ddk/ova2.xml": b"second"}, rr_names={"ddk/ova2.xml": "ova.xml"})
    elif case == "slash":  # pycdlib refuses "/" in a Rock Ridge name: patch the NM entry of "a_b" to "a/b"
        make_iso(iso, files, rr_names={"zz/evil": "a_b"})
        _patched(iso, b"NM\x08\x01\x00a_b", b"NM\x08\x01\x00a/b")
    else:
        make_iso(iso, files, rock_ridge=False)
        _patched(iso, "evil".encode("utf-16-be"), "e/il".encode("utf-16-be"))
    dest = tmp_path / "sub" / "out"
    dest.parent.mkdir()
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 2
    assert_one_error(result, "unsafe name", "nothing extracted")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["evil.iso", "sub"]
    assert list(dest.parent.iterdir()) == []


@pytest.mark.parametrize(("name", "reason"), [
    ("ddk/ova.xml", None), ("a/b..c/.hidden", None), ("", "an empty path"), ("/etc/passwd", "an absolute path"),
    ("../x", 'a ".." component'), ("ddk/../../x", 'a ".." component'), ("ddk/./x", 'a "." component'),
    ("ddk//x", "an empty component"), ("ddk/", "an empty component"), ("a\0b", "a NUL byte"),
    ("ddk/" + "x" * 256, "a name longer than 255 bytes"), ("ddk/" + "é" * 127, None),
])
def test_unsafe_reason(name: str, reason: str | None) -> None:
    assert unsafe_reason(name) == reason


def test_symlinks_are_not_created(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK, symlinks={"passwd": "../../etc/passwd", "ova": "ddk/ova.xml"})
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert tree(tmp_path / "out") == expected(DDK)
    assert not any(p.is_symlink() for p in (tmp_path / "out").rglob("*"))
    assert "warning: passwd: a symlink (-> ../../etc/passwd) in the ISO; not created" in result.err
    assert "warning: ova: a symlink (-> ddk/ova.xml)" in result.err


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
