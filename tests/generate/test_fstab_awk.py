"""The generated sh/awk nobarrier edit against the Python one: the same fstabs give the same bytes.

The corpus is the fstab tests' own lines plus fstabs made by a seeded random generator (the same every run)
from the pieces that steer the rules: separators, types, option lists with quotes, empty options, barrier
options, CR line ends, a missing last newline, characters that are whitespace to Python but not to libmount.
Each shell runs every file in one process: dash with the system's awk (Debian's mawk), and busybox's sh and
awk.
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.generate.test_fstab import CHANGED_LINES, SEED, UNPARSEABLE_LINES, UNTOUCHED_LINES, WHITESPACE_LINES
from toolkit.generate.fstab import SkipReason, Spelling, add_nobarrier
from toolkit.generate.fstab_awk import BACKUP_SUFFIX, FUNCTION_NAME, nobarrier_function, nobarrier_script

SOURCES = ["/dev/xvda1", "UUID=a4588f98-9db1", "LABEL=root", "server:/export", "/srv", "none", "tmpfs", "/dev/d\\040x"]
MOUNTS = ["/", "/boot", "/srv/my\\040data", "none", "/home", "/mnt/é", "/x\x0cy"]
TYPES = ["ext3", "ext4", "btrfs", "xfs", "auto", "ext4,ext3", "swap", "nfs", "proc", "vfat", "tmpfs", "EXT4", "ext2"]
OPTIONS = ["defaults", "rw", "ro", "noatime", "barrier", "barrier=1", "barrier=0", "nobarrier", "bind", "rbind",
           "errors=remount-ro", 'context="system_u:object_r:t:s0:c1,c2"', '"quoted"', "", 'a"b', "x=1,y", "nodev"]
SEPARATORS = [" ", "\t", "  ", " \t ", "\t\t", "\x0b", "\xa0"]
ENDINGS = ["\n", "\n", "\n", "\r\n", "\r\r\n"]


def _random_line(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(["# comment", "  # indented \\", "", "   ", "\t", "#"])
    options = ",".join(rng.choice(OPTIONS) for _ in range(rng.randint(1, 4)))
    fields = [rng.choice(SOURCES), rng.choice(MOUNTS), rng.choice(TYPES), options, str(rng.randint(0, 1)),
              str(rng.randint(0, 2)), "extra"]
    count = rng.choice([1, 2, 3, 3, 4, 4, 4, 5, 6, 6, 6, 7])
    body = "".join(field + rng.choice(SEPARATORS) for field in fields[:count - 1]) + fields[count - 1]
    return rng.choice(["", "", " ", "\t"]) + body + rng.choice(["", "", " ", "\t "])


def _random_fstab(rng: random.Random) -> str:
    text = "".join(_random_line(rng) + rng.choice(ENDINGS) for _ in range(rng.randint(0, 12)))
    return text.rstrip("\r\n") if rng.random() < 0.2 else text


def corpus() -> list[str]:
    lines = CHANGED_LINES + UNTOUCHED_LINES + UNPARSEABLE_LINES + WHITESPACE_LINES
    files = [SEED, SEED.rstrip("\n"), "", "\n", "no newline at all", "\r\n", SEED.replace("\n", "\r\n")]
    files += [line + "\n" for line in lines] + [line for line in lines if line]
    rng = random.Random(20261203)
    files += [_random_fstab(rng) for _ in range(400)]
    return files


def _run_all(shell: list[str], files: list[str], tmp_path: Path, spelling: Spelling,
             env: dict[str, str] | None = None) -> list[bytes]:
    directory = tmp_path / "fstabs"
    directory.mkdir()
    paths = [directory / f"{index:04d}" for index in range(len(files))]
    for path, text in zip(paths, files, strict=True):
        path.write_bytes(text.encode())
    script = tmp_path / "run.sh"
    script.write_text(f'{nobarrier_function(spelling)}for f in "$@"; do {FUNCTION_NAME} "$f"; done\n')
    subprocess.run([*shell, str(script), *map(str, paths)], check=True, env=env, capture_output=True)
    return [path.read_bytes() for path in paths]


def _compare(results: list[bytes], files: list[str], spelling: Spelling) -> None:
    mismatches = [(text, got) for text, got in zip(files, results, strict=True)
                  if got != add_nobarrier(text, spelling).text.encode()]
    assert not mismatches, f"{len(mismatches)} fstab(s) differ; the first: {mismatches[0]!r}"


@pytest.mark.parametrize("spelling", list(Spelling))
def test_dash_and_the_system_awk_edit_as_python_does(spelling: Spelling, tmp_path: Path) -> None:
    files = corpus()
    _compare(_run_all([require_program("sh")], files, tmp_path, spelling), files, spelling)


@pytest.mark.parametrize("spelling", list(Spelling))
def test_busybox_sh_and_awk_edit_as_python_does(spelling: Spelling, tmp_path: Path) -> None:
    busybox = require_program("busybox")
    tools = tmp_path / "bin"
    tools.mkdir()
    for applet in ("awk", "tail", "cmp", "cp", "cat", "rm"):
        (tools / applet).symlink_to(busybox)
    env = {**os.environ, "PATH": f"{tools}:{os.environ['PATH']}"}
    files = corpus()
    _compare(_run_all([busybox, "sh"], files, tmp_path, spelling, env), files, spelling)


def test_the_corpus_reaches_every_rule() -> None:
    """Changed, untouched, each skip reason, both final-newline cases: the comparison covers them all."""
    files = corpus()
    edits = [add_nobarrier(text) for text in files]
    assert {skip.reason for edit in edits for skip in edit.skipped} == set(SkipReason)
    assert sum(edit.changed for edit in edits) > 100
    assert sum(not edit.changed for edit in edits) > 50
    assert any(not text.endswith("\n") and text for text in files)
    assert any(change.note for edit in edits for change in edit.changes)  # barrier=1 replaced


def test_the_file_is_rewritten_in_place_with_a_backup_only_when_it_changes(tmp_path: Path) -> None:
    sh = require_program("sh")
    script = tmp_path / "nobarrier.sh"
    script.write_text(nobarrier_script())
    fstab = tmp_path / "fstab"
    fstab.write_text(SEED)
    fstab.chmod(0o640)
    link = tmp_path / "link"
    link.symlink_to(fstab)
    subprocess.run([sh, str(script), str(link)], check=True)
    assert link.is_symlink() and fstab.read_text() == add_nobarrier(SEED).text
    assert (fstab.stat().st_mode & 0o777) == 0o640
    assert (tmp_path / f"link{BACKUP_SUFFIX}").read_text() == SEED
    (tmp_path / f"link{BACKUP_SUFFIX}").unlink()
    subprocess.run([sh, str(script), str(link)], check=True)  # again: nothing to change, no backup
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fstab", "link", "nobarrier.sh"]


def test_the_script_passes_shellcheck_and_sh_n(tmp_path: Path) -> None:
    script = tmp_path / "nobarrier.sh"
    script.write_text(nobarrier_script(Spelling.BARRIER_0))
    subprocess.run([require_program("sh"), "-n", str(script)], check=True)
    result = subprocess.run([require_program("shellcheck"), "-s", "sh", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
