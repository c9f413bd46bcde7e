"""The xe simulator (tests/support/xe_sim/): xe's syntax, output and errors, state, and running as `xe` from bash."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pytest

from tests.conftest import ROOT, require_program
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0, STOCK_TEMPLATES, stock_uuid
from toolkit.catalog.xetable import problems_in

SIM = ROOT / "tests" / "support" / "xe_sim" / "xe_sim.py"
LUCID64 = "Ubuntu Lucid Lynx 10.04 (64-bit)"
PRECISE64 = "Ubuntu Precise Pangolin 12.04 (64-bit)"
CENTOS6 = "CentOS 6 (64-bit)"
HINT = "For usage run: 'xe help'"


@dataclass
class Result:
    code: int
    out: str
    err: str


class Xe(Protocol):
    """The xe fixture: runs the simulator with ARGS, and environment variables added."""

    def __call__(self, *args: str, **extra_env: str) -> Result: ...


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XE_")}
    return {**clean, "XE_STATE": str(tmp_path / "state.json"), "XE_LOG": str(tmp_path / "xe.log")}


@pytest.fixture
def xe(env: dict[str, str]) -> Xe:
    """Run `xe ARGS...`; -I -S: no site-packages and no script directory, so only the standard library."""

    def run(*args: str, **extra_env: str) -> Result:
        done = subprocess.run([sys.executable, "-I", "-S", str(SIM), *args], capture_output=True, text=True,
                              env={**env, **extra_env}, timeout=60)
        return Result(done.returncode, done.stdout, done.stderr)

    return run


def ok(result: Result) -> str:
    assert result.code == 0, result.err
    assert result.err == ""
    return result.out.strip()


def err(result: Result) -> str:
    assert result.code == 1, result.out
    return result.err


def lookup(xe: Xe, name: str) -> str:
    return ok(xe("template-list", f"name-label={name}", "--minimal"))


def precise(xe: Xe) -> str:
    """The blog's step: clone Lucid 64-bit into a Precise template and mark it as a default Precise one."""
    new = ok(xe("vm-clone", f"uuid={lookup(xe, LUCID64)}", f"new-name-label={PRECISE64}"))
    ok(xe("template-param-set", f"uuid={new}", "other-config:default_template=true",
          "other-config:debian-release=precise", "other-config:install-arch=amd64"))
    return new


def test_template_list_by_name_minimal(xe: Xe) -> None:
    assert lookup(xe, LUCID64) == stock_uuid("vm", LUCID64)
    names = ok(xe("template-list", "params=name-label", "--minimal")).split(",")
    assert sorted(names) == sorted(STOCK_TEMPLATES)
    assert not any("Precise" in n or "12.04" in n for n in names)  # XenServer 6.0.2 had no Precise template


def test_nothing_found_prints_an_empty_line(xe: Xe) -> None:
    result = xe("template-list", f"name-label={PRECISE64}", "--minimal")
    assert (result.code, result.out) == (0, "\n")
    assert ok(xe("vm-list", "name-label=web1", "--minimal")) == ""


def test_records_as_xe_prints_them(xe: Xe) -> None:
    out = ok(xe("vm-list"))  # only the control domain: vm-list leaves templates out
    dom0 = stock_uuid("vm", "dom0")
    assert out.splitlines() == [
        f"uuid ( RO)           : {dom0}",
        "     name-label ( RW): Control domain on host: xenserver1",
        "    power-state ( RO): running",
    ]
    assert xe("vm-list").out.endswith("running\n\n\n")
    network = ok(xe("network-list", f"name-label={NETWORK_ETH0}", "params=uuid,bridge"))
    assert network.splitlines()[1] == "    bridge ( RO): xenbr0"


def test_clone_keeps_other_config_but_default_template(xe: Xe) -> None:
    lucid = lookup(xe, LUCID64)
    new = ok(xe("vm-clone", f"uuid={lucid}", f"new-name-label={PRECISE64}"))
    assert new != lucid and lookup(xe, PRECISE64) == new

    def get(uuid: str, name: str, *key: str) -> str:
        return ok(xe("template-param-get", f"uuid={uuid}", f"param-name={name}", *key))

    assert get(new, "is-a-template") == "true"
    assert get(new, "PV-args") == get(lucid, "PV-args") == "-- quiet console=hvc0"
    assert get(new, "PV-bootloader") == "eliloader"
    for key in ("install-methods", "debian-release", "install-arch", "install-distro", "disks", "linux_template"):
        assert get(new, "other-config", f"param-key={key}") == get(lucid, "other-config", f"param-key={key}")
    assert "Key default_template not found in map" in err(xe("template-param-get", f"uuid={new}",
                                                               "param-name=other-config", "param-key=default_template"))
    assert get(lucid, "other-config", "param-key=default_template") == "true"


