"""The roll-out's progress (progress.py): plain lines off a terminal, and the live table as a terminal shows it
(the output read through tests/support/ansi_screen.py); the CLI on a real pty is in test_driver_install.py."""

from __future__ import annotations

import io
import os
import pty

from tests.support.ansi_screen import screen
from toolkit.rollout.progress import LiveTable, PlainLines, progress_for


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_off_a_terminal() -> None:
    out = io.StringIO()
    progress = progress_for(out, ["dom0a"])
    assert isinstance(progress, PlainLines)
    progress.started("dom0a")
    progress.step("dom0a", "connect: root@192.0.2.7")
    progress.message("xenkit: Ctrl-C: no new host starts.")
    progress.ended("dom0a", "installed, reboot needed", 3.25)
    progress.close()
    assert out.getvalue() == ("dom0a: connect: root@192.0.2.7\nxenkit: Ctrl-C: no new host starts.\n"
                              "dom0a: installed, reboot needed (3.2 s)\n")


def test_the_live_table_is_redrawn_in_place() -> None:
    out, clock = io.StringIO(), Clock()
    table = LiveTable(out, ["dom0a", "dom0b", "dom0c"], columns=60, clock=clock)
    table.started("dom0a")
    table.step("dom0a", "upload: a-bundle-with-a-very-long-name-that-does-not-fit.tar.gz to /root/xenkit/")
    table.started("dom0b")
    clock.now += 2.5
    table.step("dom0b", "kernel: uname -r")
    assert screen(out.getvalue()) == [
        "HOST   STEP                                         ELAPSED",
        "dom0a  upload: a-bundle-with-a-very-long-name-t...     2.5s",
        "dom0b  kernel: uname -r                                2.5s",
        "dom0c  waiting",
    ]
    table.message("xenkit: Ctrl-C: no new host starts; waiting for the 2 running host(s) to finish.")
    clock.now += 1.0
    table.ended("dom0b", "skipped: runs kernel B, the bundle is for A", 3.5)
    clock.now += 10.0
    table.ended("dom0a", "installed, reboot needed", 13.54)
    table.close()
    assert screen(out.getvalue()) == [
        "xenkit: Ctrl-C: no new host starts; waiting for the 2 running host(s) to finish.",
        "HOST   STEP                                         ELAPSED",
        "dom0a  installed, reboot needed                       13.5s",
        "dom0b  skipped: runs kernel B, the bundle is for A     3.5s",
        "dom0c  waiting",
    ]
    assert all(len(line) < 60 for line in screen(out.getvalue())[1:])  # no row wraps


def test_a_terminal_too_short_for_the_table_gets_plain_lines() -> None:
    import fcntl
    import struct
    import termios

    parent, child = pty.openpty()
    try:
        with os.fdopen(child, "w", closefd=False) as stream:
            fcntl.ioctl(child, termios.TIOCSWINSZ, struct.pack("HHHH", 10, 80, 0, 0))
            assert isinstance(progress_for(stream, [f"h{i}" for i in range(9)]), PlainLines)  # 11 lines
            tall_enough = progress_for(stream, [f"h{i}" for i in range(8)])
            assert isinstance(tall_enough, LiveTable)
            tall_enough.close()
    finally:
        os.close(parent)
        os.close(child)
