"""The one interface to a machine: run a command, move files, edit a file in place atomically."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from toolkit.errors import ToolkitError
from toolkit.report import ProgressSink

# Called with ("stdout" | "stderr", chunk) as output arrives, so long commands show progress.
OutputSink = Callable[[str, bytes], None]


class ByteSink(Protocol):
    def write(self, data: bytes, /) -> object: ...


# put_stream's source: called once, it passes the file's bytes, in order, to sink.write (e.g. DdkIso.copy_to).
StreamFill = Callable[[ByteSink], object]

DEFAULT_COMMAND_TIMEOUT = 600.0


class RemoteError(ToolkitError):
    """A host could not be reached, refused us, or dropped the connection. Exit code 1."""


class CommandTimeout(RemoteError):
    """A command ran past its deadline; it was stopped."""


class CommandFailed(RemoteError):
    """A command ran and exited non-zero: what it was for, its exit status and the last lines of its output.

    `message` is one line (for errors that quote it); printed on its own, the output's lines follow it.
    """

    def __init__(self, what: str, result: RunResult, *, tail: int = 3, after: str = "") -> None:
        self.result = result
        self.what = what
        self.tail = result.output_tail(tail).splitlines()
        self.headline = f"{what} failed (exit {result.status}){after}"
        super().__init__(self.headline + (f": {' / '.join(self.tail)}" if self.tail else ""))

    def lines(self) -> list[str]:
        return [self.headline + (":" if self.tail else ""), *(f"  | {line}" for line in self.tail)]


@dataclass(frozen=True)
class RunResult:
    command: str  # as run, shell-quoted
    status: int
    stdout: bytes
    stderr: bytes

    @property
    def ok(self) -> bool:
        return self.status == 0

    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    def output_tail(self, lines: int = 40) -> str:
        """The last lines of stderr and stdout together, for an error message."""
        both = (self.stdout + (b"\n" if self.stdout and self.stderr else b"") + self.stderr).decode("utf-8", "replace")
        return "\n".join(both.rstrip("\n").splitlines()[-lines:])

    def check(self, what: str, *, tail: int = 3, after: str = "") -> RunResult:
        """This result if the command succeeded; else CommandFailed saying `what` failed, with its output."""
        if not self.ok:
            raise CommandFailed(what, self, tail=tail, after=after)
        return self


@dataclass(frozen=True)
class FileInfo:
    size: int
    mode: int  # permission bits only
    uid: int
    gid: int
    is_dir: bool
    is_file: bool


@dataclass(frozen=True)
class Transferred:
    path: str
    size: int
    sha256: str
    resumed_from: int = 0  # bytes already there from an interrupted upload


class Executor(Protocol):
    """A machine to work on. `name` is how messages refer to it ("local", "root@192.0.2.5")."""

    name: str

    def run(self, argv: Sequence[str], *, stdin: bytes | None = None, timeout: float = DEFAULT_COMMAND_TIMEOUT,
            on_output: OutputSink | None = None, step: str = "") -> RunResult:
        """Run argv (no shell on our side), wait for it, return its status and output.

        `step` names what is being done, for the error if the connection drops meanwhile.
        """
        ...

    def put(self, local: Path, remote: str, *, progress: ProgressSink | None = None) -> Transferred:
        """Copy a local file to `remote`; sha256-checked; the target is replaced only when complete."""
        ...

    def get(self, remote: str, local: Path, *, progress: ProgressSink | None = None) -> Transferred:
        """Copy `remote` to a local file; sha256-checked; the local file is replaced only when complete."""
        ...

    def put_stream(self, remote: str, fill: StreamFill, *, size: int | None = None,
                   progress: ProgressSink | None = None) -> Transferred:
        """Write the bytes `fill` produces to `remote` with no local copy: into a hidden temp file beside it,
        sha256-checked (and size-checked against `size`), renamed over `remote` only when complete."""
        ...

    def stat(self, path: str) -> FileInfo | None:
        """The file's metadata (following symlinks), or None if it does not exist."""
        ...

    def read_bytes(self, path: str, limit: int) -> bytes:
        """The whole file; an error if it is larger than `limit` bytes."""
        ...

    def write_atomic(self, path: str, data: bytes, like: FileInfo | None) -> None:
        """Write a temp file in the same directory (mode/owner of `like`), flush it, rename it over `path`."""
        ...

    def close(self) -> None: ...


class HashingSink:
    """The sink put_stream hands to `fill`: passes bytes on to `write`, hashing and counting them on the way, so
    the check after the transfer needs no second read of the source."""

    def __init__(self, write: Callable[[bytes], object], size: int | None, progress: ProgressSink | None) -> None:
        self._write, self.size, self.progress = write, size, progress
        self.digest = hashlib.sha256()
        self.done = 0

    def write(self, data: bytes, /) -> int:
        self._write(data)
        self.digest.update(data)
        self.done += len(data)
        if self.progress is not None:
            self.progress(self.done, self.done if self.size is None else self.size)
        return len(data)

    def check_size(self, remote: str) -> None:
        """A source that gave fewer or more bytes than announced (a truncated ISO...) must not be renamed in."""
        if self.size is not None and self.done != self.size:
            raise ToolkitError(f"{remote}: the source gave {self.done} bytes, {self.size} expected; not written")


def run(ex: Executor, argv: Sequence[str], *, what: str = "", check: bool = True, after: str = "",
        stdin: bytes | None = None, timeout: float = DEFAULT_COMMAND_TIMEOUT, on_output: OutputSink | None = None,
        step: str = "") -> RunResult:
    """Run `argv` on `ex`; with `check` (the default) a non-zero exit raises CommandFailed naming `what`
    (by default the host and the step), with `after` appended to its first line."""
    result = ex.run(argv, stdin=stdin, timeout=timeout, on_output=on_output, step=step)
    return result.check(what or f"{ex.name}: {step or result.command}", after=after) if check else result


def quote_command(argv: Sequence[str]) -> str:
    import shlex

    return shlex.join(argv)
