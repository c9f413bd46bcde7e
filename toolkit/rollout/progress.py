"""A roll-out's progress on stderr. Into a pipe, a file or a log: plain lines, `HOST: STEP` as each step begins
and `HOST: RESULT (SECONDS s)` as each host ends. On a terminal: a live table, one row per host (host, what it
is doing now, seconds since it started), redrawn in place twice a second; messages (Ctrl-C) appear above it.

The table is redrawn by moving the cursor up over it (ANSI CSI F, "cursor previous line") and rewriting each
row (CSI 2K, "erase line"): every row is cut to the terminal's width so that none wraps, and a table taller
than the terminal would scroll out of reach, so then the plain lines are used instead.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TextIO

TICK = 0.5  # seconds between redraws of the elapsed times
UP = "\x1b[{}F"  # cursor to the start of the line N lines up
ERASE_LINE = "\x1b[2K"
ERASE_BELOW = "\x1b[J"
WAITING = "waiting"


class Progress(Protocol):
    def started(self, host: str) -> None: ...
    def step(self, host: str, text: str) -> None: ...
    def ended(self, host: str, shown: str, seconds: float) -> None: ...
    def message(self, text: str) -> None: ...
    def close(self) -> None: ...


def progress_for(stream: TextIO, hosts: Sequence[str]) -> Progress:
    """The live table when `stream` is a terminal that can hold it, else plain lines."""
    if not stream.isatty() or os.environ.get("TERM") == "dumb":
        return PlainLines(stream)
    try:
        columns, lines = os.get_terminal_size(stream.fileno())
    except OSError:
        return PlainLines(stream)
    if lines and len(hosts) + 2 > lines:  # the header, the rows and the cursor's line must all be on screen
        return PlainLines(stream)
    return LiveTable(stream, hosts, columns or 80)


class PlainLines:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.lock = threading.Lock()

    def _line(self, text: str) -> None:
        with self.lock:
            self.stream.write(text + "\n")
            self.stream.flush()

    def started(self, host: str) -> None:
        pass

    def step(self, host: str, text: str) -> None:
        self._line(f"{host}: {text}")

    def ended(self, host: str, shown: str, seconds: float) -> None:
        self._line(f"{host}: {shown} ({seconds:.1f} s)")

    def message(self, text: str) -> None:
        self._line(text)

    def close(self) -> None:
        pass


@dataclass
class _Row:
    doing: str = WAITING
    since: float | None = None  # time.monotonic() when the host started
    seconds: float | None = None  # how long it took, once it ended


class LiveTable:
    def __init__(self, stream: TextIO, hosts: Sequence[str], columns: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.stream = stream
        self.rows = {host: _Row() for host in hosts}
        self.width = max(20, columns - 1)  # the last column left free: some terminals wrap on it
        self.host_width = min(max([4, *(len(host) for host in hosts)]), max(4, self.width // 3))
        self.clock = clock
        self.lock = threading.Lock()
        self.drawn = 0  # lines of the table on screen, above the cursor
        self.done = threading.Event()
        self.ticker = threading.Thread(target=self._tick, name="xenkit-progress", daemon=True)
        with self.lock:
            self._draw()
        self.ticker.start()

    def started(self, host: str) -> None:
        self._update(host, since=self.clock())

    def step(self, host: str, text: str) -> None:
        self._update(host, doing=text)

    def ended(self, host: str, shown: str, seconds: float) -> None:
        self._update(host, doing=shown, seconds=seconds)

    def message(self, text: str) -> None:
        with self.lock:
            self._erase()
            self.stream.write(text + "\n")
            self._draw()

    def close(self) -> None:
        self.done.set()
        self.ticker.join()
        with self.lock:
            self._draw()

    def _update(self, host: str, **changes: object) -> None:
        with self.lock:
            row = self.rows[host]
            for name, value in changes.items():
                setattr(row, name, value)
            self._draw()

    def _tick(self) -> None:
        while not self.done.wait(TICK):
            with self.lock:
                self._draw()

    def _lines(self) -> list[str]:
        now = self.clock()
        doing_width = max(10, self.width - self.host_width - 2 - 9)  # "  " and "  ELAPSED" (7 wide)
        lines = [f"{'HOST':{self.host_width}}  {'STEP':{doing_width}}  {'ELAPSED':>7}"]
        for host, row in self.rows.items():
            seconds = row.seconds if row.seconds is not None else (now - row.since if row.since is not None else None)
            elapsed = f"{seconds:6.1f}s" if seconds is not None else ""
            doing = row.doing if len(row.doing) <= doing_width else row.doing[:doing_width - 3] + "..."
            name = host if len(host) <= self.host_width else host[:self.host_width - 3] + "..."
            lines.append(f"{name:{self.host_width}}  {doing:{doing_width}}  {elapsed:>7}")
        return [line[:self.width].rstrip() for line in lines]

    def _erase(self) -> None:
        if self.drawn:
            self.stream.write(UP.format(self.drawn) + ERASE_BELOW)
            self.drawn = 0

    def _draw(self) -> None:
        lines = self._lines()
        text = UP.format(self.drawn) if self.drawn else ""
        text += "".join(f"{ERASE_LINE}{line}\n" for line in lines)
        self.stream.write(text)
        self.stream.flush()
        self.drawn = len(lines)
