"""`vm recover`: the plan run by bash against the 6.0.2 simulator with Xen's domains in a file that fakes of
list_domains and destroy_domain share with the simulator (a stuck domain makes vm-reboot --force fail as xapi does)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_program
from tests.support.fake_domains import install_fake_domains
from tests.support.remote_helpers import XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost
from tests.support.xe_local import LocalXe
from toolkit.errors import UsageError
from toolkit.generate.vm_recover import render_recover
from toolkit.plan.script_xe import xe_commands_of

Xenkit = Callable[..., CliResult]
VM = "web 1 (prod)"


@pytest.fixture
def pool(tmp_path: Path) -> tuple[LocalXe, str]:
    xe = LocalXe(tmp_path)
    xe.env()
    template = xe.xe("template-list", "name-label=CentOS 5 (64-bit)", "--minimal")
    vm = xe.xe("vm-install", f"template={template}", f"new-name-label={VM}")
    xe.xe("vm-start", f"uuid={vm}")
    return xe, vm


def domains(pool: LocalXe, vm: str, stuck: bool) -> Path:
    path = pool.directory / "domains.json"
    dom0 = pool.xe("vm-list", "is-control-domain=true", "params=uuid", "--minimal")
    install_fake_domains(pool.directory / "bin", path, {"0": {"uuid": dom0, "state": "R"},
                                                         "7": {"uuid": vm, "state": "B", "stuck": stuck}})
    return path


def recover(pool: LocalXe, path: Path, name: str = VM) -> subprocess.CompletedProcess[str]:
    return pool.bash(render_recover(None, name, wait=10, poll=1), XE_SIM_DOMAINS=str(path))


def test_a_plain_force_reboot_is_enough(pool: tuple[LocalXe, str]) -> None:
    xe, vm = pool
    path = domains(xe, vm, stuck=False)
    done = recover(xe, path)
    assert done.returncode == 0, done.stderr
    assert f'VM "{VM}" ({vm}): running, domain 7' in done.stdout
    assert "== step 1" in done.stdout and "== step 2" not in done.stdout and "OK:" in done.stdout
    assert "7" not in json.loads(path.read_text())


def test_a_stuck_domain_is_destroyed_then_the_reboot_works(pool: tuple[LocalXe, str]) -> None:
    xe, vm = pool
    path = domains(xe, vm, stuck=True)
    done = recover(xe, path)
    assert done.returncode == 0, done.stderr
    assert "a domain still exists for the specified VM" in done.stdout
    assert "destroy_domain -domid 7" in done.stdout and "domain 7 destroyed" in done.stdout
    assert "== step 3" not in done.stdout
    assert xe.xe("vm-param-get", f"uuid={vm}", "param-name=power-state") == "running"


def test_the_last_resort_when_the_domain_cannot_be_destroyed(pool: tuple[LocalXe, str]) -> None:
    xe, vm = pool
    path = domains(xe, vm, stuck=True)
    (xe.directory / "bin" / "destroy_domain").write_text("#!/bin/sh\necho cannot >&2; exit 1\n")
    done = recover(xe, path)
    # reset-powerstate marks it halted; vm-start then runs it (the simulator's start needs no domain check)
    assert "== step 3 (last resort)" in done.stdout and "marked halted; starting it" in done.stdout
    calls = [c[1] for c in xe.calls()]
    assert calls.index("vm-reset-powerstate") < calls.index("vm-start", calls.index("vm-reset-powerstate"))


@pytest.mark.parametrize(("name", "message"), [
    ("Control domain on host: xenserver1", "is the control domain (dom0)"),
    ("nobody", 'no VM is named "nobody"'),
])
def test_refusals(pool: tuple[LocalXe, str], name: str, message: str) -> None:
    xe, vm = pool
    done = recover(xe, domains(xe, vm, stuck=False), name)
    assert done.returncode == 1 and message in done.stderr
    assert "vm-reboot" not in [c[1] for c in xe.calls()]


def test_a_halted_vm_is_refused(pool: tuple[LocalXe, str]) -> None:
    xe, vm = pool
    xe.xe("vm-shutdown", f"uuid={vm}")
    done = recover(xe, domains(xe, vm, stuck=False))
    assert done.returncode == 1 and "is halted, not running or paused: nothing to recover" in done.stderr


def test_plan_text_and_bad_input(tmp_path: Path) -> None:
    script = render_recover("8D3C0E52-0000-4000-8000-000000000001", None, wait=180)
    path = tmp_path / "r.sh"
    path.write_text(script)
    checked = subprocess.run([require_program("shellcheck"), "-s", "bash", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert "VM_UUID=8d3c0e52-0000-4000-8000-000000000001" in script
    assert [c[1] for c in xe_commands_of(script)].count("vm-reboot") == 1  # a message naming xe is not a call
    for args in ((None, None), ("x", None)):
        with pytest.raises(UsageError):
            render_recover(args[0], args[1], wait=10)


def test_over_ssh(xenkit: Xenkit, ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "dom0", ssh_host)
    xe = XeHost(ssh_host, tmp_path)
    template = xe.xe("template-list", "name-label=CentOS 5 (64-bit)", "--minimal")
    vm = xe.xe("vm-install", f"template={template}", f"new-name-label={VM}")
    xe.xe("vm-start", f"uuid={vm}")
    path = tmp_path / "domains.json"
    install_fake_domains(ssh_host.bin_dir, path, {"9": {"uuid": vm, "state": "B", "stuck": True}})
    ssh_host.set_env({**ssh_host.env, "XE_SIM_DOMAINS": str(path)})
    result = xenkit("vm", "recover", "--host", "dom0", "--name", VM, "--wait", "10")
    assert result.code == 0, result.err
    assert result.out == "dom0: the VM runs again\n" and "destroy_domain -domid 9" in result.err


def test_on_a_xenserver_8_pool_too(tmp_path: Path) -> None:
    xe = LocalXe(tmp_path, release="8.4")
    xe.env()
    template = xe.xe("template-list", "name-label=Rocky Linux 9", "--minimal")
    vm = xe.xe("vm-install", f"template={template}", f"new-name-label={VM}")
    xe.xe("vm-start", f"uuid={vm}")
    path = domains(xe, vm, stuck=True)
    done = recover(xe, path)
    assert done.returncode == 0, done.stderr
    assert "domain 7 destroyed" in done.stdout
