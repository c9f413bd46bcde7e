"""Follow a host's multipathd and kernel log lines by polling, one short command per poll on the same connection.

Polling (rather than a long `tail -f` channel) survives a dropped connection: the next poll, on a new
connection, starts where the last one stopped. A log file is read from a byte offset (from the start again when
it shrank: rotated); where there is no file, journald is read after the last cursor.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.remote.executor import Executor, run

DEFAULT_LOG = "/var/log/messages"
MAX_CHUNK = 1 << 20  # per poll: a burst beyond this is read by the next polls
_WANTED = re.compile(r"multipath|kernel:|device-mapper|\bsd[a-z]+\b|scsi", re.I)
_CURSOR = "-- cursor: "
_FILE_READ = (
    'f=$1; off=$2\n'
    '[ -r "$f" ] || { echo "missing"; exit 0; }\n'
    'size=$(wc -c < "$f")\n'
    '[ "$size" -lt "$off" ] && off=0\n'
    'echo "size $size $off"\n'
    f'tail -c +$((off + 1)) "$f" | head -c {MAX_CHUNK}\n'
)
_PROBE = (f'if [ -r {DEFAULT_LOG} ]; then echo file; '
          'elif command -v journalctl >/dev/null 2>&1; then echo journal; else echo none; fi')


@dataclass
class LogFollower:
    """Where the last poll stopped: a byte offset in `path`, or a journald cursor."""

    kind: str  # "file", "journal" or "none"
    path: str = DEFAULT_LOG
    offset: int = -1  # -1: not started (the first poll only finds the end)
    cursor: str | None = None

    def describe(self) -> str:
        return {"file": self.path, "journal": "journalctl (multipathd and kernel)", "none": "no log"}[self.kind]

    def poll(self, ex: Executor) -> list[str]:
        if self.kind == "file":
            return self._poll_file(ex)
        if self.kind == "journal":
            return self._poll_journal(ex)
        return []

    def _poll_file(self, ex: Executor) -> list[str]:
        start = max(self.offset, 0)
        result = run(ex, ["sh", "-c", _FILE_READ, "sh", self.path, str(start)], what=f"{ex.name}: reading {self.path}")
        head, _newline, body = result.stdout.partition(b"\n")
        words = head.decode("ascii", "replace").split()
        if words[:1] != ["size"] or len(words) != 3:
            return []
        size, start = int(words[1]), int(words[2])
        if self.offset < 0:
            self.offset = size  # first poll: lines written from now on only
            return []
        complete = body[:body.rfind(b"\n") + 1]  # a line still being written is read by the next poll
        self.offset = start + len(complete)
        return _wanted(complete.decode("utf-8", "replace"))

    def _poll_journal(self, ex: Executor) -> list[str]:
        where = [f"--after-cursor={self.cursor}"] if self.cursor else ["-n", "0"]
        argv = ["journalctl", "--no-pager", "-o", "short-iso", "--show-cursor", *where,
                "_COMM=multipathd", "+", "_TRANSPORT=kernel"]
        result = run(ex, argv, what=f"{ex.name}: reading the journal")
        lines = []
        for line in result.stdout.decode("utf-8", "replace").splitlines():
            if line.startswith(_CURSOR):
                self.cursor = line[len(_CURSOR):].strip()
            elif line.strip() and not line.startswith("-- "):
                lines.append(line)
        first = self.offset < 0
        self.offset = 0
        return [] if first else lines


def _wanted(text: str) -> list[str]:
    return [line for line in text.splitlines() if _WANTED.search(line)]


def find_log(ex: Executor, path: str | None) -> LogFollower:
    if path is not None:
        return LogFollower("file", path)
    kind = run(ex, ["sh", "-c", _PROBE], what=f"{ex.name}: looking for the system log").text().strip()
    return LogFollower(kind if kind in ("file", "journal") else "none")
