"""The xe simulator's operations (templates, VMs, VDIs, VIFs, hosts and PBDs) as xapi's rules allow them, and its
state: kept between calls, unchanged by a failed one, and every concurrent call's change kept."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.support.conftest import CENTOS6, LUCID64, PRECISE64, Xe, err, lookup, ok, precise
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0, stock_uuid


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
    # The host field `multipathing` came with 7.5: a XenServer 8 pool has it, and keeps other-config in step.
    host = ok(xe("host-list", "--minimal", XE_SIM_RELEASE="8.4"))
    ok(xe("host-param-set", f"uuid={host}", "other-config:multipathing=true"))  # legacy: xapi syncs the field
    assert ok(xe("host-param-get", f"uuid={host}", "param-name=multipathing")) == "true"
    ok(xe("host-param-set", f"uuid={host}", "multipathing=false"))
    assert ok(xe("host-param-get", f"uuid={host}", "param-name=other-config", "param-key=multipathing")) == "false"
    pbd = ok(xe("pbd-list", f"sr-uuid={stock_uuid('sr', 'Local storage')}", "--minimal"))
    ok(xe("pbd-unplug", f"uuid={pbd}"))
    assert ok(xe("pbd-list", "currently-attached=false", "--minimal")) == pbd
    ok(xe("pbd-plug", f"uuid={pbd}"))
    assert ok(xe("pbd-param-get", f"uuid={pbd}", "param-name=currently-attached")) == "true"


def test_a_6_0_2_pool_has_no_multipathing_field(xe: Xe) -> None:
    host = ok(xe("host-list", "--minimal"))
    assert "Unknown parameter: multipathing" in err(xe("host-param-set", f"uuid={host}", "multipathing=true"))
    ok(xe("host-param-set", f"uuid={host}", "other-config:multipathing=true", "other-config:multipathhandle=dmp"))


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
