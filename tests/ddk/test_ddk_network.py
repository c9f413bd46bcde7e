"""`xenkit ddk network`: the DDK VM's ifcfg-eth0, /etc/sysconfig/network and resolv.conf, rendered, merged
(pure), printed or written by the CLI, and merged over SSH into a real sshd test host's private /etc."""

from __future__ import annotations

import base64
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost
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

Xenkit = Callable[..., CliResult]
IFCFG_PATH = "/etc/sysconfig/network-scripts/ifcfg-eth0"
ARGS = ["--ip", "192.0.2.30/24", "--gateway", "192.0.2.1", "--nameserver", "192.0.2.53",
        "--nameserver", "192.0.2.54", "--hostname", "ddk.example.com"]
NET = make_network("ddk.example.com", "192.0.2.30/24", "192.0.2.1", ["192.0.2.53", "192.0.2.54"])

# As the DDK VM might have them: DHCP set up by the installer, a hand edit with a PREFIX, a gateway in ifcfg.
IFCFG = ("# Xen Virtual Ethernet\n"
         "DEVICE=eth0\n"
         'BOOTPROTO="dhcp"\n'
         "HWADDR=2E:4A:11:22:33:44\n"
         "UUID=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\n"
         "IPADDR=10.0.0.5\n"
         "PREFIX=8\n"
         "GATEWAY=10.0.0.1\n"
         "ONBOOT=no\n"
         "TYPE=Ethernet\n")
IFCFG_DONE = ("# Xen Virtual Ethernet\n"
              "DEVICE=eth0\n"
              "BOOTPROTO=static\n"
              "HWADDR=2E:4A:11:22:33:44\n"
              "UUID=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\n"
              "IPADDR=192.0.2.30\n"
              "ONBOOT=yes\n"
              "TYPE=Ethernet\n"
              "NETMASK=255.255.255.0\n"
              "PEERDNS=no\n")
NETWORK = "NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=localhost.localdomain\n"
NETWORK_DONE = "NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=ddk.example.com\nGATEWAY=192.0.2.1\n"
RESOLV = "# by hand\nsearch example.com\nnameserver 10.0.0.1\noptions timeout:2\nnameserver 10.0.0.2\n"
RESOLV_DONE = "# by hand\nsearch example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions timeout:2\n"


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


# ---- over SSH, on a real sshd whose /etc is a private copy ----

@pytest.fixture(scope="module")
def real_etc() -> dict[str, bytes | None]:
    paths = [IFCFG_PATH, NETWORK_PATH, RESOLV_PATH]
    return {p: Path(p).read_bytes() if Path(p).is_file() else None for p in paths}


@pytest.fixture
def guest(ssh_host_factory: SshHostFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
          real_etc: dict[str, bytes | None]) -> Iterator[SshTestHost]:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(private_mounts=["/etc"])
    write_hosts_file(tmp_path, "ddk", host)
    _inside(host, "mkdir -p /etc/sysconfig/network-scripts && rm -f /etc/resolv.conf && "
                  f"printf %s {shlex.quote(IFCFG)} > {IFCFG_PATH} && chmod 0600 {IFCFG_PATH} && "
                  f"printf %s {shlex.quote(NETWORK)} > {NETWORK_PATH} && "
                  f"printf %s {shlex.quote(RESOLV)} > {RESOLV_PATH}")
    yield host
    # Whatever the test did happened in the namespace only.
    assert {p: Path(p).read_bytes() if Path(p).is_file() else None for p in real_etc} == real_etc
    assert not list(Path("/etc").glob("resolv.conf.xenkit-*"))


