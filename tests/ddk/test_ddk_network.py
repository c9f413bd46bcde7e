"""`xenkit ddk network --host`: the DDK VM's files merged over SSH into a real sshd test host's private /etc,
with backups, all or nothing."""

from __future__ import annotations

import base64
import shlex
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ddk.network_samples import (
    ARGS,
    IFCFG,
    IFCFG_DONE,
    IFCFG_PATH,
    NET,
    NETWORK,
    NETWORK_DONE,
    RESOLV,
    RESOLV_DONE,
    Xenkit,
)
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost
from toolkit.ddk.network_files import (
    NETWORK_PATH,
    RESOLV_PATH,
    render_all,
)

# ---- over SSH, on a real sshd whose /etc is a private copy ----

@pytest.fixture(scope="module")
def real_etc() -> dict[str, bytes | None]:
    paths = [IFCFG_PATH, NETWORK_PATH, RESOLV_PATH]
    return {p: Path(p).read_bytes() if Path(p).is_file() else None for p in paths}


@pytest.fixture
def guest(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          real_etc: dict[str, bytes | None]) -> Iterator[SshTestHost]:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "ddk", host)
    _inside(host, "mkdir -p /etc/sysconfig/network-scripts && rm -f /etc/resolv.conf && "
                  f"printf %s {shlex.quote(IFCFG)} > {IFCFG_PATH} && chmod 0600 {IFCFG_PATH} && "
                  f"printf %s {shlex.quote(NETWORK)} > {NETWORK_PATH} && "
                  f"printf %s {shlex.quote(RESOLV)} > {RESOLV_PATH}")
    yield host
    # Whatever the test did happened in the namespace only.
    assert {p: Path(p).read_bytes() if Path(p).is_file() else None for p in real_etc} == real_etc
    assert not list(Path("/etc").glob("resolv.conf.xenkit-*"))


def _inside(host: SshTestHost, script: str) -> str:
    result = host.run_inside(["sh", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout


def _read(host: SshTestHost, path: str) -> str:
    result = host.run_inside(["base64", "-w0", path])
    assert result.returncode == 0, result.stderr
    return base64.b64decode(result.stdout).decode()


def _backups(host: SshTestHost, path: str) -> list[str]:
    directory, name = path.rsplit("/", 1)
    listed = _inside(host, f"ls -a {directory}").split()
    return sorted(f"{directory}/{n}" for n in listed if n.startswith(f"{name}.xenkit-") and n.endswith(".bak"))


def test_merge_over_ssh_with_backups_then_nothing_to_do(xenkit: Xenkit, guest: SshTestHost) -> None:
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 0, result.err
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG_DONE, NETWORK_DONE, RESOLV_DONE)
    for path, old in ((IFCFG_PATH, IFCFG), (NETWORK_PATH, NETWORK), (RESOLV_PATH, RESOLV)):
        [backup] = _backups(guest, path)
        assert _read(guest, backup) == old
        assert f"{path}: changed; backup: {backup}" in result.out
    assert _inside(guest, f"stat -c %a {IFCFG_PATH}").strip() == "600"  # mode kept
    assert "  PREFIX=8: removed" in result.out and "  nameservers: 10.0.0.1, 10.0.0.2 -> " in result.out
    assert "service network restart" in result.out and "hostname ddk.example.com" in result.out
    assert _inside(guest, "ls -a /etc /etc/sysconfig/network-scripts | grep -c xenkit-tmp || true").strip() == "0"
    again = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert again.code == 0, again.err
    assert again.out.count(": unchanged\n") == 3 and "next:" not in again.out
    assert all(len(_backups(guest, p)) == 1 for p in (IFCFG_PATH, NETWORK_PATH, RESOLV_PATH))


def test_diff_shows_and_writes_nothing(xenkit: Xenkit, guest: SshTestHost) -> None:
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk", "--diff")
    assert result.code == 0, result.err
    assert f"--- {guest.user}@{guest.address}:{guest.port}:{IFCFG_PATH}\n" in result.out
    assert "-PREFIX=8\n" in result.out and "+nameserver 192.0.2.53\n" in result.out
    assert _read(guest, IFCFG_PATH) == IFCFG and _backups(guest, IFCFG_PATH) == []


def test_missing_files_are_created_and_a_symlink_is_followed(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, f"rm {IFCFG_PATH} && mkdir /etc/resolvconf && mv {RESOLV_PATH} /etc/resolvconf/resolv.conf && "
                   f"ln -s resolvconf/resolv.conf {RESOLV_PATH}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 0, result.err
    assert f"{IFCFG_PATH}: created" in result.out and _backups(guest, IFCFG_PATH) == []
    assert _read(guest, IFCFG_PATH) == render_all(NET)[0].text
    assert _inside(guest, f"stat -c '%a %u' {IFCFG_PATH}").split() == ["644", "0"]
    assert _inside(guest, f"readlink {RESOLV_PATH}").strip() == "resolvconf/resolv.conf"  # still the link
    assert _read(guest, "/etc/resolvconf/resolv.conf") == RESOLV_DONE
    assert f"{RESOLV_PATH} (-> /etc/resolvconf/resolv.conf): changed" in result.out


@pytest.mark.parametrize("failing", [NETWORK_PATH, RESOLV_PATH])
def test_a_later_failure_puts_the_earlier_files_back(xenkit: Xenkit, guest: SshTestHost, failing: str) -> None:
    # A file that is a mount point cannot be renamed over (EBUSY): its atomic replace fails after the backup.
    _inside(guest, f"mount --bind {failing} {failing}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 1 and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "cannot rename" in lines[-1] and "put back as they were: " in lines[-1]
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG, NETWORK, RESOLV)
    assert _inside(guest, f"stat -c %a {IFCFG_PATH}").strip() == "600"
    assert result.out == ""


def test_ctrl_c_between_two_files_puts_the_first_back(xenkit: Xenkit, guest: SshTestHost,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.ddk.network_edit
    from toolkit.remote.file_edit import replace_file

    real, started = replace_file, []

    def interrupted(ex: object, path: str, old: str, new: str) -> str:
        started.append(path)
        if len(started) == 2:
            raise KeyboardInterrupt
        return real(ex, path, old, new)  # type: ignore[arg-type]

    monkeypatch.setattr(toolkit.ddk.network_edit, "replace_file", interrupted)
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code in (1, 130) and started == [IFCFG_PATH, NETWORK_PATH]  # click reports it as "aborted"
    assert f"stopped before every file was written; put back as they were: {IFCFG_PATH}" in result.err
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG, NETWORK, RESOLV)


def test_not_a_ddk_vm(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, "rm -r /etc/sysconfig")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 2 and "/etc/sysconfig/network-scripts is not a directory there" in result.err
    assert "Traceback" not in result.err
    assert _inside(guest, "ls /etc/sysconfig 2>&1 || true").strip().endswith("No such file or directory")


def test_a_directory_where_a_file_should_be(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, f"rm {RESOLV_PATH} && mkdir {RESOLV_PATH}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 2 and f"{RESOLV_PATH}: is a directory; nothing written" in result.err
    assert _read(guest, IFCFG_PATH) == IFCFG and _backups(guest, IFCFG_PATH) == []

