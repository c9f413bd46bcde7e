"""Names are data, run for real against the xe simulator: the printed script under bash, and the same plan with
--host over SSH (argv quoted once for the remote shell). VM, network and template names that hold every shell
metacharacter (tests/generate/name_samples.py) reach the simulator's state byte for byte, and nothing in them runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import Xenkit
from tests.generate.name_samples import hostile
from tests.support.remote_helpers import XeHost
from tests.support.xe_local import LocalXe
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0
from toolkit.catalog.profiles import all_profiles
from toolkit.catalog.xenserver import parse_release, template_for

PROFILE = "centos6-xenserver"


def stock_template(release: str) -> str:
    """The profile's template on the simulated pool's release."""
    return getattr(template_for(all_profiles()[PROFILE].guest_os, parse_release(release)), "name", "")
LUCID64 = "Ubuntu Lucid Lynx 10.04 (64-bit)"
GUEST = ["--ks", "http://192.0.2.2/web1.cfg", "--hostname", "web1.example.com", "--ip", "192.0.2.10/24",
         "--gateway", "192.0.2.1", "--nameserver", "192.0.2.53"]

Xe = Callable[..., str]  # runs the simulator on the test's state; its stdout, stripped


@dataclass(frozen=True)
class Names:
    """Hostile names: the pool's eth0 network and the profile's template renamed to two, the new VM's a third."""

    vm: str
    network: str
    template: str
    network_uuid: str
    template_uuid: str

    def vm_install(self, *mode: str) -> list[str]:
        return ["vm", "install", PROFILE, "--name", self.vm, "--network", self.network, "--template", self.template,
                *GUEST, *mode]


def _rename(xe: Xe, kind: str, old: str, new: str) -> str:
    uuid = xe(f"{kind}-list", f"name-label={old}", "--minimal")
    xe(f"{kind}-param-set", f"uuid={uuid}", f"name-label={new}")
    return uuid


def _name_objects(xe: Xe, marker: Path, release: str = "6.0.2") -> Names:
    network, template = hostile(marker, "net "), hostile(marker, "tpl ")
    return Names(hostile(marker, "vm "), network, template, _rename(xe, "network", NETWORK_ETH0, network),
                 _rename(xe, "template", stock_template(release), template))


def _state(path: Path) -> dict[str, dict[str, dict[str, object]]]:
    objects: dict[str, dict[str, dict[str, object]]] = json.loads(path.read_text(encoding="utf-8"))["objects"]
    return objects


def _check_installed(state: Path, calls: list[list[str]], vm_uuid: str, names: Names, marker: Path) -> None:
    objects = _state(state)
    assert str(objects["vm"][vm_uuid]["name-label"]).encode() == names.vm.encode()
    assert objects["network"][names.network_uuid]["name-label"] == names.network
    assert objects["vm"][names.template_uuid]["name-label"] == names.template
    assert [v["network-uuid"] for v in objects["vif"].values() if v["vm-uuid"] == vm_uuid] == [names.network_uuid]
    assert ["xe", "network-list", f"name-label={names.network}", "--minimal"] in calls  # one argument each
    assert ["xe", "vm-install", f"template={names.template_uuid}", f"new-name-label={names.vm}"] in calls
    assert not marker.exists()  # no $(...), `...`, ; or | in the names ran


def test_names_are_data_printed_vm_install_run_by_bash(xenkit: Xenkit, tmp_path: Path, marker: Path) -> None:
    local = LocalXe(tmp_path)
    names = _name_objects(local.xe, marker)
    printed = xenkit(*names.vm_install("--print"))
    assert printed.code == 0, printed.err
    run = local.bash(printed.out)
    assert run.returncode == 0, run.stderr
    vm_uuid = run.stdout.strip()
    assert run.stdout == vm_uuid + "\n"  # the VM's uuid only (vif-create's uuid is captured)
    _check_installed(local.state, local.calls(), vm_uuid, names, marker)
    assert f'[1/14] Find network "{names.network}"' in run.stderr  # the step titles are echoed as they are


def test_names_are_data_printed_template_clone_run_by_bash(xenkit: Xenkit, tmp_path: Path, marker: Path) -> None:
    local = LocalXe(tmp_path)
    base, name = hostile(marker, "base "), hostile(marker, "new ")
    lucid = _rename(local.xe, "template", LUCID64, base)
    printed = xenkit("template", "clone", "precise", "--from", base, "--name", name, "--print")
    assert printed.code == 0, printed.err
    run = local.bash(printed.out)
    assert run.returncode == 0, run.stderr
    new = _state(local.state)["vm"][run.stdout.strip()]
    assert (new["name-label"], new["name-description"]) == (name, f"Made by xenkit: {base} for precise (amd64)")
    assert ["xe", "template-list", f"name-label={base}", "--minimal"] in local.calls()
    assert _state(local.state)["vm"][lucid]["name-label"] == base
    again = local.bash(printed.out)  # the guard's probes and messages carry the names too
    assert again.returncode == 0 and again.stdout == run.stdout and "nothing to do" in again.stderr
    assert not marker.exists()


def test_names_are_data_vm_install_over_ssh(xenkit: Xenkit, dom0: XeHost, marker: Path) -> None:
    names = _name_objects(dom0.xe, marker, dom0.release)
    result = xenkit(*names.vm_install("--host", "dom0"))
    assert result.code == 0, result.err
    vm_uuid = result.out.strip()
    _check_installed(dom0.state, dom0.calls(), vm_uuid, names, marker)
    assert dom0.xe("vm-list", f"name-label={names.vm}", "--minimal") == vm_uuid


def test_names_are_data_template_clone_over_ssh(xenkit: Xenkit, dom0_602: XeHost, marker: Path) -> None:
    dom0 = dom0_602  # Lucid, the base, ships up to 7.4
    base, name = hostile(marker, "base "), hostile(marker, "new ")
    lucid = _rename(dom0.xe, "template", LUCID64, base)
    result = xenkit("template", "clone", "precise", "--from", base, "--name", name, "--host", "dom0")
    assert result.code == 0, result.err
    uuid = result.out.strip()
    new = _state(dom0.state)["vm"][uuid]
    assert (new["name-label"], new["name-description"]) == (name, f"Made by xenkit: {base} for precise (amd64)")
    assert ["xe", "vm-clone", f"uuid={lucid}", f"new-name-label={name}",
            f"new-name-description=Made by xenkit: {base} for precise (amd64)"] in dom0.calls()
    again = xenkit("template", "clone", "precise", "--from", base, "--name", name, "--host", "dom0")
    assert again.code == 0 and again.out == result.out and "nothing to do" in again.err
    assert not marker.exists()


def test_vm_install_runs_over_ssh_too(xenkit: Xenkit, dom0: XeHost) -> None:
    """The same command on each pool: without --xenserver the plan finds the release's own template name."""
    result = xenkit("vm", "install", PROFILE, "--name", "web1", *GUEST, "--network", NETWORK_ETH0, "--host", "dom0")
    assert result.code == 0, result.err
    uuid = result.out.strip()
    assert dom0.xe("vm-list", "name-label=web1", "--minimal") == uuid
    assert dom0.xe("vm-param-get", f"uuid={uuid}", "param-name=power-state") == "running"
    tried = [c[2] for c in dom0.calls() if c[1] == "template-list"]
    assert tried[-1] == f"name-label={stock_template(dom0.release)}"
    with_release = xenkit("vm", "install", PROFILE, "--name", "web2", *GUEST, "--network", NETWORK_ETH0,
                          "--xenserver", dom0.release, "--host", "dom0")
    assert with_release.code == 0, with_release.err