def test_param_set_and_get(xe: Xe) -> None:
    new = precise(xe)
    whole = ok(xe("template-param-get", f"uuid={new}", "param-name=other-config"))
    assert "debian-release: precise; " in whole and "default_template: true" in whole
    assert "install-methods: cdrom,http,ftp; " in whole
    key = ok(xe("template-param-get", f"uuid={new}", "param-name=other-config", "param-key=install-arch"))
    assert key == "amd64"
    missing = xe("template-param-get", f"uuid={new}", "param-name=other-config", "param-key=nope")
    assert err(missing) == "Error: Key nope not found in map\n"
    filtered = ok(xe("template-list", "other-config:debian-release=precise", "--minimal"))
    assert filtered == new


def test_params_and_minimal_escaping(xe: Xe) -> None:
    lucid = lookup(xe, LUCID64)
    assert ok(xe("template-list", f"uuid={lucid}", "params=name-label", "--minimal")) == LUCID64
    # as xe's select_fields: the first field in record order, not in params= order
    assert ok(xe("template-list", f"uuid={lucid}", "params=name-label,uuid", "--minimal")) == lucid
    ok(xe("template-param-set", f"uuid={lucid}", "name-label=a,b\\c"))
    assert ok(xe("template-list", f"uuid={lucid}", "params=name-label", "--minimal")) == "a\\,b\\\\c"
    methods = xe("template-param-get", f"uuid={lucid}", "param-name=other-config", "param-key=install-methods",
                 "--minimal")
    assert ok(methods) == "cdrom\\,http\\,ftp"
    several = ok(xe("template-list", "other-config:install-distro=rhlike", "--minimal")).split(",")
    assert len(several) == 5
    assert "Unknown field 'name_label'" in err(xe("template-list", "params=name_label"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["vm-frobnicate"], f"Unknown command: vm-frobnicate\n{HINT}\n"),
        (["vm-param-set", f"uuid={stock_uuid('vm', LUCID64)}", "PV_args=x"], f"Unknown parameter: PV_args\n{HINT}\n"),
        (["vm-param-set", f"uuid={stock_uuid('vm', LUCID64)}", "bogus-map:k=1"], "Unknown parameter: bogus-map:k\n"),
        (["template-list", "name_label=x"], "Unknown parameter: name_label\n"),
        (["vm-start", "vm=web1", "--frobnicate"], "Unknown parameter: frobnicate\n"),
        (["vif-create", "vm-uuid=x", "device=0"], f"Required parameter not found: network-uuid\n{HINT}\n"),
        (["vm-install", "template=x"], "Required parameter not found: new-name-label\n"),
        (["vm-start", "uuid"], "Syntax error: argument 'uuid' is not name=value\n"),
        (["vm-param-get", "uuid=not-a-uuid", "param-name=uuid"],
         "The uuid you supplied was invalid.\ntype: VM\nuuid: not-a-uuid\n"),
        (["vdi-resize", f"uuid={stock_uuid('vm', LUCID64)}", "disk-size=1"], "type: VDI\n"),
        (["vm-param-set", f"uuid={stock_uuid('vm', LUCID64)}", "power-state=running"],
         "Error: Field 'power-state' is read-only.\n"),
        (["vm-param-set", f"uuid={stock_uuid('vm', LUCID64)}", "other-config=x"],
         "Error: Field 'other-config' is a map or set. use the 'name:key=value' syntax.\n"),
        (["host-param-set", f"uuid={stock_uuid('host', 'xenserver1')}", "software-version:x=1"],
         "Error: Map field 'software-version' is read-only.\n"),
        (["vm-param-set", f"uuid={stock_uuid('vm', LUCID64)}", "VCPUs-max=two"],
         "Error: Parameter VCPUs-max must be an integer\n"),
        (["vm-start", "vm=no such vm"], "Error: No matching VMs found\n"),
        (["pif-list"], "xe simulator: command pif-list is not implemented\n"),
    ],
)
def test_errors_as_xe_words_them(xe: Xe, args: list[str], expected: str) -> None:
    result = xe(*args)
    assert expected in err(result)
    assert result.out == ""


def test_switches_as_xe_takes_them(xe: Xe) -> None:
    host = stock_uuid("host", "xenserver1")
    assert ok(xe("-u", "root", "-pw", "secret", "--nossl", "host-list", "--minimal")) == host
    assert ok(xe("host-list", "-s", "localhost", "params=hostname", "--minimal")) == "xenserver1"
    assert "Syntax error: command name is missing" in err(xe("name-label=x", "vm-list"))
    assert "Syntax error: Unknown switch: -z" in err(xe("vm-list", "-z"))


