"""A transfer's progress on stderr: a bar on a terminal, a start and an end line in a log, and nothing for
quick work.

On a terminal the bar appears once the transfer has run `DELAY` seconds: a 23-byte upload draws nothing.
Elsewhere (a log, a pipe) a transfer gets a start line once it has run `DELAY` seconds or if it moves at
least `BIG` bytes (a big transfer is worth its line in a log even when it was quick), and an end line when
it got a start line. A failed transfer always ends with its line (how far it got), so the error that
follows starts on its own line.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TextIO

DELAY = 0.5  # seconds: quicker work shows no progress at all
BIG = 1 << 20  # bytes: in a log, a transfer this big gets its lines however quick it was
REDRAW = 0.1  # seconds between two draws of the bar
FAILED = "FAILED"  # finish(FAILED): the line is written even for quick work


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


class TransferProgress:
    """Call it with (done, total) as bytes move; call finish() at the end (finish(FAILED) on a failure)."""

    def __init__(self, label: str, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._clock = clock
        self.started = clock()
        self._drawn: float | None = None  # when the bar was last drawn (terminal) or the start line written
        self._last = (0, 0)

    def __call__(self, done: int, total: int) -> None:
        self._last = (done, total)
        now = self._clock()
        slow = now - self.started >= DELAY
        if not self.tty:
            if self._drawn is None and (slow or total >= BIG):
                self._drawn = now
                self._write(f"{self.label} ...\n")
            return
        if self._drawn is None and not slow:
            return
        if self._drawn is None or now - self._drawn >= REDRAW or done >= total:
            self._drawn = now
            self._write("\r" + self._line(done, total) + "\x1b[K")

    def _line(self, done: int, total: int) -> str:
        elapsed = max(self._clock() - self.started, 1e-6)
        rate = done / elapsed
        percent = 100 * done / total if total else 100.0
        width = 24
        filled = int(width * percent / 100)
        bar = "#" * filled + "-" * (width - filled)
        return f"{self.label} [{bar}] {percent:5.1f}% {_size(done)}/{_size(total)} {_size(rate)}/s"

    def finish(self, note: str = "") -> None:
        """The last line, if anything was shown, the transfer took `DELAY` or more, or it failed."""
        shown = self._drawn is not None or self._clock() - self.started >= DELAY or note == FAILED
        if not shown:
            return
        line = self._line(*self._last) + (f" {note}" if note else "")
        self._write(("\r" + line + "\x1b[K\n") if self.tty else line + "\n")

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
