"""Names are data: every option (and site file key) that names a XenServer object takes any printable text,
which reaches xe as one argument, quoted once in the printed plan; a control character is refused in one line.

The runs of such plans (bash against the xe simulator, and over SSH) are in test_names_run.py.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import Xenkit, require_program
from tests.ddk.import_samples import BASE as DDK_IMPORT
from tests.ddk.import_samples import DDK
from tests.ddk.test_ddk_import_print import xe_lines
from tests.generate.name_samples import PLAIN_ODD_NAMES, hostile
from tests.support.iso_helpers import make_iso
from toolkit.generate.vm_install import build_vm_install_plan
from toolkit.site.load import SiteError, load_site

VM_INSTALL = ["vm", "install", "centos6-xenserver", "--name", "web1", "--ks", "http://192.0.2.2/web1.cfg",
              "--network", "Pool-wide network associated with eth0", "--hostname", "web1.example.com",
              "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1", "--nameserver", "192.0.2.53"]
TEMPLATE_CLONE = ["template", "clone", "precise"]

# (command, option, the xe command and the argument the option's value must reach it as: {} is the value)
LABEL_OPTIONS = [
    ("vm install", "--name", "vm-list", "name-label={}"),
    ("vm install", "--name", "vm-install", "new-name-label={}"),
    ("vm install", "--network", "network-list", "name-label={}"),
    ("vm install", "--template", "template-list", "name-label={}"),
    ("template clone", "--from", "template-list", "name-label={}"),
    ("template clone", "--from", "vm-clone", "new-name-description=Made by xenkit: {} for precise (amd64)"),
    ("template clone", "--name", "template-list", "name-label={}"),
    ("template clone", "--name", "vm-clone", "new-name-label={}"),
    ("ddk import", "--sr-name", "sr-list", "name-label={}"),
    ("ddk import", "--network", "network-list", "name-label={}"),
    ("ddk import", "--disk-sr", "sr-list", "name-label={}"),
    ("ddk import", "--name-label", "vm-list", "name-label={}"),
    ("ddk import", "--name-label", "vm-param-set", "name-label={}"),
]
OPTIONS = sorted({(command, option) for command, option, _, _ in LABEL_OPTIONS})


@pytest.fixture(scope="module")
def iso(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_iso(tmp_path_factory.mktemp("iso") / "XenServer-6.0.2-DDK.iso", DDK)


def _args(command: str, option: str, value: str, iso: Path) -> list[str]:
    """The command with the option given last (click takes the last of a repeated option), printing its plan."""
    base = {"vm install": VM_INSTALL, "template clone": TEMPLATE_CLONE, "ddk import": [*DDK_IMPORT, str(iso)]}
    return [*base[command], option, value, "--print"]


@pytest.mark.parametrize(("command", "option", "xe_command", "argument"), LABEL_OPTIONS)
def test_names_are_data_every_label_option_takes_a_hostile_name(
    xenkit: Xenkit, iso: Path, tmp_path: Path, command: str, option: str, xe_command: str, argument: str
) -> None:
    name = hostile(Path("/nonexistent/ran"))
    result = xenkit(*_args(command, option, name, iso))
    assert result.code == 0, result.err
    assert argument.format(name) in {arg for argv in xe_lines(result.out) if argv[1] == xe_command for arg in argv}
    assert shlex.quote(argument.format(name)) in result.out  # quoted once, as one word
    script = tmp_path / "plan.sh"
    script.write_text(result.out)
    check = subprocess.run([require_program("bash"), "-n", str(script)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("name", PLAIN_ODD_NAMES)
@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_names_are_data_the_names_users_could_not_use(
    xenkit: Xenkit, iso: Path, command: str, option: str, name: str
) -> None:
    result = xenkit(*_args(command, option, name, iso))
    assert result.code == 0, result.err
    assert any(arg.endswith(f"={name}") for argv in xe_lines(result.out) for arg in argv)


@pytest.mark.parametrize(("char", "shown"), [("\n", r"\n"), ("\x1b", r"\x1b"), ("\0", r"\x00"), ("\u2028", r"\u2028")])
@pytest.mark.parametrize(("command", "option"), OPTIONS)
def test_a_control_character_in_a_name_is_refused_in_one_line(
    xenkit: Xenkit, iso: Path, command: str, option: str, char: str, shown: str
) -> None:
    value = f"web{char}1"
    result = xenkit(*_args(command, option, value, iso))
    assert (result.code, result.out) == (2, "")
    assert result.err == f"error: {option}: {value!r} contains {_what(char)}, which a name cannot hold\n"
    assert shown in result.err


def _what(char: str) -> str:
    return {"\n": "a newline", "\0": "a NUL byte", "\x1b": "a control character ('\\x1b')",
            "\u2028": "a non-printable character ('\\u2028')"}[char]


HASH = "$6$WESmtQDDUK9g4Z6F$KnJ.IEwZaAbN9T0hjPU3DdSaqivbUKbVCCK.iheKKNVHZTWNhvZER.5oiFMaGH867pxXBnKPZDmRgG71k4OsG."
SITE = """
[[vm]]
name = "web1"
profile = "fedora17-xenserver"
hostname = "web1.example.com"
ip = "192.0.2.21/24"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
password_hash = "{password_hash}"
ks_url_base = "http://192.0.2.2/ks"
network = {network}
template = {template}
"""


def _site(tmp_path: Path, network: str, template: str) -> Path:
    path = tmp_path / "site.toml"
    # A JSON string is a TOML basic string too (the same escapes: \\", \\\\, \\uXXXX).
    site = SITE.format(password_hash=HASH, network=json.dumps(network), template=json.dumps(template))
    path.write_text(site, encoding="utf-8")
    return path


def test_names_are_data_in_a_site_file_too(tmp_path: Path) -> None:
    network, template = hostile(Path("/nonexistent/ran"), "net "), hostile(Path("/nonexistent/ran"), "tpl ")
    vm = load_site(_site(tmp_path, network, template)).vms[0]
    assert (vm.install.network_name, vm.install.template) == (network, template)
    commands = xe_lines(build_vm_install_plan(vm.profile, vm.install).render_script())
    assert ["xe", "network-list", f"name-label={network}", "--minimal"] in commands
    assert ["xe", "template-list", f"name-label={template}", "--minimal"] in commands


def test_a_control_character_in_a_site_file_name_is_a_site_problem(tmp_path: Path) -> None:
    with pytest.raises(SiteError) as info:
        load_site(_site(tmp_path, "net\n1", "tpl\x1b1"))
    path = tmp_path / "site.toml"
    assert info.value.problems == [
        f"{path}: vm #1 (web1): template: 'tpl\\x1b1' contains a control character ('\\x1b'), which a name cannot hold",
        f"{path}: vm #1 (web1): network: 'net\\n1' contains a newline, which a name cannot hold",
    ]


def test_a_site_name_still_follows_the_rules_of_a_directory_and_a_url(tmp_path: Path) -> None:
    """The site file's `name` is also DIR/<name>/ and <ks_url_base>/<name>/ks.cfg: those formats decide."""
    for name in ("Bob's web", "a/b", "..", "web 1"):
        path = _site(tmp_path, "net", "tpl")
        path.write_text(path.read_text().replace('name = "web1"', f"name = {json.dumps(name)}"))
        with pytest.raises(SiteError) as info:
            load_site(path)
        assert "names a directory and a URL path" in info.value.problems[0]
