"""`sr hba-list` and `sr create-hba` on a test host whose private /dev has /dev/disk/by-id/scsi-<id> pointing at a
real loop device, with the xe simulator (6.0.2 pool) and a fake `multipath -ll` showing that LUN's map."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, require_program
from tests.support.fake_multipath import install_fake_multipath
from tests.support.remote_helpers import XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory

Xenkit = Callable[..., CliResult]
WWID = "3600a0b80000f4b1c000004c04a07e1c0"
NAME = 'SAN LUN "1" $(id) ü'
MAP = f"""mpath0 ({WWID}) dm-2 IBM,1815      FAStT
[size=64M][features=1 queue_if_no_path][hwhandler=1 rdac][rw]
\\_ round-robin 0 [prio=6][active]
 \\_ 1:0:0:0 sdb 8:16  [active][ready]
\\_ round-robin 0 [prio=0][enabled]
 \\_ 1:0:1:0 sdd 8:48  [active][ghost]
"""


@pytest.fixture
def dom0(ssh_host_factory: SshHostFactory, loop_device: str, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch) -> XeHost:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/dev"])
    write_hosts_file(tmp_path, "dom0", host)
    xe = XeHost(host, tmp_path)
    inventory = tmp_path / "inventory"
    inventory.write_text(f"INSTALLATION_UUID='{xe.xe('host-list', '--minimal')}'\n")
    host.set_env({**host.env, "XENSOURCE_INVENTORY": str(inventory)})
    made = host.run_inside(["sh", "-c", f"mkdir -p /dev/disk/by-id && ln -s {loop_device} "
                                        f"/dev/disk/by-id/scsi-{WWID}"])
    assert made.returncode == 0, made.stderr
    install_fake_multipath(host.bin_dir, MAP)
    return xe


def test_list_then_create_then_list_again(xenkit: Xenkit, dom0: XeHost, loop_device: str) -> None:
    listed = xenkit("sr", "hba-list", "--host", "dom0", "--json")
    assert listed.code == 0, listed.err
    assert json.loads(listed.out) == [{"scsi_id": WWID, "device": loop_device, "size": 64 << 20, "map": "mpath0",
                                       "paths_usable": 1, "paths_total": 2, "sr": None}]
    created = xenkit("sr", "create-hba", "--host", "dom0", "--scsi-id", WWID, "--name", NAME)
    assert created.code == 0, created.err
    sr = created.out.strip()
    assert dom0.xe("sr-param-get", f"uuid={sr}", "param-name=name-label") == NAME
    assert dom0.xe("sr-param-get", f"uuid={sr}", "param-name=type") == "lvmohba"
    assert dom0.xe("pbd-list", f"sr-uuid={sr}", "currently-attached=true", "--minimal")
    table = xenkit("sr", "hba-list", "--host", "dom0")
    assert table.code == 0 and table.out.strip().endswith(f"map mpath0: 1/2 paths usable  used by SR {sr}")
    again = xenkit("sr", "create-hba", "--host", "dom0", "--scsi-id", WWID, "--name", "other")
    assert again.code == 1 and f"refused: SR {sr} already uses LUN {WWID}; nothing was changed" in again.err


def test_refusals_change_nothing(xenkit: Xenkit, dom0: XeHost) -> None:
    missing = xenkit("sr", "create-hba", "--host", "dom0", "--scsi-id", "3600000000000000000000000000000ff",
                     "--name", "x")
    assert missing.code == 1 and "is not a block device on this host" in missing.err
    taken = xenkit("sr", "create-hba", "--host", "dom0", "--scsi-id", WWID, "--name", "Local storage")
    assert taken.code == 1 and 'an SR is named "Local storage" already' in taken.err
    assert "sr-create" not in [c[1] for c in dom0.calls()]


def test_a_failure_after_sr_create_forgets_never_destroys(xenkit: Xenkit, dom0: XeHost) -> None:
    dom0.fail_on("sr-param-get")
    dom0.host.set_env({**dom0.host.env, "XENSOURCE_INVENTORY": str(dom0.state.parent / "inventory")})
    result = xenkit("sr", "create-hba", "--host", "dom0", "--scsi-id", WWID, "--name", NAME)
    assert result.code == 1 and "undo: unplugging and forgetting SR" in result.err
    calls = [c[1] for c in dom0.calls()]
    assert "sr-create" in calls and "sr-forget" in calls and "sr-destroy" not in calls
    assert dom0.xe("sr-list", f"name-label={NAME}", "--minimal") == ""


def test_print_and_bad_input(xenkit: Xenkit, tmp_path: Path) -> None:
    printed = xenkit("sr", "create-hba", "--scsi-id", WWID, "--name", NAME)
    assert printed.code == 0 and f"SCSI_ID={WWID}\n" in printed.out
    script = tmp_path / "hba.sh"
    script.write_text(printed.out)
    checked = subprocess.run([require_program("shellcheck"), "-s", "bash", str(script)], capture_output=True,
                             text=True)
    assert checked.returncode == 0, checked.stdout
    bad = xenkit("sr", "create-hba", "--scsi-id", "../../etc", "--name", "x")
    assert bad.code == 2 and "--scsi-id '../../etc'" in bad.err
    newline = xenkit("sr", "create-hba", "--scsi-id", WWID, "--name", "a\nb")
    assert newline.code == 2 and "--name" in newline.err
