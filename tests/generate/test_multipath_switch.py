"""`multipath enable|disable`: the printed plan (bash -n, shellcheck, xe's table) and the plan run by bash against a
XenServer 6.0.2 simulator pool: the vendor's order of steps, nothing to do when already set, the refusal while
running VMs use the SRs, and the undo of a failed step."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.xe_local import LocalXe
from toolkit.errors import UsageError
from toolkit.generate.multipath_switch import release_version, render_switch, sr_luns
from toolkit.plan.script_xe import xe_commands_of


@pytest.fixture
def pool(tmp_path: Path) -> LocalXe:
    xe = LocalXe(tmp_path)
    host = xe.xe("host-list", "--minimal")
    (tmp_path / "inventory").write_text(f"PRODUCT_BRAND='XenServer'\nINSTALLATION_UUID='{host}'\n")
    return xe


def run_plan(pool: LocalXe, enable: bool, **env: str) -> subprocess.CompletedProcess[str]:
    return pool.bash(render_switch(enable), XENSOURCE_INVENTORY=str(pool.directory / "inventory"), **env)


def host_record(pool: LocalXe) -> dict[str, str]:
    host = pool.xe("host-list", "--minimal")
    return {"other-config": pool.xe("host-param-get", f"uuid={host}", "param-name=other-config"), "uuid": host}


def attached(pool: LocalXe) -> set[str]:
    return set(pool.xe("pbd-list", "currently-attached=false", "--minimal").split(",")) - {""}


@pytest.mark.parametrize("enable", [True, False])
def test_printed_plan_passes_bash_shellcheck_and_the_xe_table(tmp_path: Path, enable: bool) -> None:
    script = render_switch(enable, release_version("6.0.2"))
    path = tmp_path / "plan.sh"
    path.write_text(script)
    assert subprocess.run([require_program("bash"), "-n", str(path)]).returncode == 0
    checked = subprocess.run([require_program("shellcheck"), "-s", "bash", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout
    assert "RELEASE=6.0.2\n" in script
    names = [argv[1] for argv in xe_commands_of(script)]
    assert "pbd-unplug" in names and "pbd-plug" in names and "host-disable" in names
    assert ("other-config:multipathhandle=dmp" in script) == enable


def test_enable_on_602_follows_the_vendors_steps_and_is_idempotent(pool: LocalXe) -> None:
    done = run_plan(pool, True)
    assert done.returncode == 0, done.stderr
    assert "other-config:multipathing (6.0-7.4)" in done.stdout and "done: multipathing is true" in done.stdout
    config = host_record(pool)["other-config"]
    assert "multipathing: true" in config and "multipathhandle: dmp" in config
    calls = [c[1] for c in pool.calls()]
    first_set = calls.index("host-param-set")
    assert "pbd-unplug" in calls[:first_set] and "pbd-plug" not in calls[:first_set]
    assert calls.count("pbd-unplug") == calls.count("pbd-plug") > 0 and "host-disable" not in calls
    assert attached(pool) == set()
    again = run_plan(pool, True)
    assert again.returncode == 0 and "multipathing is already true: nothing to do" in again.stdout
    assert [c[1] for c in pool.calls()].count("pbd-unplug") == calls.count("pbd-unplug")


def test_disable_never_touches_multipathhandle(pool: LocalXe) -> None:
    assert run_plan(pool, True).returncode == 0
    done = run_plan(pool, False)
    assert done.returncode == 0, done.stderr
    config = host_record(pool)["other-config"]
    assert "multipathing: false" in config and "multipathhandle: dmp" in config


def test_running_vms_on_those_srs_refuse_and_nothing_changes(pool: LocalXe) -> None:
    local = pool.xe("sr-list", "type=lvm", "--minimal")
    template = pool.xe("template-list", "name-label=CentOS 5 (64-bit)", "--minimal")
    vm = pool.xe("vm-install", f"template={template}", "new-name-label=db 1 (prod)", f"sr-uuid={local}")
    pool.xe("vm-start", f"uuid={vm}")
    before = len(pool.calls()) if (pool.directory / "xe-log.jsonl").exists() else 0
    done = run_plan(pool, True)
    assert done.returncode == 1
    assert f"refused: these VMs have disks on SRs whose PBDs would be unplugged: db 1 (prod) ({vm}, running)" \
        in done.stderr and "nothing was changed" in done.stderr
    calls = [c[1] for c in pool.calls()[before:]]
    assert "pbd-unplug" not in calls and "host-param-set" not in calls
    assert "multipathing" not in host_record(pool)["other-config"]


def test_a_failed_step_is_undone(pool: LocalXe) -> None:
    done = run_plan(pool, True, XE_FAIL_ON="host-param-set")
    assert done.returncode != 0
    assert "a step failed" in done.stderr and "undo: plugging PBD" in done.stdout
    assert attached(pool) == set()  # every PBD plugged again
    assert "multipathing" not in host_record(pool)["other-config"]  # the key it did not have is gone again


def test_release_versions() -> None:
    assert release_version(None) == "" and release_version(" 6.0.2 ") == "6.0.2"
    for bad in ("9.9", "5.6 SP2", "x"):
        with pytest.raises(UsageError):
            release_version(bad)


def test_sr_luns_from_the_plans_last_lines() -> None:
    out = "xenkit: done\nxenkit-sr: 1111-2222 3600a0b8000\nxenkit-sr: bad\n"
    assert sr_luns(out) == [("1111-2222", "3600a0b8000")]
    assert json.dumps(sr_luns("")) == "[]"


@pytest.fixture
def pool84(tmp_path: Path) -> LocalXe:
    xe = LocalXe(tmp_path, release="8.4")
    host = xe.xe("host-list", "--minimal")
    (tmp_path / "inventory").write_text(f"INSTALLATION_UUID='{host}'\n")
    return xe


def test_enable_on_84_uses_the_host_field_with_the_host_disabled(pool84: LocalXe) -> None:
    done = run_plan(pool84, True)
    assert done.returncode == 0, done.stderr
    assert "XenServer 8.4.0: the host field multipathing (7.5 and later)" in done.stdout
    host = pool84.xe("host-list", "--minimal")
    assert pool84.xe("host-param-get", f"uuid={host}", "param-name=multipathing") == "true"
    assert pool84.xe("host-param-get", f"uuid={host}", "param-name=enabled") == "true"
    calls = [c[1:] for c in pool84.calls()]
    names = [c[0] for c in calls]
    assert names.index("host-disable") < names.index("pbd-unplug") < names.index("host-param-set")
    assert names.index("host-param-set") < names.index("pbd-plug") < names.index("host-enable")
    assert ["host-param-set", f"uuid={host}", "multipathing=true"] in calls
    assert not any("other-config:multipathhandle=dmp" in c for c in calls)
    off = run_plan(pool84, False)
    assert off.returncode == 0 and pool84.xe("host-param-get", f"uuid={host}", "param-name=multipathing") == "false"


def test_a_602_pool_has_no_host_field_so_a_plan_fixed_to_84_fails_there_and_undoes(pool: LocalXe) -> None:
    done = pool.bash(render_switch(True, release_version("8.4")),
                     XENSOURCE_INVENTORY=str(pool.directory / "inventory"))
    assert done.returncode != 0  # xe of XenServer 6.0 knows no host field "multipathing"
    assert attached(pool) == set()  # every PBD plugged again
    host = pool.xe("host-list", "--minimal")
    assert pool.xe("host-param-get", f"uuid={host}", "param-name=enabled") == "true"
