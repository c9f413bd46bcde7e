"""The xe simulator run as `xe` on PATH from bash (a symlink or a wrapper), for a hand-written scenario and for the
project's own install plan."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.conftest import LUCID64, PRECISE64, SIM
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0
from toolkit.catalog.xetable import problems_in

SCENARIO = f"""
set -euo pipefail
lucid=$(xe template-list name-label="{LUCID64}" --minimal)
new=$(xe vm-clone uuid="$lucid" new-name-label="{PRECISE64}")
xe template-param-set uuid="$new" other-config:default_template=true other-config:debian-release=precise \\
    other-config:install-arch=amd64
network=$(xe network-list name-label="{NETWORK_ETH0}" --minimal)
vm=$(xe vm-install template="{PRECISE64}" new-name-label=web1)
xe vm-param-set uuid="$vm" other-config:install-repository=http://old-releases.ubuntu.com/ubuntu/ \\
    PV-args="auto=true priority=critical url=http://192.0.2.2/preseed.cfg"
xe vm-memory-limits-set uuid="$vm" static-min=1GiB dynamic-min=1GiB dynamic-max=1GiB static-max=1GiB
vdi=$(xe vbd-list vm-uuid="$vm" userdevice=0 type=Disk params=vdi-uuid --minimal)
xe vdi-resize uuid="$vdi" disk-size=20GiB
xe vif-create vm-uuid="$vm" network-uuid="$network" device=0 >/dev/null
xe vm-start uuid="$vm"
xe vm-list name-label=web1 params=power-state --minimal
"""


@pytest.mark.parametrize("how", ["symlink", "wrapper"])
def test_runs_as_xe_on_path_from_bash(tmp_path: Path, env: dict[str, str], how: str) -> None:
    bash = require_program("bash")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    if how == "symlink":
        (bindir / "xe").symlink_to(SIM)
    else:
        (bindir / "xe").write_text(f'#!/bin/sh\nexec python3 "{SIM}" "$@"\n')
        (bindir / "xe").chmod(0o755)
    run_env = {**env, "PATH": f"{bindir}:{os.environ['PATH']}"}
    done = subprocess.run([bash, "-c", SCENARIO], capture_output=True, text=True, env=run_env, timeout=120)
    assert (done.returncode, done.stdout, done.stderr) == (0, "running\n", "")
    calls = [json.loads(line) for line in Path(env["XE_LOG"]).read_text().splitlines()]
    assert [c[1] for c in calls][:3] == ["template-list", "vm-clone", "template-param-set"]
    for argv in calls:  # every command of the stock scenario is also accepted by the project's table check
        assert problems_in(argv) == [], argv
    # the new VM came from the cloned template, so it carries the Precise keys but not default_template
    state = json.loads(Path(env["XE_STATE"]).read_text())
    vm = next(r for r in state["objects"]["vm"].values() if r["name-label"] == "web1")
    assert vm["other-config"]["debian-release"] == "precise" and "default_template" not in vm["other-config"]


def _install_script(tmp_path: Path, release: str | None = None) -> Path:
    """The project's own plan for fedora17-xenserver (the stock RHEL 6 template), for `release` or for any."""
    from toolkit.catalog.profiles import all_profiles
    from toolkit.catalog.xenserver import parse_release
    from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan
    from toolkit.inputs.network import make_network

    network = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    data = VmInstallInput(name="web1", network_name=NETWORK_ETH0, network=network, ks_url="http://192.0.2.2/ks.cfg",
                          xenserver=parse_release(release) if release else None)
    script = tmp_path / "install.sh"
    script.write_text(build_vm_install_plan(all_profiles()["fedora17-xenserver"], data).render_script())
    return script


def _bash(script: Path, tmp_path: Path, env: dict[str, str], **extra: str) -> subprocess.CompletedProcess[str]:
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    if not (bindir / "xe").exists():
        (bindir / "xe").symlink_to(SIM)
    run_env = {**env, "PATH": f"{bindir}:{os.environ['PATH']}", **extra}
    return subprocess.run([require_program("bash"), str(script)], capture_output=True, text=True, env=run_env,
                          timeout=120)


# The same printed plan on a 6.0.2 pool ("Red Hat Enterprise Linux 6.0 (64-bit)") and on XenServer 8 with
# guest-templates-json-data-pv installed ("Red Hat Enterprise Linux 6 (64-bit)"): it tries both names.
POOLS = [{"XE_SIM_RELEASE": "6.0.2"}, {"XE_SIM_RELEASE": "8.4", "XE_SIM_EXTRA": "data-pv"}]


