"""Uploads streamed into a tee on a real sshd test host (Python, `tee | openssl dgst`, `tee | sha256sum`): the host
hashes the bytes while they arrive, falls back to SFTP where it cannot, and a wrong digest or a failed write never
replaces the target.

Programs in the host's bin_dir (first in its sessions' PATH) stand in for the host's own python3, openssl, sha256sum,
tee or sh.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.remote_helpers import isolate_home, spec_for
from tests.support.sshhosts import SshTestHost
from toolkit.output import PART_SUFFIX
from toolkit.remote.executor import RemoteError
from toolkit.remote.ssh import SshExecutor, connect
from toolkit.remote.tee_upload import _TEE_OF, TeeUpload, _parse

WRONG = "0" * 64


@pytest.fixture(autouse=True)
def _clean_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_home(monkeypatch, tmp_path / "home")


@pytest.fixture
def ex(ssh_host: SshTestHost) -> Iterator[SshExecutor]:
    executor = connect(spec_for(ssh_host), timeout=10)
    yield executor
    executor.close()


def _program(host: SshTestHost, name: str, body: str) -> None:
    path = host.bin_dir / name
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)


def _logged(host: SshTestHost, log: Path, *names: str) -> None:
    """Each of `names` logs its arguments to `log`, then runs the real program."""
    for name in names:
        real = shutil.which(name)
        assert real is not None
        _program(host, name, f'echo "{name} $*" >>{log}\nexec {real} "$@"')


def _blob(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def _stream(data: bytes) -> object:
    def fill(sink: object) -> None:
        for start in range(0, len(data), 100_000):
            sink.write(data[start:start + 100_000])  # type: ignore[attr-defined]

    return fill


TEES = ("python3", "openssl", "sha256sum")  # in the order the host tries them (`python` after python3)


def _only(host: SshTestHost, tee: str) -> None:
    """The host's tees before `tee` fail their probe, so that `tee` is used."""
    tried = ("python3", "python", "openssl", "sha256sum")
    for name in tried[:tried.index(tee)]:
        _program(host, name, "exit 1")


@pytest.mark.parametrize("tee", TEES)
def test_the_host_hashes_the_upload_while_it_arrives(ssh_host: SshTestHost, ex: SshExecutor, tmp_path: Path,
                                                     tee: str) -> None:
    log = tmp_path / "calls"
    _only(ssh_host, tee)
    _logged(ssh_host, log, *(name for name in ("openssl", "sha256sum") if tee != "sha256sum" or name == tee))
    local, remote = tmp_path / "blob", tmp_path / "target"
    digest = _blob(local, 3_000_001)
    sent = ex.put(local, str(remote))
    assert (sent.sha256, sent.resumed_from) == (digest, 0) and remote.read_bytes() == local.read_bytes()
    assert _TEE_OF[ex] == tee
    calls = log.read_text().splitlines() if log.exists() else []
    assert not [call for call in calls if PART_SUFFIX in call]  # the part file is not read again afterwards
    assert calls == {"python3": [], "openssl": ["openssl dgst -sha256"] * 2, "sha256sum": ["sha256sum "] * 2}[tee]
    # A cut-off upload resumes through the tee too: the digest covers the part file's old bytes and the new ones.
    Path(str(remote) + PART_SUFFIX).write_bytes(local.read_bytes()[:777_777])
    log.unlink(missing_ok=True)
    resumed = ex.put(local, str(remote))
    assert (resumed.sha256, resumed.resumed_from) == (digest, 777_777) and remote.read_bytes() == local.read_bytes()
    assert [call for call in log.read_text().splitlines() if PART_SUFFIX in call] == [
        f"sha256sum -- {remote}{PART_SUFFIX}"]  # only the check of the old part file before resuming
    (tmp_path / "empty").write_bytes(b"")
    assert ex.put(tmp_path / "empty", str(remote)).sha256 == hashlib.sha256(b"").hexdigest()
    assert remote.read_bytes() == b""
    data = os.urandom(250_001)
    streamed = ex.put_stream(str(tmp_path / "streamed"), _stream(data), size=len(data))  # type: ignore[arg-type]
    assert streamed.sha256 == hashlib.sha256(data).hexdigest() and (tmp_path / "streamed").read_bytes() == data


@pytest.mark.parametrize("tee", TEES)
def test_old_dom0_shell_bash(ssh_host: SshTestHost, ex: SshExecutor, tmp_path: Path, tee: str) -> None:
    """Old dom0s' sh is bash (3.2); this machine's may be dash."""
    _program(ssh_host, "sh", f'exec {shutil.which("bash")} "$@"')
    _only(ssh_host, tee)
    local, remote = tmp_path / "blob", tmp_path / "target"
    digest = _blob(local, 1_000_000)
    assert ex.put(local, str(remote)).sha256 == digest and remote.read_bytes() == local.read_bytes()
    assert _TEE_OF[ex] == tee


def _old_pythons() -> list[str]:
    """Python 2.7 and 3.6 (the dom0s' of XenServer 7 and Citrix Hypervisor 8), where this machine has them."""
    found = [shutil.which(name) for name in ("python2.7", "python3.6")]
    found += [str(p) for p in sorted(Path.home().glob(".pyenv/versions/*/bin/python"))
              if p.parent.parent.name.startswith(("2.7.", "3.6."))]
    works = []
    for path in dict.fromkeys(p for p in found if p):
        if subprocess.run([path, "-c", "import hashlib"], capture_output=True, check=False).returncode == 0:
            works.append(path)
    return works


