"""A local file read and hashed on a thread while the caller sends it: sha256 (which releases the GIL) and the disk
reads then overlap paramiko's encryption and sends instead of adding to them."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

CHUNK = 1 << 20


class HashingReader:
    """Iterate to get the rest of `source` in chunks; each is in `digest` by the time it is handed out. A read error
    ends the iteration with OSError (its text also in `error`). Iterate once, to the end or not: the thread stops."""

    _END = b""

    def __init__(self, source: Any, digest: Any, chunk: int = CHUNK) -> None:
        self.source, self.digest, self.chunk = source, digest, chunk
        self.error: str | None = None
        self.queue: queue.Queue[bytes] = queue.Queue(maxsize=8)  # at most 8 chunks read ahead
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            while not self.stop.is_set() and (chunk := self.source.read(self.chunk)):
                self.digest.update(chunk)
                self._put(chunk)
        except OSError as exc:
            self.error = exc.strerror or str(exc)
        self._put(self._END)

    def _put(self, chunk: bytes) -> None:
        while not self.stop.is_set():
            try:
                self.queue.put(chunk, timeout=0.5)
                return
            except queue.Full:
                continue

    def close(self) -> None:
        """Stop the thread, also when the iteration never started."""
        self.stop.set()

    def __iter__(self) -> Iterator[bytes]:
        try:
            while (chunk := self.queue.get()) is not self._END and chunk:
                yield chunk
            if self.error is not None:
                raise OSError(self.error)
        finally:
            self.stop.set()
            self.thread.join(timeout=5)
