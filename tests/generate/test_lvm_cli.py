"""`xenkit lvm filter`: a local file and, over SFTP, a dom0's /etc/lvm/lvm.conf on a real sshd test host whose /etc
is a private tmpfs copy (this machine's lvm.conf is never touched)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_program
from tests.generate.test_lvm_filter import CENTOS5
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost

Xenkit = Callable[..., CliResult]
DONE = CENTOS5.replace('filter = [ "a/.*/" ]   #',
                       'filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]   #')


@pytest.fixture
def conf(tmp_path: Path) -> Path:
    require_program("lvmconfig")
    path = tmp_path / "lvm.conf"
    path.write_text(CENTOS5, encoding="utf-8")
    return path


def test_check_diff_and_json_write_nothing(xenkit: Xenkit, conf: Path) -> None:
    check = xenkit("lvm", "filter", str(conf), "--check")
    assert check.code == 1 and f"{conf}:9: filter replaced" in check.err
    diff = xenkit("lvm", "filter", str(conf), "--diff")
    assert diff.code == 0
    assert '-    filter = [ "a/.*/" ]   # accept all\n' in diff.out
    assert '+    filter = [ "r|/dev/sd.*|", "r|/dev/xvd.|", "r|/dev/VG_Xen.*/*|" ]   # accept all\n' in diff.out
    shown = json.loads(xenkit("lvm", "filter", str(conf), "--check", "--json").out)
    assert shown["action"] == "replaced" and shown["old_filter"] == ["a/.*/"] and shown["written"] is False
    assert conf.read_text(encoding="utf-8") == CENTOS5 and list(conf.parent.iterdir()) == [conf]


def test_write_keeps_a_backup_and_a_second_run_changes_nothing(xenkit: Xenkit, conf: Path) -> None:
    result = xenkit("lvm", "filter", str(conf), "--json")
    assert result.code == 0, result.err
    outcome = json.loads(result.out)
    assert outcome["written"] is True and Path(outcome["backup"]).read_text(encoding="utf-8") == CENTOS5
    assert conf.read_text(encoding="utf-8") == DONE
    again = xenkit("lvm", "filter", str(conf), "--check")
    assert again.code == 0 and "filter already set; nothing to change" in again.err


def test_reject_replaces_the_default_set(xenkit: Xenkit, conf: Path) -> None:
    result = xenkit("lvm", "filter", str(conf), "--reject", "/dev/sd[b-z].*", "--reject", "a|b")
    assert result.code == 0, result.err
    assert 'filter = [ "r|/dev/sd[b-z].*|", "r!a|b!" ]   # accept all' in conf.read_text(encoding="utf-8")


def test_a_symlinked_lvm_conf_is_edited_through_the_link(xenkit: Xenkit, conf: Path) -> None:
    link = conf.parent / "link.conf"
    link.symlink_to(conf.name)
    result = xenkit("lvm", "filter", str(link))
    assert result.code == 0, result.err
    assert link.is_symlink() and conf.read_text(encoding="utf-8") == DONE


def test_bad_input_is_a_one_line_error(xenkit: Xenkit, tmp_path: Path) -> None:
    missing = xenkit("lvm", "filter", str(tmp_path / "nope.conf"))
    assert missing.code == 2 and "nope.conf" in missing.err and "Traceback" not in missing.err
    broken = tmp_path / "broken.conf"
    broken.write_text('devices {\n filter = [ "a|.*| ]\n}\n', encoding="utf-8")
    result = xenkit("lvm", "filter", str(broken))
    assert result.code == 1 and "line 2: a string is not closed; nothing changed" in result.err
    assert broken.read_text(encoding="utf-8") == 'devices {\n filter = [ "a|.*| ]\n}\n'
    assert xenkit("lvm", "filter", "--path", "/etc/lvm/lvm.conf").code == 2


@pytest.fixture
def dom0_host(ssh_host_factory: SshHostFactory, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[SshTestHost]:
    require_program("lvmconfig")
    real = Path("/etc/lvm/lvm.conf").read_bytes() if Path("/etc/lvm/lvm.conf").exists() else None
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "dom0", host)
    script = f"mkdir -p /etc/lvm && printf %s {shlex.quote(CENTOS5)} > /etc/lvm/lvm.conf"
    assert host.run_inside(["sh", "-c", script]).returncode == 0
    yield host
    assert (Path("/etc/lvm/lvm.conf").read_bytes() if Path("/etc/lvm/lvm.conf").exists() else None) == real


def test_a_dom0s_lvm_conf_over_ssh(xenkit: Xenkit, dom0_host: SshTestHost) -> None:
    assert xenkit("lvm", "filter", "--host", "dom0", "--check").code == 1
    result = xenkit("lvm", "filter", "--host", "dom0")
    assert result.code == 0, result.err
    assert dom0_host.run_inside(["cat", "/etc/lvm/lvm.conf"]).stdout == DONE
    backups = dom0_host.run_inside(["sh", "-c", "ls /etc/lvm | grep xenkit-"]).stdout.split()
    assert len(backups) == 1 and dom0_host.run_inside(["cat", f"/etc/lvm/{backups[0]}"]).stdout == CENTOS5
    assert xenkit("lvm", "filter", "--host", "dom0", "--check").code == 0
