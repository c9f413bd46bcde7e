"""The guest commands on the inputs that are relaxed or named now: secrets kept out of errors, options named
as written, sizes with their units, a NIC by MAC, a /32 with an on-link gateway, ';' in a URL."""

from __future__ import annotations

import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.cli.test_cli_bad_input import HASH, build, check_error
from tests.conftest import Xenkit

MAC = "52:54:00:ab:cd:ef"


def test_ssh_key_file_with_a_password_in_it(xenkit: Xenkit, tmp_path: Path) -> None:
    """--ssh-key given a password file by mistake: the option and file are named, the words are not."""
    path = tmp_path / "pw.txt"
    path.write_text("correct horse battery staple\n")
    (line,) = check_error(xenkit(*build("kickstart", ssh_key=str(path))))
    assert line.startswith(f"error: --ssh-key {path} line 1: ")
    assert not {"correct", "horse", "battery", "staple"} & set(line.replace(":", " ").split())


def test_clear_text_password_as_hash_is_not_shown(xenkit: Xenkit) -> None:
    lines = check_error(xenkit(*build("kickstart", root_password_hash="S3cret-pass-123")))
    assert lines[0].startswith("error: --root-password-hash: is not a SHA-512 crypt hash")
    assert "S3c" not in "\n".join(lines)


@pytest.mark.parametrize(
    ("case", "error"),
    [({"gateway": "10.0.0.1"}, "error: --gateway: 10.0.0.1 is outside the subnet 192.0.2.0/24"),
     ({"ip": "192.0.2.300/24"}, "error: --ip: '192.0.2.300' is not an IPv4 address"),
     ({"nameserver": "192.0.2.999"}, "error: --nameserver: '192.0.2.999' is not an IPv4 address"),
     ({"interface": "eth 0"}, "error: --interface: 'eth 0' is neither an interface name")],
)
@pytest.mark.parametrize("command", ["kickstart", "bootargs", "vm"])
def test_network_errors_name_the_option(xenkit: Xenkit, command: str, case: dict[str, str], error: str) -> None:
    assert check_error(xenkit(*build(command, **case)))[0].startswith(error)


@pytest.mark.parametrize(
    ("memory", "shown"),
    [("2048", "a number without a unit is bytes (units: B, KiB, MiB, GiB, TiB; K, M, G, T are the same"),
     ("2GB", "GB is ambiguous (powers of 1000 or of 1024); write 2GiB or 2G for GiB")],
)
def test_memory_units(xenkit: Xenkit, memory: str, shown: str) -> None:
    (line,) = check_error(xenkit(*build("vm", memory=memory)))
    assert line.startswith(f"error: --memory: '{memory}'") and shown in line


def test_bootargs_with_a_mac(xenkit: Xenkit) -> None:
    result = xenkit(*build("bootargs", interface=MAC.upper()))
    assert result.code == 0, result.err
    assert f" ifname=bootnet:{MAC} ip=192.0.2.10::192.0.2.1:255.255.255.0:web1.example.com:bootnet:none " in result.out


def test_kickstart_with_a_mac(xenkit: Xenkit) -> None:
    result = xenkit(*build("kickstart", interface=MAC))
    assert result.code == 0, result.err
    assert f"\nnetwork --device={MAC} --bootproto=static " in result.out


def test_a_mac_where_the_installer_wants_a_name(xenkit: Xenkit) -> None:
    args = build("bootargs", interface=MAC)
    args[1] = "ubuntu1204-di"
    (line, *_) = check_error(xenkit(*args))
    assert line.startswith(f"error: --interface: {MAC} is a MAC address, but ")


def test_ddk_network_still_wants_an_interface_name(xenkit: Xenkit, tmp_path: Path) -> None:
    """Its files are named after the interface (ifcfg-eth1): a MAC address cannot name one."""
    args = ["ddk", "network", "--hostname=ddk.example.com", "--ip=192.0.2.30/24", "--gateway=192.0.2.1",
            "--nameserver=192.0.2.53", f"--interface={MAC}", "-o", str(tmp_path / "out")]
    assert "is not an interface name" in check_error(xenkit(*args))[0]


