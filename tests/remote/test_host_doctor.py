"""`host doctor` on a test host (private /etc) with the xe simulator (6.0.2 pool) and fakes of dom0's tools: a
healthy host (all OK, exit 0), then the same host with one thing broken per check (each WARN or FAIL, exit 1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.doctor_host import Dom0, make_doctor_dom0
from tests.support.fake_domains import install_fake_domains
from tests.support.fake_multipath import TWO_PATHS
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory

Xenkit = Callable[..., CliResult]
@pytest.fixture
def dom0(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Dom0:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "dom0", host)
    return make_doctor_dom0(host, tmp_path)


def levels(result: CliResult) -> dict[str, list[str]]:
    data = json.loads(result.out)
    found: dict[str, list[str]] = {}
    for finding in data["findings"]:
        found.setdefault(finding["check"], []).append(finding["level"])
    return found


def test_a_healthy_xenserver_8_host_is_all_ok(xenkit: Xenkit, ssh_host_factory: SshHostFactory, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "dom0", host)
    make_doctor_dom0(host, tmp_path, release="8.4")
    result = xenkit("host", "doctor", "--host", "dom0", "--json")
    assert result.code == 0, result.err
    assert levels(result)["release"] == ["OK"] and "XenServer 8.4.0" in result.out


def test_a_healthy_host_is_all_ok(xenkit: Xenkit, dom0: Dom0) -> None:
    result = xenkit("host", "doctor", "--host", "dom0", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["ok"] is True
    assert levels(result) == {"release": ["OK"], "multipath": ["OK"], "lvm filter": ["OK"], "sr": ["OK"],
                              "ha": ["OK"], "bond": ["OK"], "domains": ["OK"]}
    text = xenkit("host", "doctor", "--host", "dom0")
    assert "OK    release     XenServer 6.0.2, kernel" in text.out


def test_every_problem_is_found_with_its_fix(xenkit: Xenkit, dom0: Dom0) -> None:
    dom0.multipath(TWO_PATHS.replace(" \\_ 0:0:1:0 sdb 8:16 [active][ready]", " \\_ 0:0:1:0 sdb 8:16 [failed][faulty]"))
    dom0.showmount(answers=False)
    dom0.ovs.set_state({"bonds": {"bond0": {"members": {"eth0": False, "eth2": True}, "active": "eth0"}}})
    install_fake_domains(dom0.bin_dir, dom0.work / "domains.json", {})
    dom0.xe.host.run_inside(["sh", "-c", "echo 'devices { }' > /etc/lvm/lvm.conf"])
    state = dom0.state()
    dvd = next(p for p in state["objects"]["pbd"].values()
               if state["objects"]["sr"][p["sr-uuid"]]["name-label"] == "DVD drives")
    dvd["currently-attached"] = "false"
    dom0.save(state)
    result = xenkit("host", "doctor", "--host", "dom0", "--json")
    assert result.code == 1
    data = json.loads(result.out)
    assert data["ok"] is False
    by_check = {f["check"]: f for f in data["findings"] if f["level"] != "OK"}
    assert by_check["multipath"]["level"] == "WARN" and "1 usable path of 2" in by_check["multipath"]["detail"]
    assert by_check["lvm filter"]["fix"] == "xenkit lvm filter --host dom0"
    assert by_check["bond"]["level"] == "FAIL"
    assert by_check["bond"]["fix"] == "ovs-appctl bond/set-active-slave bond0 eth2"
    assert by_check["domains"]["fix"] == f"xenkit vm recover --host dom0 --uuid {dom0.vm}"
    srs = [f for f in data["findings"] if f["check"] == "sr"]
    assert {f["level"] for f in srs} == {"FAIL", "WARN"}
    assert any("server 192.0.2.2 does not answer" in f["detail"] and "sr forget" in f["fix"] for f in srs)
    assert any("is not plugged" in f["detail"] and f["fix"].startswith("xe pbd-plug uuid=") for f in srs)
    text = xenkit("host", "doctor", "--host", "dom0")
    assert text.code == 1 and "FAIL  bond        bond0: the active member eth0 has no link" in text.out
    assert "fix: ovs-appctl bond/set-active-slave bond0 eth2" in text.out


def test_no_usable_path_at_all_fails(xenkit: Xenkit, dom0: Dom0) -> None:
    dom0.multipath("")
    result = xenkit("host", "doctor", "--host", "dom0", "--json")
    assert result.code == 1 and levels(result)["multipath"] == ["FAIL"]
