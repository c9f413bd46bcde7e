"""`xenkit ddk extract` / `ddk import` on hostile input: a FIFO named as the ISO, control characters in the ISO's
names; and what extract prints: paths as given, --json."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, Xenkit, require_program
from tests.ddk.extract_samples import DDK, assert_one_error, expected, leftovers, tree
from tests.support.iso_helpers import make_iso
from toolkit.cli.ddk import human_size
from toolkit.ddk.iso_tree import unsafe_reason


def _xenkit_bounded(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """xenkit in a child process with a time limit: a read that waits forever fails the test, not the run."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "toolkit", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=30, check=False)


# --- a FIFO is refused, not waited on -------------------------------------------------------------------------

@pytest.mark.parametrize("command", ["extract", "import --print"])
def test_fifo_as_the_iso_is_refused_at_once(tmp_path: Path, command: str) -> None:
    fifo = tmp_path / "ddk.iso"
    os.mkfifo(fifo)  # nobody ever writes to it: opening it for reading would block forever
    if command == "extract":
        args = ["ddk", "extract", "ddk.iso", "out"]
    else:
        args = ["ddk", "import", "ddk.iso", "--sr-name", "ISO library", "--network", "net0", "--print"]
    run = _xenkit_bounded(*args, cwd=tmp_path)
    assert run.returncode == 2, run.stderr
    assert "error: ddk.iso: not a regular file\n" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ddk.iso"]


def _node(path: Path, kind: int, major: int, minor: int) -> Path:
    """A device node in the test's own directory (no device of the machine is opened by name)."""
    try:
        os.mknod(path, kind | 0o600, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


def test_a_character_device_is_refused_a_block_device_is_read(xenkit: Xenkit, tmp_path: Path) -> None:
    null = _node(tmp_path / "null.iso", stat.S_IFCHR, 1, 3)  # what /dev/null is: reads would give nothing
    result = xenkit("ddk", "extract", str(null), str(tmp_path / "out"))
    assert result.code == 2
    assert_one_error(result, f"{null}: not a regular file")
    block = _node(tmp_path / "cd.iso", stat.S_IFBLK, 0, 0)  # no such device: opening it fails, it is not refused
    result = xenkit("ddk", "extract", str(block), str(tmp_path / "out"))
    assert result.code == 2 and "not a regular file" not in result.err
    assert not (tmp_path / "out").exists()


# --- control characters in the ISO's names --------------------------------------------------------------------

@pytest.mark.parametrize(("name", "shown"), [("ev\nl", "ev\\nl"), ("\x1b[2Jevil", "\\x1b[2Jevil"),
                                             ("cr\rname", "cr\\rname"), ("c1\x9bname", "c1\\x9bname"),
                                             ("del\x7f", "del\\x7f")])
def test_control_characters_in_names_are_refused(xenkit: Xenkit, tmp_path: Path, name: str, shown: str) -> None:
    iso = make_iso(tmp_path / "evil.iso", {**DDK, "zz/evil": b"evil"}, rr_names={"zz/evil": name})
    dest = tmp_path / "out"
    result = xenkit("ddk", "extract", str(iso), str(dest))
    assert result.code == 2
    assert_one_error(result, f'unsafe name "zz/{shown}" in the ISO (a control character', "nothing extracted")
    assert name not in result.err  # escaped: no raw ESC or newline reaches the terminal
    assert not dest.exists() and leftovers(tmp_path) == []


def test_control_characters_in_names_made_by_xorriso_are_refused(xenkit: Xenkit, tmp_path: Path) -> None:
    source = tmp_path / "source"
    for rel, data in {**DDK, "ddk/two\nlines": b"x"}.items():
        (source / rel).parent.mkdir(parents=True, exist_ok=True)
        (source / rel).write_bytes(data)
    iso = tmp_path / "ddk.iso"
    subprocess.run([require_program("xorriso"), "-as", "mkisofs", "-R", "-J", "-o", str(iso), str(source)],
                   check=True, capture_output=True, timeout=120)
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 2
    assert_one_error(result, 'unsafe name "ddk/two\\nlines"', "a control character (\\n)")
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


@pytest.mark.parametrize(("name", "reason"), [
    ("ddk/a\nb", "a control character (\\n)"), ("ddk/\x1b[31m", "a control character (\\x1b)"),
    ("ddk/tab\there", "a control character (\\t)"), ("ddk/Réseau 1 (prod)", None),
])
def test_unsafe_reason_control_characters(name: str, reason: str | None) -> None:
    assert unsafe_reason(name) == reason


def test_symlink_target_is_shown_escaped(xenkit: Xenkit, tmp_path: Path) -> None:
    iso = make_iso(tmp_path / "ddk.iso", DDK, symlinks={"link": "a\x1b[2Jb"})
    result = xenkit("ddk", "extract", str(iso), str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert "warning: link: a symlink (-> a\\x1b[2Jb) in the ISO; not created" in result.err
    assert "\x1b" not in result.err


# --- what is printed -----------------------------------------------------------------------------------------

def test_relative_dest_is_printed_as_given(xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_iso(tmp_path / "ddk.iso", DDK)
    monkeypatch.chdir(tmp_path)
    result = xenkit("ddk", "extract", "ddk.iso", "ddk-6.2")
    assert result.code == 0, result.err
    size = sum(len(d) for d in DDK.values())
    assert result.out == f"ddk-6.2: 5 files, {human_size(size)} (Rock Ridge names)\n"
    assert tree(tmp_path / "ddk-6.2") == expected(DDK)
    again = xenkit("ddk", "extract", "ddk.iso", "ddk-6.2")
    assert again.code == 2
    assert_one_error(again, "error: ddk-6.2: exists and is not empty")


def test_json(xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_iso(tmp_path / "ddk.iso", DDK, symlinks={"passwd": "../../etc/passwd"})
    monkeypatch.chdir(tmp_path)
    result = xenkit("ddk", "extract", "ddk.iso", "out", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "dest": "out", "files": len(DDK), "directories": 2, "bytes": sum(len(d) for d in DDK.values()),
        "naming": "Rock Ridge", "symlinks_not_created": [{"name": "passwd", "target": "../../etc/passwd"}],
    }
    assert "warning: passwd: a symlink" in result.err  # warnings stay on stderr
    assert tree(tmp_path / "out") == expected(DDK)
