"""The SSH executor against real sshd test hosts: commands, host keys, auth, drops, transfers, file edits."""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest

from tests.support.remote_helpers import isolate_home, spec_for
from tests.support.sshhosts import SshHostFactory, SshTestHost
from toolkit.errors import UsageError
from toolkit.output import PART_SUFFIX
from toolkit.remote.executor import CommandTimeout, RemoteError
from toolkit.remote.ssh import SshExecutor, connect
from toolkit.report import reporting_to


@pytest.fixture(autouse=True)
def _clean_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    isolate_home(monkeypatch, tmp_path / "home")


def _connect(host: SshTestHost, **kwargs: object) -> SshExecutor:
    return connect(spec_for(host), timeout=10, **kwargs)  # type: ignore[arg-type]


def test_run_status_output_stdin_and_session_env(shared_ssh_host: SshTestHost) -> None:
    ex = _connect(shared_ssh_host)
    try:
        result = ex.run(["sh", "-c", 'echo "$1"; echo err >&2; cat; exit 7', "sh", "it's a $word"], stdin=b"fed\n")
        assert (result.status, result.stdout, result.stderr) == (7, b"it's a $word\nfed\n", b"err\n")
        path = ex.run(["sh", "-c", "echo $PATH"]).text()
        assert path.startswith(str(shared_ssh_host.bin_dir) + ":")
    finally:
        ex.close()


def test_big_output_on_both_streams_does_not_hang(shared_ssh_host: SshTestHost) -> None:
    ex = _connect(shared_ssh_host)
    try:
        script = "head -c 8000000 /dev/zero >&2; head -c 8000000 /dev/zero; head -c 3000000 /dev/zero >&2"
        seen: list[str] = []
        result = ex.run(["sh", "-c", script], timeout=60, on_output=lambda stream, _: seen.append(stream))
        assert (len(result.stdout), len(result.stderr), result.status) == (8000000, 11000000, 0)
        assert {"stdout", "stderr"} <= set(seen)
        # A command that reads all its input only after writing much output must not deadlock either.
        result = ex.run(["sh", "-c", "head -c 4000000 /dev/zero; wc -c"], stdin=b"x" * 5_000_000, timeout=60)
        assert result.stdout.endswith(b"5000000\n")
    finally:
        ex.close()


def test_command_timeout(shared_ssh_host: SshTestHost) -> None:
    ex = _connect(shared_ssh_host)
    try:
        with pytest.raises(CommandTimeout, match=r"sleeping: still running after 0\.5 s"):
            ex.run(["sleep", "20"], timeout=0.5, step="sleeping")
        assert ex.run(["true"]).ok  # the connection is still usable
    finally:
        ex.close()


def test_unknown_host_is_refused_with_its_fingerprint(ssh_host: SshTestHost, tmp_path: Path) -> None:
    project = tmp_path / "project_known_hosts"
    with pytest.raises(RemoteError) as info:
        connect(spec_for(ssh_host, known_hosts=project), timeout=10)
    fingerprints = ssh_host.host_fingerprints.values()
    assert "host key not known" in info.value.message
    assert any(fp in info.value.message for fp in fingerprints)
    assert "--trust-new-host" in (info.value.hint or "") and not project.exists()


def test_trust_new_host_records_it_and_says_so(ssh_host: SshTestHost, tmp_path: Path) -> None:
    project = tmp_path / "project_known_hosts"
    said: list[str] = []
    with reporting_to(said.append):
        connect(spec_for(ssh_host, known_hosts=project), trust_new=True, timeout=10).close()
    recorded = project.read_text()
    assert recorded.startswith(ssh_host.known_hosts_name + " ")
    assert len(said) == 1 and "trusting new host" in said[0] and str(project) in said[0]
    with reporting_to(said.append):
        connect(spec_for(ssh_host, known_hosts=project), timeout=10).close()  # now known
    assert len(said) == 1


