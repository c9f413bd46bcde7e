"""The xe simulator (tests/support/xe_sim/): xe's syntax, output and errors."""

from __future__ import annotations

import pytest

from tests.support.conftest import HINT, LUCID64, PRECISE64, Xe, err, lookup, ok, precise
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0, STOCK_TEMPLATES, stock_uuid


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
    rhlike = [n for n, t in STOCK_TEMPLATES.items() if t["other-config"].get("install-distro") == "rhlike"]
    assert len(several) == len(rhlike) == 12  # RHEL, CentOS, OEL 5 and 6.0, 32- and 64-bit
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
