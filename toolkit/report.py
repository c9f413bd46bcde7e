"""How long work tells the user what it is doing: step messages (`say`) and byte progress (`ProgressSink`).

A command's steps call `say(...)` wherever they are; where the messages go is decided once, by whoever
runs the work: `xenkit: MESSAGE` lines on stderr by default, or any sink set with `reporting_to()` (a
test collecting them, a log file beside the terminal). The sink travels in a context variable instead of
a `say` argument threaded through every function between the command and the step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Say = Callable[[str], None]
# Called with (bytes done, bytes in all) while a transfer or a copy runs.
ProgressSink = Callable[[int, int], None]


def to_stderr(message: str) -> None:
    sys.stderr.write(f"xenkit: {message}\n")
    sys.stderr.flush()


_sink: ContextVar[Say] = ContextVar("xenkit_report_sink", default=to_stderr)


def say(message: str) -> None:
    """Tell the user what is happening now (one line)."""
    _sink.get()(message)


@contextmanager
def reporting_to(sink: Say) -> Iterator[None]:
    """Within the block (and the threads started with its context copied), say() goes to `sink`."""
    token = _sink.set(sink)
    try:
        yield
    finally:
        _sink.reset(token)