def test_vcpus_and_memory_constraints(xe: Xe) -> None:
    vm = ok(xe("vm-install", f"template={CENTOS6}", "new-name-label=web1"))
    assert "value greater than VCPUs-max" in err(xe("vm-param-set", f"uuid={vm}", "VCPUs-at-startup=2"))
    ok(xe("vm-param-set", f"uuid={vm}", "VCPUs-max=4"))
    ok(xe("vm-param-set", f"uuid={vm}", "VCPUs-at-startup=4"))
    assert "value less than VCPUs-at-startup" in err(xe("vm-param-set", f"uuid={vm}", "VCPUs-max=2"))
    limits = ["static-min=2GiB", "dynamic-min=1GiB", "dynamic-max=2GiB", "static-max=2GiB"]
    assert "does not satisfy" in err(xe("vm-memory-limits-set", f"uuid={vm}", *limits))
    ok(xe("vm-memory-limits-set", f"uuid={vm}", *[a.replace("1GiB", "2GiB") for a in limits]))
    assert ok(xe("vm-param-get", f"uuid={vm}", "param-name=memory-static-min")) == str(2 * 2**30)


def test_default_template_cannot_be_uninstalled_until_the_key_is_removed(xe: Xe) -> None:
    new = precise(xe)
    refused = xe("template-uninstall", f"template-uuid={new}", "--force")
    assert "You cannot delete the specified default template.\nvm: " in err(refused)
    assert lookup(xe, PRECISE64) == new
    assert "Type 'yes' to continue" in err(xe("template-uninstall", f"template-uuid={new}"))
    ok(xe("template-param-remove", f"uuid={new}", "param-name=other-config", "param-key=default_template"))
    assert ok(xe("template-uninstall", f"template-uuid={new}", "--force")).endswith("All objects destroyed")
    assert lookup(xe, PRECISE64) == ""
    assert "not a VM template" in err(xe("template-uninstall", f"template-uuid={stock_uuid('vm', 'dom0')}",
                                         "--force"))


def test_install_resize_vif_start_uninstall(xe: Xe) -> None:
    template = lookup(xe, CENTOS6)
    network = ok(xe("network-list", f"name-label={NETWORK_ETH0}", "--minimal"))
    vm = ok(xe("vm-install", f"template={template}", "new-name-label=web1"))
    assert ok(xe("vm-list", "name-label=web1", "params=power-state", "--minimal")) == "halted"
    assert ok(xe("vm-param-get", f"uuid={vm}", "param-name=is-a-template")) == "false"
    vdi = ok(xe("vbd-list", f"vm-uuid={vm}", "userdevice=0", "type=Disk", "params=vdi-uuid", "--minimal"))
    assert ok(xe("vdi-param-get", f"uuid={vdi}", "param-name=virtual-size")) == str(8 * 2**30)
    ok(xe("vdi-resize", f"uuid={vdi}", f"disk-size={20 * 2**30}"))
    assert ok(xe("vdi-list", f"uuid={vdi}", "params=virtual-size", "--minimal")) == str(20 * 2**30)
    assert "shrinking not allowed" in err(xe("vdi-resize", f"uuid={vdi}", "disk-size=1GiB"))
    vif = ok(xe("vif-create", f"vm-uuid={vm}", f"network-uuid={network}", "device=0"))
    assert ok(xe("vif-list", f"vm-uuid={vm}", "--minimal")) == vif
    assert "already exists" in err(xe("vif-create", f"vm-uuid={vm}", f"network-uuid={network}", "device=0"))
    ok(xe("vm-start", f"uuid={vm}"))
    assert ok(xe("vm-param-get", f"uuid={vm}", "param-name=power-state")) == "running"
    assert ok(xe("vbd-list", f"vm-uuid={vm}", "params=device", "--minimal")) == "xvda"
    assert "expected: halted\nactual: running" in err(xe("vm-start", f"uuid={vm}"))
    assert "No matching VMs found" in err(xe("vm-start", f"uuid={template}"))  # templates are never started
    assert "Type 'yes' to continue" in err(xe("vm-uninstall", f"uuid={vm}"))
    out = ok(xe("vm-uninstall", f"uuid={vm}", "--force"))
    assert f"VDI: {vdi} (web1 0)" in out
    assert ok(xe("vdi-list", f"uuid={vdi}", "--minimal")) == ""
    assert ok(xe("vif-list", "--minimal")) == ""


