"""Ctrl-C counted instead of raised while a roll-out runs, and until its summary is printed.

A KeyboardInterrupt can land anywhere in the main thread: in the middle of the message that answers the first
Ctrl-C, while the pool shuts down, between the last host and the summary. Each of those used to end the command
with "error: interrupted" and no summary, although the running hosts went on (install.sh is never killed). With
SIGINT counted here the main thread looks at the count when it is ready to, and nothing escapes it.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any


class CtrlC:
    """`with CtrlC() as ctrl_c:` SIGINT adds one to ctrl_c.count (from the main thread only, where Python runs
    signal handlers; elsewhere it stays the default and the count stays 0)."""

    def __init__(self) -> None:
        self.count = 0
        self._previous: Any = None
        self._installed = False

    def _counted(self, _signum: int, _frame: FrameType | None) -> None:
        self.count += 1

    def __enter__(self) -> CtrlC:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._counted)
            self._installed = True
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._installed:  # None: a handler not set from Python; the default then
            signal.signal(signal.SIGINT, signal.SIG_DFL if self._previous is None else self._previous)
            self._installed = False
