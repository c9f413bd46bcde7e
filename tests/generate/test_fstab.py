"""nobarrier edits: only option fields change, every other byte stays (toolkit/generate/fstab.py)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.generate.fstab import SkipReason, Spelling, add_nobarrier

# The blog's Ubuntu 12.04 fstab before the edit (its "after" is in the seed).
SEED = """\
# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
proc                                      /proc           proc    nodev,noexec,nosuid 0       0
# / was on /dev/xvda5 during installation
UUID=a4588f98-9db1-4e85-adf4-e03a6c5202d4 /               ext3    errors=remount-ro 0       1
# /boot was on /dev/xvda1 during installation
UUID=12c79a36-e3b8-49c4-8d20-5d8c302c7faf /boot           ext3    defaults        0       2
UUID=cb9aef04-d7ca-4eb9-940c-87d986729169 none            swap    sw              0       0
"""


def test_seed_fstab() -> None:
    edit = add_nobarrier(SEED)
    assert edit.text == SEED.replace("errors=remount-ro 0", "errors=remount-ro,nobarrier 0").replace(
        "defaults        0", "defaults,nobarrier        0")
    assert [(c.lineno, c.mountpoint) for c in edit.changes] == [(6, "/"), (8, "/boot")]
    assert edit.warnings == ()


def test_running_twice_changes_nothing() -> None:
    once = add_nobarrier(SEED).text
    again = add_nobarrier(once)
    assert again.text == once and not again.changed


CHANGED = [
    ("/dev/xvda1\t/\text4\tdefaults\t0\t1", "/dev/xvda1\t/\text4\tdefaults,nobarrier\t0\t1"),
    ("/dev/xvda1 / ext4 rw\r", "/dev/xvda1 / ext4 rw,nobarrier\r"),
    ("/dev/xvdb1 /srv/my\\040data btrfs noatime 0 0", "/dev/xvdb1 /srv/my\\040data btrfs noatime,nobarrier 0 0"),
    ("/dev/xvdc1 /x ext4", "/dev/xvdc1 /x ext4 defaults,nobarrier"),
    ("/dev/xvdc1\t/x\text3", "/dev/xvdc1\t/x\text3\tdefaults,nobarrier"),
    ("/dev/xvdd1 /y ext4 rw,barrier=1 0 2", "/dev/xvdd1 /y ext4 rw,nobarrier 0 2"),
    ("/dev/xvdd1 /y ext4 barrier,rw 0 2", "/dev/xvdd1 /y ext4 nobarrier,rw 0 2"),
    ('/dev/xvde1 /z ext4 context="system_u:object_r:t:s0:c1,c2" 0 2',
     '/dev/xvde1 /z ext4 context="system_u:object_r:t:s0:c1,c2",nobarrier 0 2'),
    ("  /dev/xvdf1   /w   ext4   defaults   ", "  /dev/xvdf1   /w   ext4   defaults,nobarrier   "),
]
CHANGED_LINES = [line for line, _ in CHANGED]


@pytest.mark.parametrize(("line", "expected"), CHANGED)
def test_changed_lines(line: str, expected: str) -> None:
    edit = add_nobarrier(line + "\n")
    assert edit.text == expected + "\n"
    assert len(edit.changes) == 1


UNTOUCHED_LINES = [
    "proc /proc proc defaults 0 0",
    "tmpfs /tmp tmpfs size=1G 0 0",
    "server:/export /mnt nfs rw,hard 0 0",
    "/dev/cdrom /media/cdrom iso9660 ro,noauto 0 0",
    "/dev/xvdb5 none swap sw 0 0",
    "/srv /mnt/srv none bind 0 0",
    "/srv /mnt/srv ext4 bind,ro 0 0",
    "/dev/xvda1 / ext4 defaults,nobarrier 0 1",
    "/dev/xvda1 / ext4 barrier=0 0 1",
    "/dev/xvda1 / vfat umask=077 0 1",
    "# /dev/xvda1 / ext4 defaults 0 1",
    "   ",
    "",
]


@pytest.mark.parametrize("line", UNTOUCHED_LINES)
def test_untouched_lines(line: str) -> None:
    edit = add_nobarrier(line + "\n")
    assert edit.text == line + "\n"
    assert not edit.changed and edit.warnings == ()


def test_xfs_is_refused_with_the_reason() -> None:
    edit = add_nobarrier("/dev/xvda1 / xfs defaults 0 1\n")
    assert not edit.changed
    assert "XFS" in edit.warnings[0] and "4.19" in edit.warnings[0]


UNPARSEABLE_LINES = ["just two", "a b c d e f g", "/dev/x /y ext4 rw,,nodev 0 0"]


@pytest.mark.parametrize("line", UNPARSEABLE_LINES)
def test_unparseable_lines_are_kept_and_reported(line: str) -> None:
    edit = add_nobarrier(f"{line}\n/dev/a / ext4 rw 0 1\n")
    assert edit.text.splitlines()[0] == line
    assert edit.warnings and edit.warnings[0].startswith("line 1: kept as it is")
    assert [c.lineno for c in edit.changes] == [2]


def test_spelling_barrier_0_and_no_final_newline() -> None:
    edit = add_nobarrier("/dev/a / ext4 rw 0 1", Spelling.BARRIER_0)
    assert edit.text == "/dev/a / ext4 rw,barrier=0 0 1"


def test_bytes_outside_the_option_fields_are_identical() -> None:
    text = SEED + "/dev/xvdc1\t/srv\text4\trw,barrier\t0 2\r\n/dev/xvdd1 /opt btrfs\n"
    edit = add_nobarrier(text)
    for change in edit.changes:
        before = text.splitlines(keepends=True)[change.lineno - 1]
        after = edit.text.splitlines(keepends=True)[change.lineno - 1]
        if change.old_options:
            assert before.replace(change.old_options, "\0", 1).split("\0") == \
                after.replace(change.new_options, "\0", 1).split("\0")
    untouched = set(range(1, len(text.splitlines()) + 1)) - {c.lineno for c in edit.changes}
    for lineno in untouched:
        assert text.splitlines(keepends=True)[lineno - 1] == edit.text.splitlines(keepends=True)[lineno - 1]


def test_findmnt_parses_the_result(tmp_path: Path) -> None:
    findmnt = require_program("findmnt")
    text = SEED + "/dev/xvdc1\t/srv/my\\040data\text4\trw,barrier=1\t0 2\n/dev/xvdd1 /opt btrfs\n"
    target = tmp_path / "fstab"
    target.write_text(add_nobarrier(text).text)
    result = subprocess.run([findmnt, "--verify", "--tab-file", str(target)], capture_output=True, text=True)
    # --verify also checks that sources and targets exist here, which a guest's fstab cannot promise;
    # what matters is that util-linux parses every line and reads the options we wrote.
    assert re.search(r"^0 parse errors", result.stdout + result.stderr, re.M), result.stdout + result.stderr
    listed = subprocess.run([findmnt, "--tab-file", str(target), "-n", "-o", "TARGET,OPTIONS", "--raw"],
                            capture_output=True, text=True, check=True).stdout
    assert "/ errors=remount-ro,nobarrier" in listed
    assert "/opt defaults,nobarrier" in listed


def test_skipped_entries_carry_their_reasons() -> None:
    text = ("# comment\n\n/dev/a / ext4 rw 0 1\n/dev/b /b auto rw 0 0\n/dev/c /c ext4,ext3 rw 0 0\n"
            "/dev/d /d xfs rw 0 0\n/dev/e /e ext4 rw,barrier=0 0 0\n/srv /f ext4 bind 0 0\n/dev/g none swap sw\n"
            "two fields\n/dev/h /h ext4 rw,,ro\n")
    edit = add_nobarrier(text)
    assert [(s.lineno, s.mountpoint, s.fstype, s.reason) for s in edit.skipped] == [
        (4, "/b", "auto", SkipReason.AMBIGUOUS_TYPE), (5, "/c", "ext4,ext3", SkipReason.AMBIGUOUS_TYPE),
        (6, "/d", "xfs", SkipReason.XFS), (7, "/e", "ext4", SkipReason.ALREADY_DISABLED),
        (8, "/f", "ext4", SkipReason.BIND_MOUNT), (9, "none", "swap", SkipReason.NO_BARRIER_OPTION),
        (10, "", "", SkipReason.UNREADABLE), (11, "/h", "ext4", SkipReason.UNREADABLE),
    ]
    entries = edit.entries()
    assert [e["line"] for e in entries] == list(range(3, 12))  # every entry in file order, no comment or blank
    assert entries[0] == {"line": 3, "mountpoint": "/", "type": "ext4", "action": "changed", "options": "rw",
                          "new_options": "rw,nobarrier", "note": ""}
    assert entries[1] == {"line": 4, "mountpoint": "/b", "type": "auto", "action": "skipped",
                          "reason": "ambiguous-type"}


@pytest.mark.parametrize("ending", ["\x0c", "\r", "\x1c", "\u2028"])
def test_lines_end_at_newlines_only(ending: str) -> None:
    """libmount reads a comment up to its newline: what follows a form feed or a lone CR in it is no entry."""
    text = f"# old{ending}/dev/a / ext4 rw 0 1\n/dev/b /b ext4 rw 0 2\n"
    edit = add_nobarrier(text)
    assert edit.text == text.replace("rw 0 2", "rw,nobarrier 0 2")
    assert [(c.lineno, c.mountpoint) for c in edit.changes] == [(2, "/b")]


# Characters Python counts as whitespace but libmount does not: a field goes on through them.
WHITESPACE_LINES = ["/dev/a\x0b/x ext4 rw 0 0", "/dev/b\x0c/y ext4 rw 0 0", "/dev/c /z\xa0ext4 ext4 rw 0 0",
                    "\x0b/dev/d /d ext4 rw", "/dev/e /e ext4 rw\x0c 0 0"]


def test_fields_are_split_where_libmount_splits_them(tmp_path: Path) -> None:
    """Only spaces and tabs separate fields: findmnt reads `/dev/a\\v/x ext4 rw` as source, target and type `rw`."""
    findmnt = require_program("findmnt")
    target = tmp_path / "fstab"
    target.write_text("".join(line + "\n" for line in WHITESPACE_LINES))
    listed = subprocess.run([findmnt, "--tab-file", str(target), "-n", "-o", "FSTYPE,OPTIONS", "--raw"],
                            capture_output=True, text=True, check=True).stdout.splitlines()
    edit = add_nobarrier(target.read_text())
    assert [row.split(" ")[0] for row in listed] == ["rw", "rw", "ext4", "ext4", "ext4"]
    assert [(c.lineno, c.mountpoint, c.new_options) for c in edit.changes] == [
        (3, "/z\xa0ext4", "rw,nobarrier"), (4, "/d", "rw,nobarrier"), (5, "/e", "rw\x0c,nobarrier")]