@pytest.mark.parametrize("python", _old_pythons() or [pytest.param("", marks=pytest.mark.skip("no old Python"))])
def test_the_python_tee_on_old_pythons(ssh_host: SshTestHost, ex: SshExecutor, tmp_path: Path, python: str) -> None:
    _program(ssh_host, "python3", f'exec {python} "$@"')
    local, remote = tmp_path / "blob", tmp_path / "target"
    digest = _blob(local, 1_000_000)
    assert ex.put(local, str(remote)).sha256 == digest and remote.read_bytes() == local.read_bytes()
    Path(str(remote) + PART_SUFFIX).write_bytes(local.read_bytes()[:1234])
    assert ex.put(local, str(remote)).resumed_from == 1234 and remote.read_bytes() == local.read_bytes()
    assert _TEE_OF[ex] == "python3"
    Path(str(remote) + PART_SUFFIX).symlink_to("/dev/full")
    with pytest.raises(RemoteError, match=r"failed \(.*No space left on device\) while uploading"):
        ex.put(local, str(remote))


def test_without_a_hash_program_the_bytes_go_over_sftp(ssh_host: SshTestHost, ex: SshExecutor,
                                                       tmp_path: Path) -> None:
    for name in ("python3", "python", "openssl"):
        _program(ssh_host, name, "exit 127")
    _program(ssh_host, "sha256sum", "exit 127")  # and the part file is read back over SFTP to hash it
    local, remote = tmp_path / "blob", tmp_path / "target"
    digest = _blob(local, 1_000_000)
    assert ex.put(local, str(remote)).sha256 == digest and remote.read_bytes() == local.read_bytes()
    data = os.urandom(250_001)
    streamed = ex.put_stream(str(tmp_path / "streamed"), _stream(data), size=len(data))  # type: ignore[arg-type]
    assert streamed.sha256 == hashlib.sha256(data).hexdigest() and (tmp_path / "streamed").read_bytes() == data
    assert sorted(os.listdir(tmp_path)) == ["blob", "home", "streamed", "target"]


def test_a_wrong_digest_from_the_host_never_replaces_the_target(ssh_host: SshTestHost, ex: SshExecutor,
                                                                tmp_path: Path) -> None:
    _only(ssh_host, "openssl")
    _program(ssh_host, "openssl", f'[ -t 0 ] || cat >/dev/null; echo "SHA2-256(stdin)= {WRONG}"')
    local, remote = tmp_path / "blob", tmp_path / "target"
    digest = _blob(local, 1_000_000)
    remote.write_bytes(b"the old version\n")
    with pytest.raises(RemoteError, match=f"sha256 after upload is {WRONG}, expected {digest}; the part file was"):
        ex.put(local, str(remote))
    streamed = tmp_path / "streamed"
    with pytest.raises(RemoteError, match=f"sha256 after upload is {WRONG}, expected .*; not written"):
        ex.put_stream(str(streamed), _stream(b"data"), size=4)  # type: ignore[arg-type]
    assert remote.read_bytes() == b"the old version\n" and sorted(os.listdir(tmp_path)) == ["blob", "home", "target"]


@pytest.mark.parametrize("tee", TEES)
def test_a_failed_write_keeps_the_target_and_says_why(ssh_host: SshTestHost, ex: SshExecutor, tmp_path: Path,
                                                      tee: str) -> None:
    _only(ssh_host, tee)
    local, remote = tmp_path / "blob", tmp_path / "target"
    _blob(local, 1_000_000)
    remote.write_bytes(b"the old version\n")
    part = Path(str(remote) + PART_SUFFIX)
    part.symlink_to("/dev/full")  # every write: No space left on device
    with pytest.raises(RemoteError, match=r"failed \(.*No space left on device\) while uploading") as info:
        ex.put(local, str(remote))
    assert "resume" in (info.value.hint or "") and remote.read_bytes() == b"the old version\n"


def test_a_failed_tee_in_a_stream_leaves_nothing(ssh_host: SshTestHost, ex: SshExecutor, tmp_path: Path) -> None:
    # A tee that runs out of room: some bytes in the part file, the rest dropped, exit status 1.
    _only(ssh_host, "openssl")
    _program(ssh_host, "tee", 'for last; do :; done\nhead -c 1000 >"$last"\ncat >/dev/null\n'
                              'echo "tee: $last: No space left on device" >&2\nexit 1')
    with pytest.raises(RemoteError, match=r"No space left on device.*while writing"):
        ex.put_stream(str(tmp_path / "streamed"), _stream(b"x" * 5000), size=5000)  # type: ignore[arg-type]
    assert sorted(os.listdir(tmp_path)) == ["home"]  # the stream's part file removed


class _Channel:
    out_max_packet_size = 32768

    def __init__(self) -> None:
        self.sent: list[int] = []

    def sendall(self, data: bytes) -> None:
        self.sent.append(len(data))


def test_writes_go_out_one_packet_at_a_time() -> None:
    channel = _Channel()
    upload = TeeUpload(channel, b"")
    upload.write(b"x" * (1 << 20))
    assert max(channel.sent) == 32768 - 64 and sum(channel.sent) == 1 << 20
    assert upload.chunk % (32768 - 64) == 0  # the reader's chunks: whole packets, no short one after each


@pytest.mark.parametrize("line", [f"SHA2-256(stdin)= {'ab' * 32}", f"(stdin)= {'ab' * 32}", f"{'ab' * 32}  -",
                                  "ab" * 32])
def test_every_hash_program_s_output_is_read(line: str) -> None:
    report = f"xenkit-tee openssl\nxenkit-ready\nxenkit-write 0\nxenkit-sum {line}\nxenkit-size 12\n".encode()
    got = _parse(report, 0)
    assert (got.sha256, got.size, got.problem()) == ("ab" * 32, 12, None)
    assert _parse(report, 1).sha256 is None  # the script failed: its report is not trusted
