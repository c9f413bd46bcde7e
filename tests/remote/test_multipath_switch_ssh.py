"""`multipath enable --host`: the plan run over SSH on a test host with the xe simulator (a 6.0.2 pool) and a fake
`multipath -ll`, then each SR's LUN checked for usable paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.fake_multipath import TWO_PATHS, WWID, install_fake_multipath
from tests.support.remote_helpers import XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost

Xenkit = Callable[..., CliResult]


@pytest.fixture
def dom0(ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> XeHost:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "dom0", ssh_host)
    xe = XeHost(ssh_host, tmp_path)
    host = xe.xe("host-list", "--minimal")
    inventory = tmp_path / "inventory"
    inventory.write_text(f"INSTALLATION_UUID='{host}'\n")
    ssh_host.set_env({**ssh_host.env, "XENSOURCE_INVENTORY": str(inventory)})
    sr = xe.xe("sr-list", "type=lvm", "--minimal")
    state = json.loads(xe.state.read_text())
    for pbd in state["objects"]["pbd"].values():
        if pbd["sr-uuid"] == sr:
            pbd["device-config"] = {"device": "/dev/disk/by-id/scsi-" + WWID, "SCSIid": WWID}
    xe.state.write_text(json.dumps(state))
    return xe


def fake_multipath(host: SshTestHost, text: str) -> None:
    install_fake_multipath(host.bin_dir, text)


def test_enable_over_ssh_checks_the_paths(xenkit: Xenkit, dom0: XeHost) -> None:
    fake_multipath(dom0.host, TWO_PATHS)
    result = xenkit("multipath", "enable", "--host", "dom0")
    assert result.code == 0, result.err
    assert result.out == "dom0: multipathing enabled\n"
    assert "dom0: xenkit: unplugging PBD" in result.err
    again = xenkit("multipath", "enable", "--host", "dom0")
    assert again.code == 0 and again.out == "dom0: multipathing enabled (it already was)\n"


def test_one_usable_path_is_a_warning_none_a_failure(xenkit: Xenkit, dom0: XeHost) -> None:
    fake_multipath(dom0.host, TWO_PATHS.replace("[active][ready]\n\\_ round-robin 0 [prio=1]", "[failed][faulty]\n"
                                                "\\_ round-robin 0 [prio=1]", 1))
    result = xenkit("multipath", "enable", "--host", "dom0")
    assert result.code == 0, result.err
    assert "has 1 usable path: multiple targets/HBAs?" in result.err and WWID in result.err
    assert xenkit("multipath", "disable", "--host", "dom0").code == 0
    fake_multipath(dom0.host, "")
    result = xenkit("multipath", "enable", "--host", "dom0")
    assert result.code == 1 and f"no multipath map for its LUN {WWID}" in result.err


def test_print_and_host_together_is_a_usage_error(xenkit: Xenkit) -> None:
    result = xenkit("multipath", "enable", "--print", "--host", "dom0")
    assert result.code == 2 and "give one" in result.err
