"""`-o` looks at its target first: a device, FIFO or descriptor path is written into, never replaced; a
symlink's target is replaced and the link stays; a directory is refused; `-o -` is standard output.

Every node is made by the test in its own temporary directory: no file of the machine is touched
(the one /dev/stdout case runs the console script with its standard output on a temporary file).
"""

from __future__ import annotations

import os
import socket
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.cli.test_cli import BOOTARGS, HASH, KICKSTART, XENKIT, _command_paths
from tests.conftest import Xenkit
from tests.support.sshhosts import unavailable
from toolkit.cli.main import cli
from toolkit.errors import UsageError
from toolkit.output import write_bytes_atomic


@pytest.fixture
def expected(xenkit: Xenkit) -> str:
    """What `bootargs` prints to standard output without -o."""
    result = xenkit(*BOOTARGS)
    assert result.code == 0, result.err
    return result.out


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.mark.parametrize("args", [BOOTARGS, [*KICKSTART, "--root-password-hash", HASH]], ids=["bootargs", "kickstart"])
def test_output_into_a_character_device_writes_into_it_and_keeps_the_node(
    xenkit: Xenkit, tmp_path: Path, args: list[str]
) -> None:
    """A null device made here (as /dev/null is: char 1,3, mode 0666) stays that device after -o, its mode
    too (a kickstart is written 0600 when it is a file)."""
    if os.geteuid() != 0:
        unavailable("making a device node needs root")
    node = tmp_path / "null"
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    os.chmod(node, 0o666)  # whatever the umask took away
    result = xenkit(*args, "-o", str(node))
    assert result.code == 0, result.err
    info = os.lstat(node)
    assert stat.S_ISCHR(info.st_mode) and info.st_rdev == os.makedev(1, 3)
    assert stat.S_IMODE(info.st_mode) == 0o666
    assert os.listdir(tmp_path) == ["null"]  # no temporary left beside it


def test_output_into_a_fifo_writes_into_it_and_keeps_the_fifo(xenkit: Xenkit, tmp_path: Path, expected: str) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting: opening it for writing does not block
    try:
        result = xenkit(*BOOTARGS, "-o", str(fifo))
        assert result.code == 0, result.err
        try:
            received = os.read(reader, 1 << 16)
        except BlockingIOError:
            received = b""
    finally:
        os.close(reader)
    assert received.decode() == expected
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert os.listdir(tmp_path) == ["fifo"]


@pytest.mark.parametrize("link_text", ["real.txt", "sub/../real.txt", "ABSOLUTE"])
def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(
    xenkit: Xenkit, tmp_path: Path, expected: str, link_text: str
) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old\n")
    real.chmod(0o640)
    (tmp_path / "sub").mkdir()
    text = str(real) if link_text == "ABSOLUTE" else link_text
    (tmp_path / "hop").symlink_to(text)
    link = tmp_path / "link"
    link.symlink_to("hop")  # a chain of two links
    result = xenkit(*BOOTARGS, "-o", str(link))
    assert result.code == 0, result.err
    assert link.is_symlink() and os.readlink(link) == "hop"
    assert os.readlink(tmp_path / "hop") == text
    assert real.read_text() == expected
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the file's mode, as for any file replaced
    assert sorted(os.listdir(tmp_path)) == ["hop", "link", "real.txt", "sub"]


def test_output_through_a_dangling_symlink_creates_its_target(xenkit: Xenkit, tmp_path: Path, expected: str) -> None:
    link = tmp_path / "link"
    link.symlink_to("new.txt")
    result = xenkit(*BOOTARGS, "-o", str(link))
    assert result.code == 0, result.err
    assert link.is_symlink()
    assert (tmp_path / "new.txt").read_text() == expected


@pytest.mark.parametrize("make", ["directory", "link to a directory"])
def test_output_to_a_directory_is_a_one_line_usage_error(xenkit: Xenkit, tmp_path: Path, make: str) -> None:
    (tmp_path / "dir").mkdir()
    target = tmp_path / "dir"
    if make == "link to a directory":
        target = tmp_path / "link"
        target.symlink_to("dir")
    result = xenkit(*BOOTARGS, "-o", str(target))
    assert result.code == 2
    assert result.err.startswith("error: ") and "is a directory" in result.err
    assert len(result.err.splitlines()) <= 2
    assert os.listdir(tmp_path / "dir") == []


def test_output_to_a_socket_is_refused_and_kept(xenkit: Xenkit, tmp_path: Path) -> None:
    path = tmp_path / "sock"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        result = xenkit(*BOOTARGS, "-o", str(path))
    assert result.code == 2
    assert result.err == f"error: -o {path}: not a regular file, character device or FIFO\n"
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_dash_is_standard_output(xenkit: Xenkit, in_tmp: Path, expected: str) -> None:
    result = xenkit(*BOOTARGS, "-o", "-")
    assert (result.code, result.out, result.err) == (0, expected, "")
    assert os.listdir(in_tmp) == []


