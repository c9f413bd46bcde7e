"""`xenkit ddk extract` and toolkit.ddk.iso: which names are read (Rock Ridge, Joliet, plain ISO 9660) and which
input is refused (not a DDK, truncated or damaged images, names that would escape DEST, symlinks)."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.ddk.extract_samples import DDK, assert_one_error, expected, leftovers, tree
from tests.support.iso_helpers import make_iso
from toolkit.cli.ddk import human_size
from toolkit.ddk.iso import open_iso
from toolkit.ddk.iso_tree import unsafe_reason
from toolkit.errors import UsageError

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