def test_changed_host_key_is_refused_naming_both_fingerprints(ssh_host: SshTestHost) -> None:
    old = dict(ssh_host.host_fingerprints)
    new = ssh_host.rotate_host_key()
    for trust in (False, True):  # --trust-new-host never accepts a changed key
        with pytest.raises(RemoteError) as info:
            connect(spec_for(ssh_host), trust_new=trust, timeout=10)
        message = info.value.message
        assert "HOST KEY CHANGED" in message
        assert any(fp in message for fp in old.values()) and any(fp in message for fp in new.values())
    assert ssh_host.known_hosts.read_text().count("\n") == len(old)  # nothing recorded


def test_wrong_key_and_closed_port(ssh_host: SshTestHost, tmp_path: Path) -> None:
    from tests.support.sshhosts import make_keypair

    other = tmp_path / "other_key"
    make_keypair(other).wait()
    spec = spec_for(ssh_host)
    with pytest.raises(RemoteError, match=r"authentication as .* failed"):
        connect(type(spec)(**{**spec.__dict__, "identity": other}), timeout=10)
    ssh_host.stop()
    with pytest.raises(RemoteError, match="connection refused"):
        connect(spec, timeout=10)


def test_dropped_connection_names_the_step(ssh_host: SshTestHost) -> None:
    ex = _connect(ssh_host)
    threading.Timer(1.0, ssh_host.kill).start()
    started = time.monotonic()
    with pytest.raises(RemoteError, match="connection lost while: waiting for the build"):
        ex.run(["sleep", "60"], step="waiting for the build", timeout=60)
    assert time.monotonic() - started < 30
    ex.close()


def test_legacy_host_needs_the_legacy_option(ssh_host_factory: SshHostFactory) -> None:
    old = ssh_host_factory(legacy=True)
    ex = connect(spec_for(old, legacy=True), timeout=10)
    try:
        assert ex.run(["echo", "ok"]).stdout == b"ok\n"
    finally:
        ex.close()
    with pytest.raises(RemoteError, match=r"authentication as .* failed") as info:
        connect(spec_for(old, legacy=False), timeout=10)
    assert "legacy = true" in (info.value.hint or "")


def _random_file(path: Path, size: int) -> str:
    data = os.urandom(size)
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest()


def test_put_and_get_are_sha256_checked(shared_ssh_host: SshTestHost, tmp_path: Path) -> None:
    local = tmp_path / "blob"
    digest = _random_file(local, 3_000_001)
    remote = str(tmp_path / "remote-blob")
    ex = _connect(shared_ssh_host)
    try:
        progress: list[int] = []
        sent = ex.put(local, remote, progress=lambda done, total: progress.append(done))
        assert (sent.sha256, sent.size, sent.resumed_from) == (digest, 3_000_001, 0)
        assert progress[-1] == 3_000_001 and Path(remote).read_bytes() == local.read_bytes()
        assert not Path(remote + PART_SUFFIX).exists()
        back = tmp_path / "back"
        got = ex.get(remote, back)
        assert got.sha256 == digest and back.read_bytes() == local.read_bytes()
        with pytest.raises(UsageError, match="does not exist"):
            ex.get(str(tmp_path / "missing"), tmp_path / "x")
        assert not (tmp_path / "x").exists()
    finally:
        ex.close()


def test_upload_resumes_from_a_good_part_file_and_restarts_from_a_bad_one(shared_ssh_host: SshTestHost,
                                                                            tmp_path: Path) -> None:
    local = tmp_path / "blob"
    digest = _random_file(local, 2_000_000)
    remote = tmp_path / "target"
    part = Path(str(remote) + PART_SUFFIX)
    part.write_bytes(local.read_bytes()[:1_234_567])
    ex = _connect(shared_ssh_host)
    try:
        sent = ex.put(local, str(remote))
        assert (sent.resumed_from, sent.sha256) == (1_234_567, digest) and remote.read_bytes() == local.read_bytes()
        part.write_bytes(b"not a prefix of it")
        assert ex.put(local, str(remote)).resumed_from == 0 and remote.read_bytes() == local.read_bytes()
    finally:
        ex.close()


