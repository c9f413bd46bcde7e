"""The one interface to a machine: run a command, move files, edit a file in place atomically."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from toolkit.errors import ToolkitError

# Called with ("stdout" | "stderr", chunk) as output arrives, so long commands show progress.
OutputSink = Callable[[str, bytes], None]
# Called with (bytes done, bytes in all) while a transfer runs.
ProgressSink = Callable[[int, int], None]

DEFAULT_COMMAND_TIMEOUT = 600.0


class RemoteError(ToolkitError):
    """A host could not be reached, refused us, or dropped the connection. Exit code 1."""


class CommandTimeout(RemoteError):
    """A command ran past its deadline; it was stopped."""


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


def quote_command(argv: Sequence[str]) -> str:
    import shlex

    return shlex.join(argv)
