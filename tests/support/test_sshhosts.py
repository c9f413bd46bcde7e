"""tests.support.sshhosts: the loopback OpenSSH test hosts work, proved with real clients (OpenSSH ssh and paramiko).

These tests pin what the SSH tests of xenkit rely on: host key checking against the fixture's known_hosts,
key-only login, the session environment (bin_dir first on PATH, extra variables), SFTP, a server that
dies or changes its key, writes to /etc that stay in a private namespace, and how an old ssh-rsa-only
server treats paramiko.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import paramiko
import pytest

from tests.conftest import require_program
from tests.support.process_tree import process_alive
from tests.support.ssh_test_host import fingerprint
from tests.support.sshhosts import SshHostFactory, SshTestHost, make_keypair

# The fixtures ssh_host, ssh_host_factory and shared_ssh_host come from the plugin tests/conftest.py loads.


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)


@contextmanager
def connected(host: SshTestHost, **kwargs: object) -> Iterator[paramiko.SSHClient]:
    """A paramiko client that trusts only the host's known_hosts file (RejectPolicy for anything else)."""
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.RejectPolicy())
    client.load_host_keys(str(host.known_hosts))
    try:
        client.connect(**{**host.connect_kwargs(), **kwargs})
        yield client
    finally:
        client.close()


def remote(client: paramiko.SSHClient, command: str) -> tuple[int, str]:
    _, out, _ = client.exec_command(command, timeout=10)
    text = out.read().decode()
    return out.channel.recv_exit_status(), text


def test_openssh_session_has_bin_dir_first_on_path_and_the_env(ssh_host_factory: SshHostFactory) -> None:
    host = ssh_host_factory(env={"XE_STATE": "/tmp/xe state,1.json"})
    xe = host.bin_dir / "xe"
    xe.write_text('#!/bin/sh\necho "fake xe $* state=$XE_STATE"\n')
    xe.chmod(0o755)
    result = run(host.ssh_argv('echo "$PATH"; command -v xe; xe vm-list'))
    assert result.returncode == 0, result.stderr + host.log_text()
    path, found, output = result.stdout.splitlines()
    assert path.split(":")[0] == str(host.bin_dir)
    assert found == str(xe)
    assert output == "fake xe vm-list state=/tmp/xe state,1.json"
    host.set_env({"XE_STATE": "/other"})  # read from authorized_keys at each login: no restart needed
    assert run(host.ssh_argv('echo "$XE_STATE"')).stdout == "/other\n"


def test_env_values_that_cannot_be_passed_are_refused(ssh_host: SshTestHost) -> None:
    for env in ({"XE STATE": "x"}, {"XE_STATE": 'a"b'}, {"XE_STATE": "a\nb"}):
        with pytest.raises(ValueError, match="environment"):
            ssh_host.set_env(env)


def test_password_login_is_refused(shared_ssh_host: SshTestHost) -> None:
    host = shared_ssh_host
    result = run(host.ssh_argv("true", options=["PubkeyAuthentication=no", "PreferredAuthentications=password"]))
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr
    with pytest.raises(paramiko.BadAuthenticationType) as info, connected(host, key_filename=None, password="x"):
        pass
    assert info.value.allowed_types == ["publickey"]


def test_a_key_not_in_authorized_keys_is_refused(shared_ssh_host: SshTestHost, tmp_path: Path) -> None:
    wrong = tmp_path / "wrong_key"
    assert make_keypair(wrong).wait(timeout=30) == 0
    result = run(shared_ssh_host.ssh_argv("true", key=wrong))
    assert result.returncode == 255
    assert "Permission denied (publickey)" in result.stderr
    with pytest.raises(paramiko.AuthenticationException), connected(shared_ssh_host, key_filename=str(wrong)):
        pass