def test_host_multipathing_and_pbds(xe: Xe) -> None:
    host = ok(xe("host-list", "--minimal"))
    ok(xe("host-param-set", f"uuid={host}", "other-config:multipathing=true"))  # legacy: xapi syncs the field
    assert ok(xe("host-param-get", f"uuid={host}", "param-name=multipathing")) == "true"
    ok(xe("host-param-set", f"uuid={host}", "multipathing=false"))
    assert ok(xe("host-param-get", f"uuid={host}", "param-name=other-config", "param-key=multipathing")) == "false"
    pbd = ok(xe("pbd-list", f"sr-uuid={stock_uuid('sr', 'Local storage')}", "--minimal"))
    ok(xe("pbd-unplug", f"uuid={pbd}"))
    assert ok(xe("pbd-list", "currently-attached=false", "--minimal")) == pbd
    ok(xe("pbd-plug", f"uuid={pbd}"))
    assert ok(xe("pbd-param-get", f"uuid={pbd}", "param-name=currently-attached")) == "true"


def test_state_persists_and_a_failed_call_changes_nothing(xe: Xe, env: dict[str, str]) -> None:
    new = precise(xe)
    state = Path(env["XE_STATE"])
    before = state.read_bytes()
    assert "Key x is not in map" in err(xe("template-param-remove", f"uuid={new}", "param-name=other-config",
                                           "param-key=x"))
    too_big = xe("template-param-set", f"uuid={new}", "name-label=renamed", "memory-static-min=64GiB")
    assert "The dynamic memory range does not satisfy the following constraint." in err(too_big)
    assert state.read_bytes() == before
    fail = xe("vm-clone", f"uuid={new}", "new-name-label=copy", XE_FAIL_ON="vm-clone")
    assert err(fail).startswith("The server failed to handle your request, due to an internal error.")
    assert state.read_bytes() == before
    logged = [json.loads(line) for line in Path(env["XE_LOG"]).read_text().splitlines()]
    assert logged[-1] == ["xe", "vm-clone", f"uuid={new}", "new-name-label=copy"]
    assert lookup(xe, PRECISE64) == new  # and a later call sees the state the earlier ones left


def test_concurrent_calls_all_land(xe: Xe) -> None:
    lucid = lookup(xe, LUCID64)
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda i: xe("vm-clone", f"uuid={lucid}", f"new-name-label=clone {i}"), range(8)))
    assert len({ok(r) for r in results}) == 8
    lucids = ok(xe("template-list", "other-config:debian-release=lucid", "--minimal")).split(",")
    assert len(lucids) == 8 + 2  # the clones and the two stock Lucid templates: no call lost another's change


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


@pytest.mark.parametrize("fail_on", [None, "vif-create"])
def test_the_install_plan_runs_against_the_simulator(tmp_path: Path, env: dict[str, str], fail_on: str | None) -> None:
    """The project's own plan (fedora17-xenserver: the stock RHEL 6 template) runs, or undoes what it did."""
    from toolkit.catalog.profiles import all_profiles
    from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan
    from toolkit.inputs.network import make_network

    bash = require_program("bash")
    network = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    data = VmInstallInput(name="web1", network_name=NETWORK_ETH0, network=network, ks_url="http://192.0.2.2/ks.cfg")
    script = tmp_path / "install.sh"
    script.write_text(build_vm_install_plan(all_profiles()["fedora17-xenserver"], data).render_script())
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "xe").symlink_to(SIM)
    run_env = {**env, "PATH": f"{bindir}:{os.environ['PATH']}", **({"XE_FAIL_ON": fail_on} if fail_on else {})}
    done = subprocess.run([bash, str(script)], capture_output=True, text=True, env=run_env, timeout=120)
    state = json.loads(Path(env["XE_STATE"]).read_text())
    vms = [r for r in state["objects"]["vm"].values() if r["name-label"] == "web1"]
    if fail_on:
        assert done.returncode != 0 and "undoing 1 step(s)" in done.stderr
        assert vms == [] and len(state["objects"]["vdi"]) == 1  # only the stock tools ISO is left
        return
    assert done.returncode == 0, done.stderr
    (vm,) = vms
    assert done.stdout.splitlines()[-1] == vm["uuid"]
    assert (vm["power-state"], vm["VCPUs-max"], vm["memory-static-max"]) == ("running", "2", str(2 * 2**30))
    assert vm["other-config"]["install-repository"].startswith("http://archives.fedoraproject.org/")
    assert "ks=http://192.0.2.2/ks.cfg" in vm["PV-args"]
    disk = next(v for v in state["objects"]["vdi"].values() if v["name-label"] == "web1 0")
    assert disk["virtual-size"] == str(20 * 2**30)
