"""`fstab nobarrier --diff`'s text (generate/fstab_check.unified_diff) is what GNU `diff -u` prints, a last line
without a newline included."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.generate.fstab import add_nobarrier
from toolkit.generate.fstab_check import unified_diff

TEXTS = [
    "/dev/a / ext4 rw 0 1",  # the changed line is the last one, without a newline
    "/dev/a / ext4 rw 0 1\r",  # the same with a CR line end: the CR stays, and the newline is still missing
    "# head\n/dev/a / ext4 rw 0 1\nproc /proc proc defaults 0 0",  # the last context line lacks the newline
    "/dev/a / ext4 rw 0 1\n" + "".join(f"# {n}\n" for n in range(8)) + "/dev/b /b btrfs",  # two hunks
    "# page\x0c/dev/a / ext4 rw 0 1\n/dev/b /b ext4 rw 0 1\n",  # a form feed is no line end for diff either
    "/dev/a / ext4 rw 0 1\n",
]


@pytest.mark.parametrize("old", TEXTS)
def test_the_diff_is_gnu_diffs(tmp_path: Path, old: str) -> None:
    diff = require_program("diff")
    new = add_nobarrier(old).text
    (tmp_path / "old").write_bytes(old.encode())
    (tmp_path / "new").write_bytes(new.encode())
    gnu = subprocess.run([diff, "-u", "--label", "fstab", "--label", "fstab (nobarrier)", "old", "new"],
                         cwd=tmp_path, capture_output=True, check=False)
    assert gnu.returncode == 1, gnu.stderr
    assert unified_diff(Path("fstab"), old, new).encode() == gnu.stdout


def test_a_missing_final_newline_is_marked() -> None:
    old = "/dev/a / ext4 rw 0 1"
    assert unified_diff(Path("f"), old, add_nobarrier(old).text) == (
        "--- f\n+++ f (nobarrier)\n@@ -1 +1 @@\n"
        "-/dev/a / ext4 rw 0 1\n\\ No newline at end of file\n"
        "+/dev/a / ext4 rw,nobarrier 0 1\n\\ No newline at end of file\n")