def test_upload_cut_off_midway_leaves_the_target_alone_and_resumes(ssh_host: SshTestHost, tmp_path: Path) -> None:
    local = tmp_path / "big"
    digest = _random_file(local, 48 << 20)
    remote = tmp_path / "target"
    remote.write_bytes(b"the old version\n")
    ex = _connect(ssh_host)
    killed = threading.Event()

    def cut(done: int, total: int) -> None:
        if done >= total // 3 and not killed.is_set():
            killed.set()
            ssh_host.kill()

    with pytest.raises(RemoteError) as info:
        ex.put(local, str(remote), progress=cut)
    ex.close()
    assert "connection lost" in info.value.message and "resume" in (info.value.hint or "")
    assert remote.read_bytes() == b"the old version\n"  # never half-replaced
    part = Path(str(remote) + PART_SUFFIX)
    assert 0 < part.stat().st_size < 48 << 20
    ssh_host.restart()
    ex = _connect(ssh_host)
    try:
        sent = ex.put(local, str(remote))
    finally:
        ex.close()
    assert sent.resumed_from > 0 and sent.sha256 == digest
    assert hashlib.sha256(remote.read_bytes()).hexdigest() == digest and not part.exists()


def test_stat_read_and_atomic_write_over_sftp(shared_ssh_host: SshTestHost, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("old\n")
    target.chmod(0o640)
    ex = _connect(shared_ssh_host)
    try:
        info = ex.stat(str(target))
        assert info is not None and info.mode == 0o640 and info.is_file and not info.is_dir
        assert ex.stat(str(tmp_path / "nope")) is None
        ex.write_atomic(str(target), b"new\n", info)
        assert target.read_text() == "new\n" and target.stat().st_mode & 0o7777 == 0o640
        assert ex.read_bytes(str(target), 100) == b"new\n"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "home"]  # no temp file left
        with pytest.raises(UsageError, match="4 bytes, larger than 2"):
            ex.read_bytes(str(target), 2)
    finally:
        ex.close()


def test_output_closed_early_does_not_spin(shared_ssh_host: SshTestHost) -> None:
    ex = _connect(shared_ssh_host)
    try:
        cpu = time.process_time()
        result = ex.run(["sh", "-c", "exec >&- 2>&-; sleep 2; exit 4"], timeout=30)
        assert result.status == 4
        assert time.process_time() - cpu < 0.5  # waited on the exit status, not in a busy loop
    finally:
        ex.close()


def test_known_hosts_lines_paramiko_cannot_read_are_skipped(ssh_host: SshTestHost, tmp_path: Path) -> None:
    known = tmp_path / "known"
    known.write_bytes(b"@cert-authority *.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMq\n"
                      b"\xff\xfe not utf-8 at all\n" + ssh_host.known_hosts.read_bytes())
    connect(spec_for(ssh_host, known_hosts=known), timeout=10).close()


def test_a_revoked_key_is_refused(ssh_host: SshTestHost, tmp_path: Path) -> None:
    known = tmp_path / "known"
    revoked = "".join(f"@revoked {ssh_host.known_hosts_name} {key}\n" for key in ssh_host.host_keys.values())
    known.write_text(revoked + ssh_host.known_hosts.read_text())
    with pytest.raises(RemoteError, match="@revoked"):
        connect(spec_for(ssh_host, known_hosts=known), timeout=10)


def test_missing_identity_file_is_a_usage_error(ssh_host: SshTestHost, tmp_path: Path) -> None:
    spec = spec_for(ssh_host)
    with pytest.raises(UsageError, match=r"identity file .*nope does not exist"):
        connect(type(spec)(**{**spec.__dict__, "identity": tmp_path / "nope"}))


def test_download_of_a_directory_is_refused(shared_ssh_host: SshTestHost, tmp_path: Path) -> None:
    ex = _connect(shared_ssh_host)
    try:
        with pytest.raises(UsageError, match=": not a regular file"):
            ex.get(str(tmp_path), tmp_path / "out")
    finally:
        ex.close()
