"""xe install plans: every xe command is in xe's table, the script is valid bash, and it runs."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHARED_XE_TABLE, installs_hvm, require_program
from toolkit.catalog.profiles import all_profiles
from toolkit.catalog.xetable import check_commands, problems_in
from toolkit.errors import GeneratedFileError
from toolkit.generate.bootargs import BootInput, render_bootargs
from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan
from toolkit.generate.vm_install_hvm import HvmInstallInput
from toolkit.inputs.network import make_network
from toolkit.plan.model import Plan, Step, cmd
from toolkit.resources import xe_table_path

NETWORK = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53", "198.51.100.53"])
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def _input(**overrides: object) -> VmInstallInput:
    values: dict[str, object] = {
        "name": "web 1 (test)", "network_name": "Pool-wide network associated with eth0", "network": NETWORK,
        "ks_url": "http://192.0.2.2/ks/web1.cfg",
    }
    values.update(overrides)
    return VmInstallInput(**values)  # type: ignore[arg-type]  # a dict[str, object] cannot say each name's type


def _input_for(profile: str) -> VmInstallInput:
    # An autoinstall "ks" URL is a NoCloud directory, which must end in '/'; an HVM template installs from an ISO.
    kind = all_profiles()[profile].kind
    hvm = HvmInstallInput("install.iso", "web1-seed.iso") if installs_hvm(profile) else None
    return _input(ks_url="http://192.0.2.2/ks/web1/" if kind == "autoinstall" else "http://192.0.2.2/ks/web1.cfg",
                  hvm=hvm)


def _xe_lines(script: str) -> list[list[str]]:
    """Every xe command line of a rendered script, as argv (including those inside $(...) and undo)."""
    commands = []
    for line in script.splitlines():
        line = line.strip()
        match = re.match(r"^\w+=\$\((xe .*)\)$", line) or re.match(r"^(xe .*)$", line)
        if match:
            commands.append(shlex.split(match.group(1)))
        undo = re.match(r"^xenkit_undo\+=\((.*)\)$", line)
        if undo:
            commands.append(shlex.split(shlex.split(undo.group(1))[0]))
    return commands


def test_shipped_xe_table_is_the_shared_reference() -> None:
    # The shared reference sits beside the checkout on project machines only; the shipped copy is what
    # every other test checks plans against.
    if not SHARED_XE_TABLE.exists():
        pytest.skip(f"{SHARED_XE_TABLE} is not beside this checkout")
    assert xe_table_path().read_bytes() == SHARED_XE_TABLE.read_bytes()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["xe", "vm-frobnicate"], "no command 'vm-frobnicate'"),
        (["xe", "vm-param-set", "uuid=x", "no-such-field=1"], "no parameter 'no-such-field'"),
        (["xe", "vif-create", "vm-uuid=x", "device=0"], "missing required parameter(s) network-uuid"),
        (["xe", "vm-install", "template=x"], "missing required parameter(s) new-name-label"),
        (["xe", "vm-param-set", "uuid=x", "bogus-map:key=1"], "no parameter 'bogus-map:key'"),
        (["xe", "vm-start", "uuid"], "is not name=value"),
    ],
)
def test_xe_table_check_rejects(argv: list[str], expected: str) -> None:
    problems = problems_in(argv)
    assert problems and expected in problems[0]


@pytest.mark.parametrize(
    "argv",
    [
        ["xe", "vm-param-set", "uuid=x", "other-config:install-repository=http://a/"],
        ["xe", "vm-start", "uuid=x"],  # a VM selector field
        ["xe", "vm-start", "vm=web1", "--force"],  # the pseudo-field and a switch
        ["xe", "template-list", "name-label=x", "--minimal"],
        ["xe", "network-list", "other-config:foo=bar"],  # a map filter on a list command
    ],
)
def test_xe_table_check_accepts(argv: list[str]) -> None:
    assert problems_in(argv) == []


def test_plan_check_raises_on_a_bad_command() -> None:
    plan = Plan("bad", [Step("typo", cmd("xe", "vm-param-set", "uuid=x", "PV_args=quiet"))])
    with pytest.raises(GeneratedFileError, match="PV_args"):
        check_commands((c.literal_prefixes() for c in plan.commands()), "test plan")


@pytest.mark.parametrize("profile", sorted(all_profiles()))
def test_every_xe_command_of_every_profile_is_in_the_table(profile: str) -> None:
    script = build_vm_install_plan(all_profiles()[profile], _input_for(profile)).render_script()
    commands = _xe_lines(script)
    names = [c[1] for c in commands]
    needs = ("vbd-create",) if installs_hvm(profile) else ("vm-param-set",)
    for needed in ("vm-install", "vif-create", "vm-start", "vm-uninstall", *needs):
        assert needed in names
    for argv in commands:
        assert problems_in(argv) == [], argv


@pytest.mark.parametrize("profile", sorted(all_profiles()))
def test_script_is_valid_bash(profile: str, tmp_path: Path) -> None:
    bash = require_program("bash")
    script = tmp_path / "install.sh"
    script.write_text(build_vm_install_plan(all_profiles()[profile], _input_for(profile)).render_script())
    result = subprocess.run([bash, "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert script.read_text().splitlines()[:1] == ["#!/usr/bin/env bash"]
    assert "set -euo pipefail" in script.read_text()


def _run(
    script_text: str, tmp_path: Path, fail_on: str | None = None
) -> tuple[subprocess.CompletedProcess[str], list[list[str]]]:
    bash = require_program("bash")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "xe").symlink_to(ROOT / "tests" / "support" / "xe_recorder.py")
    script = tmp_path / "install.sh"
    script.write_text(script_text)
    log = tmp_path / "xe.log"
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}", "XE_LOG": str(log), "XENKIT_SRC": str(ROOT)}
    if fail_on:
        env["XE_FAIL_ON"] = fail_on
    result = subprocess.run([bash, str(script)], capture_output=True, text=True, env=env, timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return result, calls


def test_script_runs_and_passes_the_new_vm_uuid_along(tmp_path: Path) -> None:
    profile = all_profiles()["ubuntu1204-di"]  # d-i PV-args hold double quotes: a quoting test
    plan = build_vm_install_plan(profile, _input(vcpus=4, memory=4 * 2**30, disk=40 * 2**30))
    result, calls = _run(plan.render_script(), tmp_path)
    assert result.returncode == 0, result.stderr
    # The VM's uuid and nothing else: vif-create prints the VIF's uuid too, which the script captures.
    vm_uuid = result.stdout.strip()
    assert UUID.match(vm_uuid) and result.stdout == vm_uuid + "\n"
    names = [c[1] for c in calls]
    assert names == [
        "network-list", "template-list", "vm-list", "vm-install", "vm-memory-limits-set", "vm-param-set",
        "vm-param-set", "vm-param-set", "vbd-list", "vdi-resize", "vif-create", "vm-param-set", "vm-param-set",
        "vm-start",
    ]
    assert calls[3][2:] == [calls[3][2], "new-name-label=web 1 (test)"]
    for call in calls[4:9] + calls[10:]:
        assert call[2] in (f"uuid={vm_uuid}", f"vm-uuid={vm_uuid}")
    expected_args = render_bootargs(profile, BootInput(NETWORK, "http://192.0.2.2/ks/web1.cfg"))
    assert calls[12][3] == f"PV-args={expected_args}"
    assert 'netcfg/get_nameservers="192.0.2.53 198.51.100.53"' in expected_args
    assert calls[4][2:] == [f"uuid={vm_uuid}"] + [f"{k}={4 * 2**30}" for k in
                                                   ("static-min", "dynamic-min", "dynamic-max", "static-max")]
    assert calls[7][3] == "VCPUs-at-startup=4"
    assert calls[9][3] == f"disk-size={40 * 2**30}"
    assert "[14/14] Start the VM" in result.stderr


def test_failure_after_vm_install_uninstalls_the_vm(tmp_path: Path) -> None:
    plan = build_vm_install_plan(all_profiles()["fedora17-xenserver"], _input())
    result, calls = _run(plan.render_script(), tmp_path, fail_on="vif-create")
    assert result.returncode != 0
    vm_uuid = next(c for c in calls if c[1] == "vm-param-set")[2].removeprefix("uuid=")
    assert calls[-1] == ["xe", "vm-uninstall", f"uuid={vm_uuid}", "--force"]
    assert "vm-start" not in [c[1] for c in calls]
    assert "undoing 1 step(s)" in result.stderr


def test_failure_before_vm_install_undoes_nothing(tmp_path: Path) -> None:
    plan = build_vm_install_plan(all_profiles()["centos6-xenserver"], _input())
    result, calls = _run(plan.render_script(), tmp_path, fail_on="template-list")
    assert result.returncode != 0
    assert [c[1] for c in calls] == ["network-list", "template-list"]
    assert "undo" not in result.stderr


def test_existing_vm_of_that_name_stops_the_plan(tmp_path: Path) -> None:
    """vm-list printing a uuid (a VM of that name exists) must stop before vm-install."""
    script = build_vm_install_plan(all_profiles()["centos6-xenserver"], _input()).render_script()
    script = script.replace("existing_uuid=$(xe vm-list", "existing_uuid=$(echo 1234; : xe vm-list")
    result, calls = _run(script, tmp_path)
    assert result.returncode != 0
    assert "already exists (1234)" in result.stderr
    assert "vm-install" not in [c[1] for c in calls]