ON_LINK = {"ip": "203.0.113.7/32", "gateway": "203.0.113.1"}


def test_32_with_on_link_gateway(xenkit: Xenkit) -> None:
    result = xenkit(*build("bootargs", **ON_LINK))
    assert result.code == 0, result.err
    assert " ip=203.0.113.7:203.0.113.1:203.0.113.1:255.255.255.255:web1.example.com:eth0:none " in result.out
    result = xenkit(*build("kickstart", **ON_LINK))
    assert result.code == 0, result.err
    assert " --ip=203.0.113.7 --netmask=255.255.255.255 --gateway=203.0.113.1 " in result.out


@pytest.mark.parametrize("command", ["kickstart", "bootargs", "vm"])
def test_32_with_on_link_gateway_where_the_installer_cannot(xenkit: Xenkit, command: str) -> None:
    args = build(command, **ON_LINK)
    args[args.index("fedora17-xenserver")] = "centos6-xenserver"
    (line, *_) = check_error(xenkit(*args))
    assert line.startswith("error: --gateway: 203.0.113.1 is outside the /32 address 203.0.113.7, but a CentOS 6")


URL = "http://192.0.2.2/ks/web1.cfg;v=2?a=1&b=2"


def test_semicolon_url_in_a_vm_install_script_is_one_quoted_word(xenkit: Xenkit) -> None:
    """The plan script quotes the PV-args word: bash reads it back whole, and runs nothing from the URL."""
    result = xenkit(*build("vm", ks=URL, repo="http://192.0.2.2/os;1/"))
    assert result.code == 0, result.err
    words = [w for line in result.out.splitlines() if "PV-args=" in line for w in shlex.split(line)]
    (pv_args,) = [w for w in words if w.startswith("PV-args=")]
    assert pv_args.endswith(f" ks={URL}")
    assert "other-config:install-repository=http://192.0.2.2/os;1/" in [
        w for line in result.out.splitlines() for w in shlex.split(line, comments=True)
    ]
    if shutil.which("bash"):
        assert subprocess.run(["bash", "-n"], input=result.out, text=True).returncode == 0


def test_semicolon_url_typed_at_grub_is_escaped(xenkit: Xenkit) -> None:
    args = build("bootargs", ks=URL)
    args[1] = "fedora45"
    result = xenkit(*args)
    assert result.code == 0, result.err
    assert result.out.endswith(" inst.ks=http://192.0.2.2/ks/web1.cfg\\;v=2?a=1\\&b=2\n")


def test_semicolon_url_where_no_line_suits_both_prompts(xenkit: Xenkit) -> None:
    args = build("bootargs", ks=URL)
    args[1] = "rocky9"
    (line, *_) = check_error(xenkit(*args))
    assert line.startswith(f"error: --ks: {URL!r} contains ';&': rocky9's install media")


def test_kickstart_with_semicolon_repo(xenkit: Xenkit) -> None:
    result = xenkit(*build("kickstart", repo="http://192.0.2.2/os;1/", root_password_hash=HASH))
    assert result.code == 0, result.err
    assert "\nurl --url=http://192.0.2.2/os;1/\n" in result.out


@pytest.mark.parametrize(
    ("case", "error"),
    [({"ks": "http://192.0.2.2/nocloud/web1"}, "error: --ks: 'http://192.0.2.2/nocloud/web1' must end with '/'"),
     ({"ks": "http://192.0.2.2/nocloud/web1/", "nameserver": ["192.0.2.53", "192.0.2.54", "192.0.2.55"]},
      "error: --nameserver: Ubuntu autoinstall's ip= takes at most 2 nameservers")],
)
@pytest.mark.parametrize("command", ["bootargs", "vm"])
def test_autoinstall_limits_name_the_option(
    xenkit: Xenkit, command: str, case: dict[str, str | list[str]], error: str
) -> None:
    args = build(command, **case)
    args[args.index("fedora17-xenserver")] = "ubuntu2004-autoinstall"
    assert check_error(xenkit(*args))[0].startswith(error)
