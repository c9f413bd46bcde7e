"""toolkit.remote.progress.TransferProgress: a bar only on a terminal and only for work that takes DELAY
seconds or more; in a log, lines only for transfers that are big or slow; a failure always ends its line."""

from __future__ import annotations

import io

from toolkit.remote.progress import BIG, DELAY, FAILED, TransferProgress


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_no_bar_for_a_23_byte_upload_on_a_terminal() -> None:
    tty, clock = FakeTty(), Clock()
    bar = TransferProgress("up", tty, clock)
    bar(23, 23)
    clock.now += 0.01
    bar.finish("sha256 ok")
    assert tty.getvalue() == ""


def test_no_lines_for_a_small_quick_transfer_in_a_log() -> None:
    log, clock = io.StringIO(), Clock()
    bar = TransferProgress("up", log, clock)
    for done in range(0, 101, 10):
        bar(done, 100)
    bar.finish("sha256 ok")
    assert log.getvalue() == ""


def test_bar_appears_after_the_delay_on_a_terminal() -> None:
    tty, clock = FakeTty(), Clock()
    bar = TransferProgress("up", tty, clock)
    bar(10, 100)
    clock.now += DELAY / 2
    bar(30, 100)
    assert tty.getvalue() == ""  # not yet: the work may still end quickly
    clock.now += DELAY / 2
    bar(50, 100)
    clock.now += 0.01
    bar(60, 100)  # within the redraw interval: not drawn
    clock.now += 0.2
    bar(100, 100)
    bar.finish("sha256 ok")
    text = tty.getvalue()
    assert text.count("\r") == 3 and " 50.0%" in text and " 60.0%" not in text and "100.0%" in text
    assert text.endswith("sha256 ok\x1b[K\n")


def test_a_big_transfer_gets_its_lines_in_a_log_however_quick() -> None:
    log, clock = io.StringIO(), Clock()
    bar = TransferProgress("up", log, clock)
    for done in range(0, 4 * BIG + 1, BIG):
        bar(done, 4 * BIG)
    bar.finish("sha256 ok")
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and lines[0] == "up ..." and "100.0% 4.0 MiB/4.0 MiB " in lines[1]
    assert lines[1].endswith("/s sha256 ok") and "\r" not in log.getvalue()


def test_a_slow_small_transfer_gets_its_lines_in_a_log() -> None:
    log, clock = io.StringIO(), Clock()
    bar = TransferProgress("up", log, clock)
    bar(1, 100)
    assert log.getvalue() == ""
    clock.now += DELAY
    bar(50, 100)
    bar(100, 100)
    bar.finish()
    lines = log.getvalue().splitlines()
    assert len(lines) == 2 and lines[0] == "up ..." and "100.0%" in lines[1]


def test_work_that_ended_slow_gets_its_last_line() -> None:
    """Every byte moved quickly, then the check took long: the end line still says how it went."""
    for stream in (FakeTty(), io.StringIO()):
        clock = Clock()
        bar = TransferProgress("up", stream, clock)
        bar(100, 100)
        clock.now += 2 * DELAY
        bar.finish("sha256 ok")
        assert stream.getvalue().count("\n") == 1 and "sha256 ok" in stream.getvalue()


def test_a_failure_always_ends_its_line() -> None:
    for stream in (FakeTty(), io.StringIO()):
        bar = TransferProgress("up", stream, Clock())
        bar(5, 100)
        bar.finish(FAILED)
        text = stream.getvalue()
        assert text.count("\n") == 1 and "  5.0% 5 B/100 B " in text
        assert text.endswith("/s FAILED\x1b[K\n" if stream.isatty() else "/s FAILED\n")
