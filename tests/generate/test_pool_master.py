"""`pool designate-master` and `pool emergency-master` run by bash against a three-host 6.0.2 simulator pool
(tests/support/sim_pool.py), HA on and off, the master up and down."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.remote_helpers import XeHost, isolate_home, write_hosts_file
from tests.support.sim_pool import add_hosts, set_host
from tests.support.sshhosts import SshTestHost
from tests.support.xe_local import LocalXe
from toolkit.generate.pool_master import render_designate, render_emergency

Xenkit = Callable[..., CliResult]


class Pool:
    def __init__(self, directory: Path) -> None:
        self.xe = LocalXe(directory)
        self.xe.env()
        self.xe.xe("host-list")
        self.hosts = add_hosts(self.xe.state, ["xenserver2", "xenserver3"])
        self.pool = self.xe.xe("pool-list", "--minimal")

    def run(self, script: str, on: str = "xenserver1", **env: str) -> subprocess.CompletedProcess[str]:
        inventory = self.xe.directory / f"inventory-{on}"
        inventory.write_text(f"INSTALLATION_UUID='{self.hosts[on]}'\n")
        return self.xe.bash(script, XENSOURCE_INVENTORY=str(inventory), **env)

    def master(self) -> str:
        return self.xe.xe("pool-list", "params=master", "--minimal")

    def calls(self) -> list[str]:
        return [c[1] for c in self.xe.calls()] if (self.xe.directory / "xe-log.jsonl").exists() else []

    def ha_on(self) -> str:
        sr = self.xe.xe("sr-list", "name-label=Local storage", "--minimal")
        self.xe.xe("pool-ha-enable", f"heartbeat-sr-uuids={sr}")
        self.xe.xe("pool-param-set", f"uuid={self.pool}", "ha-host-failures-to-tolerate=1")
        return sr

    def fake(self, name: str, status: int) -> None:
        path = self.xe.directory / "bin" / name
        path.write_text(f"#!/bin/sh\nexit {status}\n")
        path.chmod(0o755)


@pytest.fixture
def pool(tmp_path: Path) -> Pool:
    return Pool(tmp_path)


def designate(new: str = "xenserver2") -> str:
    return render_designate(new, wait=10, poll=1)


def test_designate_without_ha(pool: Pool) -> None:
    done = pool.run(designate())
    assert done.returncode == 0, done.stderr
    assert pool.master() == pool.hosts["xenserver2"] and "every host is enabled; done" in done.stdout
    assert "pool-ha-disable" not in pool.calls()


def test_designate_with_ha_disables_and_restores_it(pool: Pool) -> None:
    sr = pool.ha_on()
    done = pool.run(designate())
    assert done.returncode == 0, done.stderr
    calls = pool.calls()
    assert calls.index("pool-ha-disable") < calls.index("pool-designate-new-master") < calls.index("pool-ha-enable")
    assert f"heartbeat SR(s) {sr}, host failures to tolerate 1" in done.stdout
    assert pool.xe.xe("pool-param-get", f"uuid={pool.pool}", "param-name=ha-enabled") == "true"
    assert pool.xe.xe("pool-param-get", f"uuid={pool.pool}", "param-name=ha-host-failures-to-tolerate") == "1"
    assert pool.master() == pool.hosts["xenserver2"]


def test_a_failed_designation_puts_ha_back(pool: Pool) -> None:
    pool.ha_on()
    done = pool.run(designate(), XE_FAIL_ON="pool-designate-new-master")
    assert done.returncode != 0 and "HA back as it was" in done.stderr
    assert pool.xe.xe("pool-param-get", f"uuid={pool.pool}", "param-name=ha-enabled") == "true"
    assert pool.master() == pool.hosts["xenserver1"]


@pytest.mark.parametrize(("on", "new", "message"), [
    ("xenserver2", "xenserver3",
     "this host is not the pool master; the master is xenserver1 (192.0.2.1): run it there"),
    ("xenserver1", "xenserver9", 'no host is named or has the uuid "xenserver9"'),
    ("xenserver1", "xenserver1", '"xenserver1" is the pool master already'),
])
def test_designate_refusals(pool: Pool, on: str, new: str, message: str) -> None:
    done = pool.run(designate(new), on=on)
    assert done.returncode == 1 and message in done.stderr and "nothing was changed" in done.stderr
    assert "pool-designate-new-master" not in pool.calls()


def test_a_disabled_new_master_is_refused(pool: Pool) -> None:
    set_host(pool.xe.state, pool.hosts["xenserver2"], enabled="false")
    done = pool.run(designate())
    assert done.returncode == 1 and "is disabled (maintenance mode)" in done.stderr


def test_a_disabled_host_after_the_change_is_reported(pool: Pool) -> None:
    set_host(pool.xe.state, pool.hosts["xenserver3"], enabled="false")
    done = pool.run(designate())
    assert done.returncode == 1 and "these hosts are not enabled: xenserver3" in done.stderr
    assert pool.master() == pool.hosts["xenserver2"]


def emergency(pool: Pool, role: str = "slave:192.0.2.1", ping: int = 1) -> subprocess.CompletedProcess[str]:
    conf = pool.xe.directory / "pool.conf"
    conf.write_text(role)
    pool.fake("ping", ping)
    return pool.run(render_emergency(wait=10, poll=1), on="xenserver2", XENSOURCE_POOL_CONF=str(conf),
                    XE_SIM_LOCAL_HOST=pool.hosts["xenserver2"])


def test_emergency_when_the_master_is_down(pool: Pool) -> None:
    set_host(pool.xe.state, pool.hosts["xenserver1"], down="true")
    done = emergency(pool)
    assert done.returncode == 0, done.stderr
    assert pool.master() == pool.hosts["xenserver2"]
    calls = pool.calls()
    assert calls.index("pool-emergency-transition-to-master") < calls.index("pool-recover-slaves")
    assert "The old master must not come back as a master" in done.stdout


@pytest.mark.parametrize(("down", "ping", "role", "message"), [
    (False, 1, "slave:192.0.2.1", "the pool master answers through xapi: it is not down"),
    (True, 0, "slave:192.0.2.1", "answers ping (its xapi may be restarting)"),
    (True, 1, "master", "this host is the pool master already"),
])
def test_emergency_refusals(pool: Pool, down: bool, ping: int, role: str, message: str) -> None:
    if down:
        set_host(pool.xe.state, pool.hosts["xenserver1"], down="true")
    done = emergency(pool, role, ping)
    assert done.returncode == 1 and message in done.stderr
    assert "pool-emergency-transition-to-master" not in pool.calls()


def test_designate_over_ssh(xenkit: Xenkit, ssh_host: SshTestHost, tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "master", ssh_host)
    xe = XeHost(ssh_host, tmp_path)
    xe.xe("host-list")
    hosts = add_hosts(xe.state, ["xenserver2"])
    inventory = tmp_path / "inventory"
    inventory.write_text(f"INSTALLATION_UUID='{hosts['xenserver1']}'\n")
    ssh_host.set_env({**ssh_host.env, "XENSOURCE_INVENTORY": str(inventory)})
    result = xenkit("pool", "designate-master", "--host", "master", "--new-master", "xenserver2", "--wait", "10")
    assert result.code == 0, result.err
    assert result.out == "master: xenserver2 is the pool master\n"
    assert xe.xe("pool-list", "params=master", "--minimal") == hosts["xenserver2"]


def test_designate_and_emergency_on_a_xenserver_8_pool(tmp_path: Path) -> None:
    pool = Pool.__new__(Pool)
    pool.xe = LocalXe(tmp_path, release="8.4")
    pool.xe.env()
    pool.xe.xe("host-list")
    pool.hosts = add_hosts(pool.xe.state, ["xenserver2", "xenserver3"])
    pool.pool = pool.xe.xe("pool-list", "--minimal")
    pool.ha_on()
    done = pool.run(designate())
    assert done.returncode == 0, done.stderr
    assert pool.master() == pool.hosts["xenserver2"]
    set_host(pool.xe.state, pool.hosts["xenserver2"], down="true")
    conf = tmp_path / "pool.conf"
    conf.write_text("slave:192.0.2.11")
    pool.fake("ping", 1)
    done = pool.run(render_emergency(wait=10, poll=1), on="xenserver3", XENSOURCE_POOL_CONF=str(conf),
                    XE_SIM_LOCAL_HOST=pool.hosts["xenserver3"])
    assert done.returncode == 0, done.stderr
    assert pool.master() == pool.hosts["xenserver3"]
