"""`xenkit ddk network`: the DDK VM's ifcfg-eth0, /etc/sysconfig/network and resolv.conf, rendered and merged
(pure), and printed or written by the CLI without --host."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ddk.network_samples import (
    ARGS,
    IFCFG,
    IFCFG_DONE,
    IFCFG_PATH,
    NET,
    NETWORK,
    NETWORK_DONE,
    RESOLV,
    RESOLV_DONE,
    Xenkit,
)
from toolkit.ddk.network_files import (
    NETWORK_PATH,
    RESOLV_PATH,
    merge_all,
    merge_ifcfg,
    merge_network,
    merge_resolv,
    render_all,
    shell_values,
    unquote,
)
from toolkit.inputs.network import make_network

# ---- pure rendering and merging ----

def test_render_writes_what_the_seed_types_by_hand() -> None:
    edits = render_all(NET)
    assert [e.path for e in edits] == [IFCFG_PATH, NETWORK_PATH, RESOLV_PATH]
    assert edits[0].text == ("DEVICE=eth0\nBOOTPROTO=static\nONBOOT=yes\nIPADDR=192.0.2.30\n"
                             "NETMASK=255.255.255.0\nPEERDNS=no\n")
    assert edits[1].text == "NETWORKING=yes\nHOSTNAME=ddk.example.com\nGATEWAY=192.0.2.1\n"
    assert edits[2].text == "nameserver 192.0.2.53\nnameserver 192.0.2.54\n"
    assert all(e.old is None and e.changed for e in edits)


def test_a_netmask_given_as_such_and_another_device() -> None:
    net = make_network("ddk", "10.1.2.3/255.255.252.0", "10.1.0.1", ["10.1.0.53"], "eth1")
    edit = merge_ifcfg(None, net)
    assert edit.path == "/etc/sysconfig/network-scripts/ifcfg-eth1"
    assert "DEVICE=eth1\n" in edit.text and "NETMASK=255.255.252.0\n" in edit.text and "PREFIX" not in edit.text


def test_ifcfg_merge_keeps_the_rest_and_replaces_prefix_by_netmask() -> None:
    edit = merge_ifcfg(IFCFG, NET)
    assert edit.text == IFCFG_DONE
    assert edit.changes == (
        "BOOTPROTO: \"dhcp\" -> static",
        "IPADDR: 10.0.0.5 -> 192.0.2.30",
        "PREFIX=8: removed (initscripts take a PREFIX over NETMASK; NETMASK says it)",
        "GATEWAY=10.0.0.1: removed (it would override GATEWAY=192.0.2.1 in /etc/sysconfig/network)",
        "ONBOOT: no -> yes",
        "NETMASK=255.255.255.0: added",
        "PEERDNS=no: added",
    )
    again = merge_ifcfg(edit.text, NET)
    assert not again.changed and again.changes == ()


def test_ifcfg_values_already_right_stay_as_written() -> None:
    text = "DEVICE='eth0'\nBOOTPROTO=none\nONBOOT=\"yes\"\nIPADDR=192.0.2.30  # the DDK\nNETMASK=255.255.255.0\n" \
           "GATEWAY=192.0.2.1\nPEERDNS=no\n"
    edit = merge_ifcfg(text, NET)
    assert not edit.changed, edit.changes  # none means static too; a GATEWAY that agrees is harmless


def test_ifcfg_duplicates_stale_network_broadcast_and_dns_keys() -> None:
    text = ("IPADDR=10.0.0.5\nNETWORK=10.0.0.0\nBROADCAST=10.255.255.255\nDNS1=10.0.0.1\nDNS2=10.0.0.2\n"
            "DNS3=10.0.0.3\n  export IPADDR=10.0.0.6\n")
    edit = merge_ifcfg(text, NET)
    values = shell_values(edit.text)
    assert values["IPADDR"] == "192.0.2.30" and edit.text.count("IPADDR=") == 1
    assert (values["NETWORK"], values["BROADCAST"]) == ("192.0.2.0", "192.0.2.255")
    assert (values["DNS1"], values["DNS2"], "DNS3" in values) == ("192.0.2.53", "192.0.2.54", False)
    assert any("set again below the first IPADDR" in change for change in edit.changes)
    assert "NETWORK=" not in merge_ifcfg("IPADDR=1.2.3.4\n", NET).text  # corrected where there, never added
    assert "DNS1" not in merge_ifcfg("IPADDR=1.2.3.4\n", NET).text


def test_ifcfg_crlf_and_a_last_line_without_end() -> None:
    edit = merge_ifcfg("IPADDR=10.0.0.5\r\nHWADDR=aa", NET)
    assert edit.text.startswith("IPADDR=192.0.2.30\r\nHWADDR=aa\n")
    tidy = merge_ifcfg(merge_ifcfg(None, NET).text.rstrip("\n"), NET)
    assert tidy.changes == ("line end added to the last line",) and tidy.text.endswith("\n")


def test_unquote_only_plain_words() -> None:
    assert [unquote(v) for v in ("a", "'a b'", '"a"', "a # c", "", "$(x)", '"a$b"', "a;b")] == [
        "a", "a b", "a", "a", "", None, None, None]


def test_network_merge_keeps_other_keys_and_warns_of_gatewaydev() -> None:
    edit = merge_network(NETWORK, NET)
    assert edit.text == NETWORK_DONE and edit.warnings == ()
    assert edit.changes == ("HOSTNAME: localhost.localdomain -> ddk.example.com", "GATEWAY=192.0.2.1: added")
    assert not merge_network(edit.text, NET).changed
    warned = merge_network("GATEWAYDEV=eth1\n", NET)
    assert "GATEWAYDEV=eth1" in warned.warnings[0] and "GATEWAYDEV=eth1\n" in warned.text


def test_resolv_merge_replaces_nameservers_in_place_and_keeps_the_rest() -> None:
    edit = merge_resolv(RESOLV, NET)
    assert edit.text == RESOLV_DONE
    assert edit.changes == ("nameservers: 10.0.0.1, 10.0.0.2 -> 192.0.2.53, 192.0.2.54",)
    assert not merge_resolv(edit.text, NET).changed
    appended = merge_resolv("search example.com\n", NET)  # no nameserver yet: added at the end
    assert appended.text == "search example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\n"
    regroup = merge_resolv("nameserver 192.0.2.53\nsearch x\nnameserver 192.0.2.54\n", NET)
    assert regroup.text == "nameserver 192.0.2.53\nnameserver 192.0.2.54\nsearch x\n" and len(regroup.changes) == 1


def test_merge_all_is_idempotent() -> None:
    first = merge_all(NET, {IFCFG_PATH: IFCFG, NETWORK_PATH: NETWORK, RESOLV_PATH: RESOLV})
    assert [e.text for e in first] == [IFCFG_DONE, NETWORK_DONE, RESOLV_DONE]
    second = merge_all(NET, {e.path: e.text for e in first})
    assert not any(e.changed for e in second)


# ---- the CLI without --host ----

def test_cli_prints_the_three_files(xenkit: Xenkit) -> None:
    result = xenkit("ddk", "network", *ARGS)
    assert result.code == 0, result.err
    assert result.out == "\n".join(f"# {e.path}\n{e.text}" for e in render_all(NET))
    assert result.out.startswith(f"# {IFCFG_PATH}\nDEVICE=eth0\n")


def test_cli_writes_under_a_directory(xenkit: Xenkit, tmp_path: Path) -> None:
    out = tmp_path / "ddk-net"
    result = xenkit("ddk", "network", *ARGS, "-o", str(out))
    assert result.code == 0, result.err and result.out == ""
    for edit in render_all(NET):
        path = out / edit.path.lstrip("/")
        assert path.read_text() == edit.text and path.stat().st_mode & 0o777 == 0o644
        assert f"wrote {path}" in result.err
    assert not [p for p in out.rglob("*") if p.name.startswith(".")]  # no temp file left


@pytest.mark.parametrize(("change", "shown"), [
    ({"--ip": "192.0.2.30"}, "ip: '192.0.2.30' has no prefix"),
    ({"--ip": "192.0.2.30/40"}, "prefix /40 is out of range"),
    ({"--ip": "2001:db8::5/64"}, "IPv6"),
    ({"--gateway": "198.51.100.1"}, "gateway: 198.51.100.1 is outside the subnet 192.0.2.0/24"),
    ({"--nameserver": "dns.example.com"}, "nameserver: 'dns.example.com' is not an IPv4 address"),
    ({"--hostname": "ddk_vm.example.com"}, "hostname: 'ddk_vm.example.com' is not a valid host name"),
    ({"--interface": "eth0;reboot"}, "interface: 'eth0;reboot' is not an interface name"),
    ({"--diff": None}, "--diff: only with --host"),
    ({"--host": "127.0.0.1", "-o": "out"}, "-o/--output: only without --host"),
])
def test_bad_input_is_one_error_line_and_exit_2(xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                change: dict[str, str | None], shown: str) -> None:
    monkeypatch.chdir(tmp_path)
    args = dict(zip(ARGS[::2], ARGS[1::2], strict=True))
    args.pop("--nameserver")  # given once here, to replace it
    merged: dict[str, str | None] = {"--nameserver": "192.0.2.53", **args, **change}
    argv = [word for key, value in merged.items() for word in ([key] if value is None else [f"{key}={value}"])]
    result = xenkit("ddk", "network", *argv)
    assert result.code == 2 and result.out == ""
    lines = result.err.strip().splitlines()
    assert lines[0].startswith("error: ") and shown in lines[0], result.err
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("hint: "))
    assert "Traceback" not in result.err and not (tmp_path / "out").exists()