def _inside(host: SshTestHost, script: str) -> str:
    result = host.run_inside(["sh", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout


def _read(host: SshTestHost, path: str) -> str:
    result = host.run_inside(["base64", "-w0", path])
    assert result.returncode == 0, result.stderr
    return base64.b64decode(result.stdout).decode()


def _backups(host: SshTestHost, path: str) -> list[str]:
    directory, name = path.rsplit("/", 1)
    listed = _inside(host, f"ls -a {directory}").split()
    return sorted(f"{directory}/{n}" for n in listed if n.startswith(f"{name}.xenkit-") and n.endswith(".bak"))


def test_merge_over_ssh_with_backups_then_nothing_to_do(xenkit: Xenkit, guest: SshTestHost) -> None:
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 0, result.err
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG_DONE, NETWORK_DONE, RESOLV_DONE)
    for path, old in ((IFCFG_PATH, IFCFG), (NETWORK_PATH, NETWORK), (RESOLV_PATH, RESOLV)):
        [backup] = _backups(guest, path)
        assert _read(guest, backup) == old
        assert f"{path}: changed; backup: {backup}" in result.out
    assert _inside(guest, f"stat -c %a {IFCFG_PATH}").strip() == "600"  # mode kept
    assert "  PREFIX=8: removed" in result.out and "  nameservers: 10.0.0.1, 10.0.0.2 -> " in result.out
    assert "service network restart" in result.out and "hostname ddk.example.com" in result.out
    assert _inside(guest, "ls -a /etc /etc/sysconfig/network-scripts | grep -c xenkit-tmp || true").strip() == "0"
    again = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert again.code == 0, again.err
    assert again.out.count(": unchanged\n") == 3 and "next:" not in again.out
    assert all(len(_backups(guest, p)) == 1 for p in (IFCFG_PATH, NETWORK_PATH, RESOLV_PATH))


def test_diff_shows_and_writes_nothing(xenkit: Xenkit, guest: SshTestHost) -> None:
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk", "--diff")
    assert result.code == 0, result.err
    assert f"--- {guest.user}@{guest.address}:{guest.port}:{IFCFG_PATH}\n" in result.out
    assert "-PREFIX=8\n" in result.out and "+nameserver 192.0.2.53\n" in result.out
    assert _read(guest, IFCFG_PATH) == IFCFG and _backups(guest, IFCFG_PATH) == []


def test_missing_files_are_created_and_a_symlink_is_followed(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, f"rm {IFCFG_PATH} && mkdir /etc/resolvconf && mv {RESOLV_PATH} /etc/resolvconf/resolv.conf && "
                   f"ln -s resolvconf/resolv.conf {RESOLV_PATH}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 0, result.err
    assert f"{IFCFG_PATH}: created" in result.out and _backups(guest, IFCFG_PATH) == []
    assert _read(guest, IFCFG_PATH) == render_all(NET)[0].text
    assert _inside(guest, f"stat -c '%a %u' {IFCFG_PATH}").split() == ["644", "0"]
    assert _inside(guest, f"readlink {RESOLV_PATH}").strip() == "resolvconf/resolv.conf"  # still the link
    assert _read(guest, "/etc/resolvconf/resolv.conf") == RESOLV_DONE
    assert f"{RESOLV_PATH} (-> /etc/resolvconf/resolv.conf): changed" in result.out


@pytest.mark.parametrize("failing", [NETWORK_PATH, RESOLV_PATH])
def test_a_later_failure_puts_the_earlier_files_back(xenkit: Xenkit, guest: SshTestHost, failing: str) -> None:
    # A file that is a mount point cannot be renamed over (EBUSY): its atomic replace fails after the backup.
    _inside(guest, f"mount --bind {failing} {failing}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 1 and "Traceback" not in result.err
    lines = result.err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "cannot rename" in lines[-1] and "put back as they were: " in lines[-1]
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG, NETWORK, RESOLV)
    assert _inside(guest, f"stat -c %a {IFCFG_PATH}").strip() == "600"
    assert result.out == ""


def test_ctrl_c_between_two_files_puts_the_first_back(xenkit: Xenkit, guest: SshTestHost,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    import toolkit.ddk.network_edit

    real, started = toolkit.ddk.network_edit.replace_file, []

    def interrupted(ex: object, path: str, old: str, new: str) -> str:
        started.append(path)
        if len(started) == 2:
            raise KeyboardInterrupt
        return real(ex, path, old, new)  # type: ignore[arg-type]

    monkeypatch.setattr(toolkit.ddk.network_edit, "replace_file", interrupted)
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code in (1, 130) and started == [IFCFG_PATH, NETWORK_PATH]  # click reports it as "aborted"
    assert f"stopped before every file was written; put back as they were: {IFCFG_PATH}" in result.err
    assert (_read(guest, IFCFG_PATH), _read(guest, NETWORK_PATH), _read(guest, RESOLV_PATH)) == (
        IFCFG, NETWORK, RESOLV)


def test_not_a_ddk_vm(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, "rm -r /etc/sysconfig")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 2 and "/etc/sysconfig/network-scripts is not a directory there" in result.err
    assert "Traceback" not in result.err
    assert _inside(guest, "ls /etc/sysconfig 2>&1 || true").strip().endswith("No such file or directory")


def test_a_directory_where_a_file_should_be(xenkit: Xenkit, guest: SshTestHost) -> None:
    _inside(guest, f"rm {RESOLV_PATH} && mkdir {RESOLV_PATH}")
    result = xenkit("ddk", "network", *ARGS, "--host", "ddk")
    assert result.code == 2 and f"{RESOLV_PATH}: is a directory; nothing written" in result.err
    assert _read(guest, IFCFG_PATH) == IFCFG and _backups(guest, IFCFG_PATH) == []

