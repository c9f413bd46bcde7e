"""The xenkit CLI on bad input: exit 2, one `error:` line (plus a `hint:`), no traceback, no file written.

The guest commands (kickstart render, bootargs, vm install) and ddk network, run in-process; site files are in
test_cli_bad_site.py, the installed console script in test_cli_bad_script.py.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult, Xenkit
from toolkit.catalog.profiles import all_profiles, kickstart_profiles

SITE = ROOT / "examples" / "site.toml"
SECRET = "S3cret-pass-123"
HASH = "$6$WESmtQDDUK9g4Z6F$KnJ.IEwZaAbN9T0hjPU3DdSaqivbUKbVCCK.iheKKNVHZTWNhvZER.5oiFMaGH867pxXBnKPZDmRgG71k4OsG."
MD5 = "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/"
URL = "http://192.0.2.2/ks/web1.cfg"
NET = {"--hostname": "web1.example.com", "--ip": "192.0.2.10/24", "--gateway": "192.0.2.1",
       "--nameserver": "192.0.2.53"}
COMMANDS = {
    "kickstart": (["kickstart", "render", "fedora17-xenserver"], {**NET, "--root-password-hash": HASH}),
    "bootargs": (["bootargs", "fedora17-xenserver"], {**NET, "--ks": URL}),
    "vm": (["vm", "install", "fedora17-xenserver"], {**NET, "--name": "web1", "--network": "net0", "--ks": URL}),
}


def build(command: str, **overrides: str | list[str] | None) -> list[str]:
    """Good arguments for `command`, with options replaced (`ip="..."` is --ip), added, or removed (None)."""
    words, options = COMMANDS[command]
    merged = {**options, **{"--" + k.replace("_", "-"): v for k, v in overrides.items()}}
    args = list(words)
    for option, value in merged.items():
        for item in [] if value is None else [value] if isinstance(value, str) else value:
            args.append(f"{option}={item}")  # `=`: a value starting with '-' reaches the checks, not click
    return args


def injections(base: str) -> list[str]:
    """`base` with a newline, quote, `$` or backtick in it, or a leading `--` or `%`."""
    return [base + c + "x" for c in "\n'\"$`"] + ["--" + base, "%" + base]


NetworkCase = Mapping[str, str | list[str]]  # option name (no --) -> its value(s)
Overrides = Mapping[str, str | list[str] | None]  # build()'s overrides: None removes the option
NETWORK_CASES: list[NetworkCase] = [
    {"ip": "192.0.2.300/24"}, {"ip": "192.0.2.10/33"}, {"ip": "192.0.2.10/255.0.255.0"}, {"ip": "192.0.2.10"},
    {"gateway": "198.51.100.1"}, {"hostname": "bad_host.example.com"}, {"hostname": "-web.example.com"},
    {"nameserver": ["192.0.2.53", "192.0.2.54", "192.0.2.55", "192.0.2.56"]}, {"nameserver": "192.0.2.999"},
    *({"hostname": v} for v in injections("web1.example.com")),
]
KICKSTART_CASES: list[Overrides] = [
    {"root_password_hash": MD5}, {"root_password_hash": "not-a-hash"}, {"root_password_hash": None},
    {"timezone": "Mars/Olympus_Mons"}, *({"timezone": v} for v in injections("Europe/Helsinki")),
    {"repo": "file:///srv/repo"}, *({"repo": v} for v in injections("http://192.0.2.2/repo")),
]
URL_CASES: list[Overrides] = [
    {"ks": "ks.cfg"}, *({"ks": v} for v in injections(URL)), *({"repo": v} for v in injections(URL)),
]
VM_CASES: list[Overrides] = [
    # Names are data (quotes, `$`, a leading `--` or `%` are fine): only control characters are refused.
    *({key: v} for key in ("name", "network", "template") for v in ("web1\nx", "web1\x1bx", "web1\0x")),
    {"memory": "lots"}, {"memory": "100MiB"}, {"memory": "3TiB"}, {"memory": "0"},
    {"disk": "512MiB"}, {"disk": "20 parsecs"}, {"disk": "-1GiB"},
    {"vcpus": "0"}, {"vcpus": "65"}, {"vcpus": "two"},
]
CASES: list[tuple[str, Overrides]] = [
    *((cmd, case) for cmd in COMMANDS for case in NETWORK_CASES),
    *(("kickstart", case) for case in KICKSTART_CASES),
    *(("bootargs", case) for case in URL_CASES),
    *(("vm", case) for case in URL_CASES + VM_CASES),
]


def check_error(result: CliResult, code: int = 2) -> list[str]:
    """Exit `code`; stderr is one `error:` line, maybe one `hint:` line, and no traceback."""
    assert result.code == code, (result.code, result.err)
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert 1 <= len(lines) <= 2, result.err
    assert lines[0].startswith("error: ")
    assert all(line.startswith("hint: ") for line in lines[1:]), result.err
    return lines


@pytest.fixture
def out_dir(tmp_path: Path) -> Path:
    directory = tmp_path / "out"
    directory.mkdir()
    return directory


@pytest.mark.parametrize(("command", "case"), CASES, ids=[f"{c}-{case!r}" for c, case in CASES])
def test_bad_input_is_exit_2_and_writes_nothing(xenkit: Xenkit, out_dir: Path, command: str, case: Overrides) -> None:
    result = xenkit(*build(command, **case), "-o", str(out_dir / "result"))
    [(key, value)] = case.items()
    assert value is None or key.replace("_", "-") in check_error(result)[0]  # it names the bad option
    assert result.out == ""
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize("command", list(COMMANDS))
def test_bad_input_leaves_an_existing_output_file_alone(xenkit: Xenkit, out_dir: Path, command: str) -> None:
    target = out_dir / "result"
    target.write_bytes(b"previous content\n")
    check_error(xenkit(*build(command, ip="192.0.2.300/24"), "-o", str(target)))
    assert target.read_bytes() == b"previous content\n"
    assert os.listdir(out_dir) == ["result"]


@pytest.mark.parametrize("command", list(COMMANDS))
def test_unknown_profile_lists_the_known_ones(xenkit: Xenkit, command: str) -> None:
    args = build(command)
    args[len(COMMANDS[command][0]) - 1] = "fedora99"
    error = check_error(xenkit(*args))[0]
    assert "'fedora99'" in error
    known = kickstart_profiles() if command == "kickstart" else all_profiles().values()
    assert all(p.name in error for p in known)


def test_kickstart_refuses_a_profile_without_kickstart(xenkit: Xenkit) -> None:
    others = [p.name for p in all_profiles().values() if p not in kickstart_profiles()]
    if not others:
        pytest.skip("every profile is a kickstart profile")
    args = build("kickstart")
    args[2] = others[0]
    check_error(xenkit(*args))


@pytest.mark.parametrize("problem", ["missing", "directory", "empty", "both"])
def test_bad_password_file(xenkit: Xenkit, tmp_path: Path, out_dir: Path, problem: str) -> None:
    path = tmp_path / "pw.txt"
    if problem == "directory":
        path.mkdir()
    elif problem in ("empty", "both"):
        path.write_text("" if problem == "empty" else SECRET + "\n", encoding="utf-8")
    args = build("kickstart", root_password_hash=HASH if problem == "both" else None, root_password_file=str(path))
    result = xenkit(*args, "-o", str(out_dir / "ks.cfg"))
    check_error(result)
    assert SECRET not in result.err
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize("case", [{"timezone": "Not/AZone"}, {"ssh_key": "missing.pub"}, {"ip": "192.0.2.10/33"}])
def test_password_not_shown_when_another_option_is_bad(
    xenkit: Xenkit, tmp_path: Path, out_dir: Path, case: dict[str, str]
) -> None:
    (tmp_path / "pw.txt").write_text(SECRET + "\n", encoding="utf-8")
    args = build("kickstart", root_password_hash=None, root_password_file=str(tmp_path / "pw.txt"), **case)
    result = xenkit(*args, "-o", str(out_dir / "ks.cfg"))
    check_error(result)
    assert SECRET not in result.out + result.err
    assert os.listdir(out_dir) == []


def test_output_is_a_directory(xenkit: Xenkit, out_dir: Path) -> None:
    check_error(xenkit(*build("bootargs"), "-o", str(out_dir)))
    assert os.listdir(out_dir) == []


@pytest.mark.parametrize("args", [["nosuch"], ["kickstart", "render"], ["bootargs", "--bogus"], ["vm", "install"]])
def test_click_usage_errors(xenkit: Xenkit, args: list[str]) -> None:
    """One `error:` line per problem (each missing required parameter: tests/cli/test_cli_command_line.py), then
    the hint."""
    result = xenkit(*args)
    assert result.code == 2 and "Traceback" not in result.err
    *errors, hint = result.err.splitlines()
    assert errors and all(line.startswith("error: ") for line in errors), result.err
    assert hint.startswith("hint: see 'xenkit")


def test_debug_as_a_value_is_not_the_debug_flag(xenkit: Xenkit) -> None:
    args = build("vm")
    args[args.index(f"--ks={URL}")] = "--ks"
    args.insert(args.index("--ks") + 1, "--debug")
    check_error(xenkit(*args))


@pytest.mark.parametrize("command", ["kickstart", "render"])
def test_newline_in_a_path_stays_on_one_error_line(xenkit: Xenkit, tmp_path: Path, command: str) -> None:
    path = str(tmp_path / "no\nsuch")
    if command == "render":
        check_error(xenkit("render", path, "-o", str(tmp_path / "out")))
    else:
        check_error(xenkit(*build("kickstart", root_password_hash=None, root_password_file=path)))


@pytest.mark.parametrize("case", NETWORK_CASES, ids=[repr(case) for case in NETWORK_CASES])
def test_ddk_network_bad_input_writes_nothing(xenkit: Xenkit, out_dir: Path, case: NetworkCase) -> None:
    """`ddk network` takes the same network options as the guest commands, with the same checks."""
    merged = {**NET, **{"--" + k: v for k, v in case.items()}}
    args = ["ddk", "network"]
    for option, value in merged.items():
        for item in [value] if isinstance(value, str) else value:
            args.append(f"{option}={item}")
    result = xenkit(*args, "-o", str(out_dir / "etc-tree"))
    [(key, _)] = case.items()
    assert key in check_error(result)[0]
    assert result.out == ""
    assert os.listdir(out_dir) == []
