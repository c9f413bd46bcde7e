"""The bond active-member script and installer as text (bash -n, shellcheck), and the bond/show parser."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.bond.show import parse_bond_list, parse_bond_show
from toolkit.errors import ValidationError
from toolkit.generate.bond_active import make_choice, render_installer, render_script, render_sysv, render_unit

OLD_SHOW = """bond_mode: active-backup
lacp: off
bond-detect-mode: carrier
updelay: 31000 ms
downdelay: 200 ms

slave eth2: enabled

slave eth0: enabled
\tactive slave
"""
NEW_SHOW = """---- bond0 ----
bond_mode: active-backup
bond may use recirculation: no, Recirc-ID : -1
bond-hash-basis: 0
updelay: 31000 ms
downdelay: 200 ms
lacp_status: off
active member mac: 00:1b:21:3c:9d:01(eth1)

member eth0: disabled
  may_enable: false

member eth1: enabled
  may_enable: true
"""


def test_parse_the_blogs_ovs_1x_output() -> None:
    bond = parse_bond_show("bond0", OLD_SHOW)
    assert bond.as_json() == {"bond": "bond0", "mode": "active-backup", "active_slave": "eth0", "slaves": [
        {"name": "eth2", "link": "up", "active": False}, {"name": "eth0", "link": "up", "active": True}]}


def test_parse_the_member_layout_with_the_active_mac_line() -> None:
    bond = parse_bond_show("x", NEW_SHOW)
    assert (bond.name, bond.active and bond.active.name) == ("bond0", "eth1")
    assert [(m.name, m.enabled) for m in bond.members] == [("eth0", False), ("eth1", True)]


def test_parse_bond_list_old_and_new_headers() -> None:
    assert parse_bond_list("bond\ttype\tslaves\nbond0\tactive-backup\teth2, eth0\nbond1\tactive-backup\teth1\n") == [
        "bond0", "bond1"]
    assert parse_bond_list("bond\ttype\trecircID\tmembers\nbond0\tactive-backup\t0\teth1, eth0\n") == ["bond0"]


@pytest.mark.parametrize("init", ["auto", "sysv", "systemd"])
def test_every_file_passes_bash_n_and_shellcheck(tmp_path: Path, init: str) -> None:
    shellcheck = require_program("shellcheck")
    choice = make_choice("bond0", "eth0", "192.0.2.1", init)
    for name, text in (("installer", render_installer(choice)), ("script", render_script(choice)),
                       ("sysv", render_sysv(choice))):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0, name
        checked = subprocess.run([shellcheck, "-s", "bash", str(path)], capture_output=True, text=True)
        assert checked.returncode == 0, checked.stdout


def test_the_sysv_script_has_the_chkconfig_header_and_the_unit_runs_after_openvswitch() -> None:
    choice = make_choice("bond1", "eth1", None)
    assert "# chkconfig: 2345 14 90\n" in render_sysv(choice)
    unit = render_unit(choice)
    assert "After=openvswitch.service" in unit and "ExecStart=/usr/local/sbin/xenkit-bond-bond1\n" in unit
    assert "TARGET=''" in render_script(choice)


@pytest.mark.parametrize("args, field", [
    (("bond 0", "eth0", None), "--bond"), (("bond0", "eth0;reboot", None), "--prefer"),
    (("bond0", "eth0", "300.1.1.1"), "--check-target"), (("bond0", "eth0", "-x"), "--check-target"),
])
def test_bad_values_are_refused(args: tuple[str, str, str | None], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        make_choice(*args)
    assert field in str(caught.value)
