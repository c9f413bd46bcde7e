"""`xenkit template clone` run for real: over SSH on a test host whose `xe` is the simulator.

XenServer cannot run here; the simulator (tests/support/xe_sim/xe_sim.py) keeps a XenServer 6.0.2 pool's state in a file
and accepts exactly xe's commands and parameters (XenServer 6.0's table there). Each test reads that state back with
xe itself. The base templates (Lucid, Squeeze) ship up to 7.4, so the plan is meant for those releases: these tests
use a 6.0.2 pool, and one checks that on XenServer 8 the plan refuses before changing anything.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.support.remote_helpers import XeHost, write_hosts_file

LUCID64 = "Ubuntu Lucid Lynx 10.04 (64-bit)"
PRECISE64 = "Ubuntu Precise Pangolin 12.04 (64-bit)"


@pytest.fixture
def dom0(dom0_602: XeHost) -> XeHost:
    return dom0_602


def test_on_xenserver_8_the_clone_refuses_and_names_the_missing_base(xenkit: Xenkit, dom0_8: XeHost) -> None:
    result = xenkit("template", "clone", "precise", "--host", "dom0")
    assert result.code == 1
    assert f'template named "{LUCID64}": none found' in result.err and "nothing to undo" in result.err
    assert [c[1] for c in dom0_8.calls()] == ["template-list"]


def _template(dom0: XeHost, name: str) -> str:
    return dom0.xe("template-list", f"name-label={name}", "--minimal")


def _other_config(dom0: XeHost, uuid: str, key: str) -> str:
    return dom0.xe("template-param-get", f"uuid={uuid}", "param-name=other-config", f"param-key={key}")


def test_precise_with_defaults_does_what_the_seed_does(xenkit: Xenkit, dom0: XeHost) -> None:
    result = xenkit("template", "clone", "precise", "--host", "dom0")
    assert result.code == 0, result.err
    uuid = result.out.strip()
    assert _template(dom0, PRECISE64) == uuid
    assert _other_config(dom0, uuid, "default_template") == "true"
    assert _other_config(dom0, uuid, "debian-release") == "precise"
    assert _other_config(dom0, uuid, "install-arch") == "amd64"
    assert _other_config(dom0, uuid, "install-distro") == "debianlike"  # kept from Lucid
    assert dom0.xe("template-param-get", f"uuid={uuid}", "param-name=PV-args") == "-- quiet console=hvc0"
    lucid = _template(dom0, LUCID64)
    assert _other_config(dom0, lucid, "debian-release") == "lucid"  # the base is untouched
    changes = [c[1:] for c in dom0.calls() if not c[1].endswith(("-list", "-param-get"))]
    assert changes == [
        ["vm-clone", f"uuid={lucid}", f"new-name-label={PRECISE64}",
         f"new-name-description=Made by xenkit: {LUCID64} for precise (amd64)"],
        ["template-param-set", f"uuid={uuid}", "other-config:default_template=true",
         "other-config:debian-release=precise", "other-config:install-arch=amd64"],
    ]
    assert dom0.calls()[0][1:3] == ["template-list", f"name-label={LUCID64}"]


def test_second_run_changes_nothing(xenkit: Xenkit, dom0: XeHost) -> None:
    first = xenkit("template", "clone", "precise", "--host", "dom0", "--repo", "http://192.0.2.2/ubuntu/")
    assert first.code == 0, first.err
    state = dom0.state.read_bytes()
    calls = len(dom0.calls())
    again = xenkit("template", "clone", "precise", "--host", "dom0", "--repo", "http://192.0.2.2/ubuntu/")
    assert again.code == 0, again.err
    assert again.out == first.out and "already exists with these settings" in again.err
    assert dom0.state.read_bytes() == state
    assert all(c[1].endswith(("-list", "-param-get")) for c in dom0.calls()[calls:])


def test_other_settings_are_an_error_unless_replace(xenkit: Xenkit, dom0: XeHost) -> None:
    first = xenkit("template", "clone", "precise", "--host", "dom0")
    old = first.out.strip()
    state = dom0.state.read_bytes()
    clash = xenkit("template", "clone", "precise", "--host", "dom0", "--arch", "amd64", "--methods", "http,ftp")
    assert clash.code == 1 and dom0.state.read_bytes() == state
    assert "other settings: other-config:install-methods is 'cdrom,http,ftp', wanted 'http,ftp'" in clash.err
    assert "--replace" in clash.err and "Traceback" not in clash.err
    replaced = xenkit("template", "clone", "precise", "--host", "dom0", "--methods", "http,ftp", "--replace")
    assert replaced.code == 0, replaced.err
    new = replaced.out.strip()
    assert new != old and _template(dom0, PRECISE64) == new  # one template of that name: the new one
    assert _other_config(dom0, new, "install-methods") == "http,ftp"
    assert dom0.xe("template-list", f"uuid={old}", "--minimal") == ""


def test_a_failed_step_is_undone_and_named(xenkit: Xenkit, dom0: XeHost) -> None:
    dom0.fail_on("template-param-set")
    result = xenkit("template", "clone", "precise", "--host", "dom0")
    assert result.code == 1
    assert "step 5/5 failed: Set debian-release, install-arch and the other settings: exit status 1" in result.err
    assert "internal error" in result.err  # the host's output is shown
    assert "undone: Clone" in result.err
    assert _template(dom0, PRECISE64) == ""  # the clone was removed again


def test_missing_base_template(xenkit: Xenkit, dom0: XeHost) -> None:
    result = xenkit("template", "clone", "precise", "--host", "dom0", "--from", "Ubuntu Nothing 9.99")
    assert result.code == 1
    assert 'template named "Ubuntu Nothing 9.99": none found' in result.err
    assert "nothing to undo" in result.err


def test_the_printed_script_run_on_the_host_does_the_same(xenkit: Xenkit, dom0: XeHost) -> None:
    printed = xenkit("template", "clone", "wheezy", "--arch", "i386", "--print")
    assert printed.code == 0
    run = subprocess.run(dom0.host.ssh_argv("bash", "-s"), input=printed.out, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    uuid = run.stdout.strip()
    name = "Debian Wheezy 7.0 (32-bit)"
    assert _template(dom0, name) == uuid
    assert _other_config(dom0, uuid, "debian-release") == "wheezy"
    assert _other_config(dom0, uuid, "install-arch") == "i386"
    # ... and xenkit --host now finds it exactly as the script left it.
    again = xenkit("template", "clone", "wheezy", "--arch", "i386", "--host", "dom0")
    assert again.code == 0 and again.out.strip() == uuid and "nothing to do" in again.err


def test_unknown_host_key_is_refused_then_trusted(xenkit: Xenkit, dom0: XeHost, tmp_path: Path) -> None:
    project_known = tmp_path / "work" / "known_hosts"
    write_hosts_file(tmp_path / "work", "dom0", dom0.host, known_hosts=project_known)
    refused = xenkit("template", "clone", "precise", "--host", "dom0")
    assert refused.code == 1 and "host key not known" in refused.err and "--trust-new-host" in refused.err
    assert dom0.calls() == []
    trusted = xenkit("template", "clone", "precise", "--host", "dom0", "--trust-new-host")
    assert trusted.code == 0, trusted.err
    assert "trusting new host" in trusted.err and project_known.read_text().startswith(dom0.host.known_hosts_name)