def test_paramiko_with_reject_policy_checks_known_hosts(shared_ssh_host: SshTestHost) -> None:
    host = shared_ssh_host
    with connected(host) as client:
        assert remote(client, "echo hello; whoami") == (0, f"hello\n{host.user}\n")
        key = client.get_transport().get_remote_server_key()
        assert key.fingerprint == host.host_fingerprints[key.get_name()]
    stranger = paramiko.SSHClient()  # the same host, but nothing trusted: RejectPolicy must refuse it
    stranger.set_missing_host_key_policy(paramiko.RejectPolicy())
    with pytest.raises(paramiko.SSHException, match="not found in known_hosts"):
        stranger.connect(**host.connect_kwargs())
    stranger.close()


def test_fingerprints_and_known_hosts_match_what_the_server_sends(shared_ssh_host: SshTestHost,
                                                                   tmp_path: Path) -> None:
    host = shared_ssh_host
    scanned = run([require_program("ssh-keyscan"), "-p", str(host.port), host.address]).stdout
    assert sorted(scanned.splitlines()) == sorted(host.known_hosts.read_text().splitlines())
    assert set(host.host_fingerprints) == {"ssh-ed25519", "ssh-rsa"}
    for key_type, line in host.host_keys.items():
        (tmp_path / "key.pub").write_text(line + "\n")
        assert fingerprint(tmp_path / "key.pub") == host.host_fingerprints[key_type]
        assert host.host_fingerprints[key_type].startswith("SHA256:")


def test_sftp_puts_and_gets_files(shared_ssh_host: SshTestHost, tmp_path: Path) -> None:
    local, target = tmp_path / "local.txt", tmp_path / "uploaded.txt"  # the "remote" is this machine
    local.write_text("over sftp\n")
    with connected(shared_ssh_host) as client, client.open_sftp() as sftp:
        sftp.put(str(local), str(target))
        assert sftp.stat(str(target)).st_size == len("over sftp\n")
        assert "uploaded.txt" in sftp.listdir(str(tmp_path))
        sftp.get(str(target), str(tmp_path / "back.txt"))
    assert (tmp_path / "back.txt").read_text() == "over sftp\n"


def test_a_rotated_host_key_is_refused_until_trusted_again(ssh_host: SshTestHost) -> None:
    old = dict(ssh_host.host_fingerprints)
    new = ssh_host.rotate_host_key()
    assert set(new) == set(old) and not set(new.values()) & set(old.values())
    with pytest.raises(paramiko.BadHostKeyException), connected(ssh_host):
        pass
    result = run(ssh_host.ssh_argv("true"))
    assert result.returncode == 255 and "REMOTE HOST IDENTIFICATION HAS CHANGED" in result.stderr
    ssh_host.write_known_hosts()
    with connected(ssh_host) as client:
        assert remote(client, "echo back")[1] == "back\n"


def test_kill_drops_sessions_and_the_port_refuses_until_restart(ssh_host: SshTestHost) -> None:
    with connected(ssh_host) as client:
        _, out, _ = client.exec_command("echo $$; exec sleep 60", timeout=10)
        sleeper = int(out.readline())
        ssh_host.kill()
        assert out.read() == b""  # the session ends at once (a hung one would time out in 10 s)
        assert not process_alive(sleeper)
    assert ssh_host.pid is None
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((ssh_host.address, ssh_host.port), timeout=5).close()
    ssh_host.restart()  # same address, port and host keys: known_hosts still holds
    with connected(ssh_host) as client:
        assert remote(client, "echo up")[1] == "up\n"


def test_stop_ends_sessions_left_open(ssh_host: SshTestHost) -> None:
    with connected(ssh_host) as client:
        _, out, _ = client.exec_command("echo $$; exec sleep 60", timeout=10)
        sleeper = int(out.readline())
        assert process_alive(sleeper)
        ssh_host.stop()
        assert not process_alive(sleeper)


def test_a_start_that_fails_reports_the_sshd_log(ssh_host: SshTestHost) -> None:
    ssh_host.stop()
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind((ssh_host.address, ssh_host.port))
        squatter.listen()
        with pytest.raises(RuntimeError, match="did not start") as info:
            ssh_host.start()
    assert "Cannot bind any address" in str(info.value)


