"""A transfer progress bar on stderr when it is a terminal; a start and an end line otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


def _size(count: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if count < 1024 or unit == "GiB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GiB"


class TransferProgress:
    """Call it with (done, total) as bytes move; call finish() at the end. Redraws at most 10 times a second."""

    def __init__(self, label: str, stream: TextIO | None = None) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.started = time.monotonic()
        self._drawn = 0.0
        self._last = (0, 0)
        if not self.tty:
            self.stream.write(f"{label} ...\n")

    def __call__(self, done: int, total: int) -> None:
        self._last = (done, total)
        now = time.monotonic()
        if self.tty and (now - self._drawn >= 0.1 or done >= total):
            self._drawn = now
            self.stream.write("\r" + self._line(done, total) + "\x1b[K")
            self.stream.flush()

    def _line(self, done: int, total: int) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        percent = 100 * done / total if total else 100.0
        width = 24
        filled = int(width * percent / 100)
        bar = "#" * filled + "-" * (width - filled)
        return f"{self.label} [{bar}] {percent:5.1f}% {_size(done)}/{_size(total)} {_size(rate)}/s"

    def finish(self, note: str = "") -> None:
        done, total = self._last
        line = self._line(done, total) + (f" {note}" if note else "")
        self.stream.write(("\r" + line + "\x1b[K\n") if self.tty else line + "\n")
        self.stream.flush()
