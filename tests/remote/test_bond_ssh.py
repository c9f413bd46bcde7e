"""`xenkit bond status` and `bond active-slave --install` against real sshd test hosts with a private /etc and
/usr/local, and fakes of ovs-appctl, ping, logger, chkconfig and systemctl (tests/support/fake_ovs.py)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.support.fake_ovs import FakeOvs, install_fake_ovs
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost

Xenkit = Callable[..., CliResult]
SCRIPT = "/usr/local/sbin/xenkit-bond-bond0"


def two_bonds(**extra: Any) -> dict[str, Any]:
    return {"bonds": {"bond0": {"members": {"eth2": True, "eth0": True}, "active": "eth2"},
                      "bond1": {"members": {"eth1": True, "eth3": True}, "active": "eth1"}},
            "reach": {"192.0.2.1": ["eth0"]}, **extra}


@pytest.fixture
def dom0(ssh_host_factory: SshHostFactory, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[SshTestHost, FakeOvs]]:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc", "/usr/local"])
    write_hosts_file(tmp_path, "dom0", host)
    fake = install_fake_ovs(host.bin_dir, tmp_path, two_bonds())
    yield host, fake
    assert not Path(SCRIPT).exists()  # everything happened inside the host's namespace


def inside(host: SshTestHost, script: str) -> str:
    result = host.run_inside(["sh", "-c", script])
    return result.stdout


def test_status_json_and_table(xenkit: Xenkit, dom0: tuple[SshTestHost, FakeOvs]) -> None:
    result = xenkit("bond", "status", "--host", "dom0", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [(b["bond"], b["active_slave"]) for b in data] == [("bond0", "eth2"), ("bond1", "eth1")]
    table = xenkit("bond", "status", "--host", "dom0", "--bond", "bond1")
    assert table.code == 0
    assert table.out.splitlines() == ["bond1  active-backup  active: eth1", "  eth1  link up  (active)",
                                      "  eth3  link up"]
    missing = xenkit("bond", "status", "--host", "dom0", "--bond", "bond7")
    assert missing.code == 2 and "bond 'bond7': ovs-appctl bond/show says: unknown command" in missing.err


def test_install_sysv_prefers_the_member_the_target_answers_through(xenkit: Xenkit,
                                                                     dom0: tuple[SshTestHost, FakeOvs]) -> None:
    host, fake = dom0
    result = xenkit("bond", "active-slave", "--host", "dom0", "--bond", "bond0", "--prefer", "eth0",
                    "--check-target", "192.0.2.1", "--install", "--init", "sysv")
    assert result.code == 0, result.err
    assert fake.active("bond0") == "eth0"
    assert "bond0: eth0: link up and 192.0.2.1 answers through it: active (was eth2)" in result.err
    assert inside(host, f"stat -c %a {SCRIPT} /etc/init.d/xenkit-bond-bond0").split() == ["755", "755"]
    assert "chkconfig --add xenkit-bond-bond0" in fake.calls() and "chkconfig xenkit-bond-bond0 on" in fake.calls()
    assert any(c.startswith("logger -t xenkit-bond -- bond0: eth0: link up") for c in fake.calls())
    again = xenkit("bond", "active-slave", "--host", "dom0", "--bond", "bond0", "--prefer", "eth0",
                   "--check-target", "192.0.2.1", "--install", "--init", "sysv")
    assert again.code == 0 and f"unchanged: {SCRIPT}" in again.err


def test_a_member_without_link_or_route_is_passed_over(xenkit: Xenkit, dom0: tuple[SshTestHost, FakeOvs]) -> None:
    host, fake = dom0
    fake.set_state(two_bonds(reach={"192.0.2.1": ["eth2"]}))
    result = xenkit("bond", "active-slave", "--host", "dom0", "--bond", "bond0", "--prefer", "eth0",
                    "--check-target", "192.0.2.1", "--install", "--init", "systemd")
    assert result.code == 0, result.err
    assert "eth0: link up but 192.0.2.1 does not answer through it" in result.err
    assert "eth2: link up and 192.0.2.1 answers through it: active (was eth0)" in result.err
    assert fake.active("bond0") == "eth2"
    assert "systemctl enable xenkit-bond-bond0.service" in fake.calls()
    state = two_bonds(new_ovs=True)
    state["bonds"]["bond0"]["members"]["eth0"] = False
    fake.set_state(state)
    run = inside(host, f"PATH={host.bin_dir}:$PATH {SCRIPT}; echo exit=$?")
    assert "eth0: link down (disabled): skipped" in run and "eth2: link up and 192.0.2.1" not in run
    assert "exit=1" in run and "no member reaches 192.0.2.1; eth2 (link up) stays active" in run


def test_no_member_passes_exit_1_but_installed(xenkit: Xenkit, dom0: tuple[SshTestHost, FakeOvs]) -> None:
    host, fake = dom0
    fake.set_state(two_bonds(reach={}))
    result = xenkit("bond", "active-slave", "--host", "dom0", "--bond", "bond0", "--prefer", "eth0",
                    "--check-target", "192.0.2.1", "--install", "--init", "sysv")
    assert result.code == 1 and "is installed, but its first run found no member" in result.err
    assert inside(host, f"test -x {SCRIPT} && echo yes").strip() == "yes"


def test_a_failed_step_puts_every_file_back(xenkit: Xenkit, dom0: tuple[SshTestHost, FakeOvs]) -> None:
    host, fake = dom0
    inside(host, "mkdir -p /etc/init.d && echo old > /etc/init.d/xenkit-bond-bond0")
    fake.set_state(two_bonds(fail=["chkconfig"]))
    result = xenkit("bond", "active-slave", "--host", "dom0", "--bond", "bond0", "--prefer", "eth0",
                    "--install", "--init", "sysv")
    assert result.code == 1 and "put back every file" in result.err
    assert inside(host, "cat /etc/init.d/xenkit-bond-bond0") == "old\n"
    assert inside(host, f"ls {SCRIPT} /etc/init.d 2>&1").count("xenkit-bond-bond0.xenkit-") == 0
    assert inside(host, f"test -e {SCRIPT} && echo there || echo gone").strip() == "gone"
    assert fake.active("bond0") == "eth2"  # the script never ran


def test_print_needs_no_host_and_is_the_installer(xenkit: Xenkit) -> None:
    result = xenkit("bond", "active-slave", "--bond", "bond0", "--prefer", "eth0", "--check-target", "gw.example.com")
    assert result.code == 0 and result.out.startswith("#!/bin/bash\n# xenkit: install xenkit-bond-bond0")
    assert "TARGET=gw.example.com" in result.out
    for args, message in ((["--install"], "--install needs --host"), (["--host", "h"], "--host: only with --install"),
                          (["--install", "--print", "--host", "h"], "give one")):
        bad = xenkit("bond", "active-slave", "--bond", "bond0", "--prefer", "eth0", *args)
        assert bad.code == 2 and message in bad.err, bad.err