@pytest.mark.parametrize("pool", POOLS, ids=["6.0.2", "8.4+data-pv"])
@pytest.mark.parametrize("fail_on", [None, "vif-create"])
def test_the_install_plan_runs_against_the_simulator(
    tmp_path: Path, env: dict[str, str], fail_on: str | None, pool: dict[str, str]
) -> None:
    """The project's own plan runs, or undoes what it did."""
    done = _bash(_install_script(tmp_path), tmp_path, env, **pool, **({"XE_FAIL_ON": fail_on} if fail_on else {}))
    state = json.loads(Path(env["XE_STATE"]).read_text())
    vms = [r for r in state["objects"]["vm"].values() if r["name-label"] == "web1"]
    if fail_on:
        assert done.returncode != 0 and "undoing 1 step(s)" in done.stderr
        assert vms == [] and len(state["objects"]["vdi"]) == 1  # only the stock tools ISO is left
        return
    assert done.returncode == 0, done.stderr
    (vm,) = vms
    assert done.stdout == vm["uuid"] + "\n"  # the VM's uuid only: the VIF's is captured
    template = next(r for r in state["objects"]["vm"].values() if r.get("is-a-template") == "true"
                    and r["name-label"].startswith("Red Hat Enterprise Linux 6") and "(64-bit)" in r["name-label"])
    assert vm["PV-bootloader"] == template["PV-bootloader"] == "eliloader"
    assert (vm["power-state"], vm["VCPUs-max"], vm["memory-static-max"]) == ("running", "2", str(2 * 2**30))
    assert vm["other-config"]["install-repository"].startswith("http://archives.fedoraproject.org/")
    assert "ks=http://192.0.2.2/ks.cfg" in vm["PV-args"]
    disk = next(v for v in state["objects"]["vdi"].values() if v["name-label"] == "web1 0")
    assert disk["virtual-size"] == str(20 * 2**30)


def test_without_the_template_the_plan_names_what_it_tried_and_what_is_close(
    tmp_path: Path, env: dict[str, str]
) -> None:
    done = _bash(_install_script(tmp_path), tmp_path, env, XE_SIM_RELEASE="8.4")  # no data-pv
    assert done.returncode == 1 and done.stdout == ""
    assert ('none found; tried: "Red Hat Enterprise Linux 6 (64-bit)", "Red Hat Enterprise Linux 6.0 (64-bit)"'
            in done.stderr)
    assert '"Red Hat Enterprise Linux 7 (deprecated)", "Red Hat Enterprise Linux 8"' in done.stderr
    assert "CentOS" not in done.stderr.split("close names")[1].split("\n")[0]
    assert "install the guest-templates-json-data-pv package" in done.stderr
    state = json.loads(Path(env["XE_STATE"]).read_text())
    assert not [r for r in state["objects"]["vm"].values() if r["name-label"] == "web1"]


@pytest.mark.parametrize(("release", "pool"), [("6.0.2", POOLS[0]), ("8.4", POOLS[1])])
def test_a_plan_for_a_release_names_that_release_s_template(
    tmp_path: Path, env: dict[str, str], release: str, pool: dict[str, str]
) -> None:
    script = _install_script(tmp_path, release)
    expected = {"6.0.2": "Red Hat Enterprise Linux 6.0 (64-bit)", "8.4": "Red Hat Enterprise Linux 6 (64-bit)"}
    assert f"xe template-list 'name-label={expected[release]}' --minimal" in script.read_text()
    assert "for template_name in" not in script.read_text()
    done = _bash(script, tmp_path, env, **pool)
    assert done.returncode == 0, done.stderr


def test_a_plan_for_6_0_2_refuses_on_xenserver_8(tmp_path: Path, env: dict[str, str]) -> None:
    """Meant for one release, run on the other: it stops at the template lookup, names the close ones, makes nothing."""
    done = _bash(_install_script(tmp_path, "6.0.2"), tmp_path, env, **POOLS[1])
    assert done.returncode == 1 and done.stdout == ""
    assert 'none found; tried: "Red Hat Enterprise Linux 6.0 (64-bit)"' in done.stderr
    assert '"Red Hat Enterprise Linux 6 (64-bit)"' in done.stderr.split("close names in this pool:")[1]
    state = json.loads(Path(env["XE_STATE"]).read_text())
    assert not [r for r in state["objects"]["vm"].values() if r["name-label"] == "web1"]

