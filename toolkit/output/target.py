"""What an output path names, looked at before anything is written to it.

Replacing a file by renaming a new one over it is right for a regular file and wrong for anything
else: it would turn /dev/null or a FIFO into an ordinary file, and a symlink into a copy. So a
character device, a FIFO or a descriptor path (/dev/stdout, /dev/fd/N, /proc/self/fd/N) is a stream
to write into; a symlink is followed to the file it names (which is replaced; the link stays); a
directory, a block device or a socket is never written.
"""

from __future__ import annotations

import enum
import errno
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

# What a command's `-o -` means: standard output.
STDOUT = Path("-")

# How many links to follow before giving up, as the kernel does (ELOOP after 40).
MAX_LINKS = 40

# /dev/fd/N and /proc/{self,thread-self,PID}/fd/N: links to whatever a process has open, which need not
# be a file with a name (a pipe, a socket): writing follows the descriptor, never the link's text.
_DESCRIPTOR_PATH = re.compile(r"/(?:dev/fd|proc/(?:self|thread-self|(\d+))/fd)/(\d+)")
_STANDARD_STREAMS = {"/dev/stdin": 0, "/dev/stdout": 1, "/dev/stderr": 2}


class Kind(enum.Enum):
    FILE = "a regular file, or none yet"  # replaced atomically
    STREAM = "a character device or FIFO"  # opened for writing
    DESCRIPTOR = "one of this process's open descriptors"  # written through that descriptor
    DIRECTORY = "a directory"
    OTHER = "a block device or socket"


@dataclass(frozen=True)
class OutputTarget:
    kind: Kind
    path: Path  # the path to write: after every symlink was followed
    descriptor: int | None = None  # for Kind.DESCRIPTOR


def output_target(path: Path) -> OutputTarget:
    """What `path` names, every symlink followed: a dangling link names the file to create."""
    current = path
    for _ in range(MAX_LINKS):
        by_descriptor = _descriptor_target(current)
        if by_descriptor is not None:
            return by_descriptor
        try:
            mode = os.lstat(current).st_mode
        except OSError:  # missing, or a parent missing or not a directory: the write says which
            return OutputTarget(Kind.FILE, current)
        if stat.S_ISLNK(mode):
            current = current.parent / os.readlink(current)  # an absolute link text replaces the parent
            continue
        if stat.S_ISREG(mode):
            return OutputTarget(Kind.FILE, current)
        if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
            return OutputTarget(Kind.STREAM, current)
        return OutputTarget(Kind.DIRECTORY if stat.S_ISDIR(mode) else Kind.OTHER, current)
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), str(path))  # reported like any other write error


def _descriptor_target(path: Path) -> OutputTarget | None:
    text = os.path.abspath(path)
    if text in _STANDARD_STREAMS:
        return OutputTarget(Kind.DESCRIPTOR, path, _STANDARD_STREAMS[text])
    match = _DESCRIPTOR_PATH.fullmatch(text)
    if match is None:
        return None
    pid, number = match.groups()
    if pid is not None and int(pid) != os.getpid():
        return OutputTarget(Kind.STREAM, path)  # another process's descriptor: only its path can be opened
    return OutputTarget(Kind.DESCRIPTOR, path, int(number))