def test_private_mounts_keep_writes_to_etc_inside_the_namespace(ssh_host_factory: SshHostFactory,
                                                                tmp_path: Path) -> None:
    host = ssh_host_factory(private_mounts=["/etc"])
    name = f"xenkit-sshhosts-{uuid.uuid4().hex}"
    by_ssh, by_sftp = Path("/etc", name), Path("/etc", f"{name}.sftp")
    (tmp_path / "upload").write_text("by sftp\n")
    try:
        assert os.readlink(f"/proc/{host.pid}/ns/mnt") != os.readlink("/proc/self/ns/mnt")
        result = run(host.ssh_argv(f"echo by ssh > {by_ssh}"))
        assert result.returncode == 0, result.stderr + host.log_text()
        with connected(host) as client, client.open_sftp() as sftp:
            sftp.put(str(tmp_path / "upload"), str(by_sftp))
        assert host.run_inside(["cat", str(by_ssh), str(by_sftp)]).stdout == "by ssh\nby sftp\n"
        assert not by_ssh.exists() and not by_sftp.exists()  # the machine's real /etc is untouched
        host.kill()  # the namespace outlives sshd: still readable, and still there after a restart
        assert host.run_inside(["cat", str(by_ssh)]).stdout == "by ssh\n"
        host.restart()
        assert run(host.ssh_argv(f"cat {by_ssh}")).stdout == "by ssh\n"
    finally:
        for leaked in (by_ssh, by_sftp):  # only if the namespace failed; keep the machine clean anyway
            leaked.unlink(missing_ok=True)


def test_private_mounts_refuse_a_directory_holding_the_host(ssh_host_factory: SshHostFactory) -> None:
    with pytest.raises(ValueError, match="cannot make"):
        ssh_host_factory(private_mounts=["/tmp"])


def test_legacy_host_wants_ssh_rsa_and_paramiko_reaches_it_only_below_5(ssh_host_factory: SshHostFactory) -> None:
    """What an ssh-rsa-only (SHA-1) server does to our clients; paramiko's side depends on its major version.

    OpenSSH 9.2 connects once told to allow ssh-rsa for both the host key and the user key signature.
    paramiko 3.x/4.x: the host key works (ssh-rsa is its last choice); then it signs with rsa-sha2-512, since
    OpenSSH 9.2 lists that in server-sig-algs whatever PubkeyAcceptedAlgorithms says, and the server refuses
    (SSHClient then reports "Invalid key"). disabled_algorithms={"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]}
    makes it sign with ssh-rsa, and it logs in. paramiko 5.x dropped ssh-rsa (SHA-1) entirely: key
    exchange fails ("no acceptable host key") with or without that option; nothing in its API brings it back.
    """
    host = ssh_host_factory(legacy=True)
    assert set(host.host_keys) == {"ssh-rsa"}
    assert run(host.ssh_argv("true")).returncode == 255
    assert host.wait_for_log("no matching host key type found")  # sshd 9.2 says so; the client is quiet
    denied = run(host.ssh_argv("true", options=["HostKeyAlgorithms=ssh-rsa"]))
    assert "Permission denied (publickey)" in denied.stderr  # an rsa-sha2 signature is not accepted
    allowed = run(host.ssh_argv("echo old", options=["HostKeyAlgorithms=ssh-rsa", "PubkeyAcceptedAlgorithms=ssh-rsa"]))
    assert allowed.stdout == "old\n", allowed.stderr + host.log_text()
    legacy_option = {"disabled_algorithms": {"pubkeys": ["rsa-sha2-512", "rsa-sha2-256"]}}
    if int(paramiko.__version__.split(".")[0]) >= 5:
        for extra in ({}, legacy_option):
            with pytest.raises(paramiko.ssh_exception.IncompatiblePeer, match="no acceptable host key"), \
                    connected(host, **extra):
                pass
        return
    with pytest.raises(paramiko.SSHException), connected(host):
        pass
    assert host.wait_for_log("signature algorithm rsa-sha2-512 not in PubkeyAcceptedAlgorithms")
    with connected(host, **legacy_option) as client:
        assert remote(client, "echo old") == (0, "old\n")