def test_dot_slash_dash_is_the_file_named_dash(xenkit: Xenkit, in_tmp: Path, expected: str) -> None:
    result = xenkit(*BOOTARGS, "-o", "./-")
    assert (result.code, result.out) == (0, "")
    assert (in_tmp / "-").read_text() == expected


@pytest.mark.parametrize("args", [
    ["kickstart", "list", "--json"], ["template", "releases"], ["ddk", "network", "--hostname", "ddk.example.com",
                                                                 "--ip", "192.0.2.30/24", "--gateway", "192.0.2.1",
                                                                 "--nameserver", "192.0.2.53"],
])
def test_dash_is_standard_output_in_other_commands(xenkit: Xenkit, in_tmp: Path, args: list[str]) -> None:
    plain = xenkit(*args)
    assert plain.code == 0, plain.err
    result = xenkit(*args, "-o", "-")
    assert (result.code, result.out, result.err) == (0, plain.out, "")
    assert os.listdir(in_tmp) == []


@pytest.mark.parametrize("args", [["render", "site.toml"], ["driver", "build", "demo", "--local", "--kernel", "k"]])
def test_dash_for_a_directory_of_files_is_a_usage_error(xenkit: Xenkit, in_tmp: Path, args: list[str]) -> None:
    result = xenkit(*args, "-o", "-")
    assert result.code == 2
    assert result.err.startswith("error: ") and "'-' (standard output) cannot hold a directory" in result.err
    assert os.listdir(in_tmp) == []


def test_every_output_option_is_one_of_the_two_output_types() -> None:
    """Every -o/--output* of every command goes through OutputPath (emit) or OutputDir: the same rules."""
    from toolkit.cli.options import OutputDir, OutputPath

    seen = []
    for path in _command_paths(cli):
        context = click.Context(cli)
        command: click.Command | None = cli
        for name in path:
            assert isinstance(command, click.Group)
            command = command.get_command(context, name)
        assert command is not None
        for param in command.params:
            if "-o" in param.opts or any(opt.startswith("--output") for opt in param.opts):
                assert isinstance(param.type, OutputPath | OutputDir), (path, param.opts)
                seen.append(" ".join(path))
    assert {"render", "bootargs", "kickstart render", "driver build", "ddk network", "ddk import"} <= set(seen)


@pytest.mark.parametrize("path", ["/dev/fd/1", "/proc/self/fd/1", "/dev/stdout"])
def test_descriptor_paths_are_written_through_the_descriptor(tmp_path: Path, expected: str, path: str) -> None:
    """The console script with its standard output on a file opened for appending: -o writes after
    what is there, as `>> out` would, and the file is not replaced (same inode)."""
    out = tmp_path / "out.txt"
    out.write_text("before\n")
    inode = out.stat().st_ino
    with out.open("ab") as stdout:
        run = subprocess.run([str(XENKIT), *BOOTARGS, "-o", path], stdout=stdout, stderr=subprocess.PIPE,
                             text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    assert out.read_text() == "before\n" + expected
    assert out.stat().st_ino == inode


def test_another_descriptor_is_written_through_it(tmp_path: Path, expected: str) -> None:
    read_end, write_end = os.pipe()
    try:
        run = subprocess.run([str(XENKIT), *BOOTARGS, "-o", f"/dev/fd/{write_end}"], pass_fds=(write_end,),
                             capture_output=True, text=True, timeout=120, check=False)
        os.close(write_end)
        write_end = -1
        assert run.returncode == 0, run.stderr
        with os.fdopen(read_end, "rb") as pipe:
            read_end = -1
            assert pipe.read().decode() == expected
    finally:
        for fd in (read_end, write_end):
            if fd >= 0:
                os.close(fd)


@pytest.mark.parametrize(("path", "kind", "descriptor"), [
    ("-", "FILE", None), ("/dev/stdout", "DESCRIPTOR", 1), ("/dev/stderr", "DESCRIPTOR", 2),
    ("/dev/fd/7", "DESCRIPTOR", 7), ("/proc/self/fd/3", "DESCRIPTOR", 3),
    (f"/proc/{os.getpid()}/fd/4", "DESCRIPTOR", 4), ("/proc/1/fd/1", "STREAM", None),
])
def test_output_target_kinds(path: str, kind: str, descriptor: int | None) -> None:
    """Read-only look-ups: what each path would be written as (nothing is opened)."""
    from toolkit.output.target import output_target

    target = output_target(Path(path))
    assert (target.kind.name, target.descriptor) == (kind, descriptor)


def test_replacing_follows_a_symlink_and_refuses_a_fifo(tmp_path: Path) -> None:
    """The library's atomic write (downloads, local file edits) keeps the same rules."""
    (tmp_path / "real").write_bytes(b"old")
    (tmp_path / "link").symlink_to("real")
    write_bytes_atomic(tmp_path / "link", b"new")
    assert (tmp_path / "link").is_symlink() and (tmp_path / "real").read_bytes() == b"new"
    os.mkfifo(tmp_path / "fifo")
    with pytest.raises(UsageError, match="not a regular file"):
        write_bytes_atomic(tmp_path / "fifo", b"new")
    assert stat.S_ISFIFO(os.lstat(tmp_path / "fifo").st_mode)
