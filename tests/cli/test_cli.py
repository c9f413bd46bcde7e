"""The xenkit CLI on good input: --version, --help, the generators, -o FILE and `xenkit render`."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from tests.conftest import ROOT, Xenkit
from toolkit import __version__
from toolkit.catalog.profiles import kickstart_profiles
from toolkit.cli.main import cli

XENKIT = Path(sys.executable).parent / "xenkit"
SITE = ROOT / "examples" / "site.toml"
SECRET = "S3cret-pass-123"
HASH = "$6$WESmtQDDUK9g4Z6F$KnJ.IEwZaAbN9T0hjPU3DdSaqivbUKbVCCK.iheKKNVHZTWNhvZER.5oiFMaGH867pxXBnKPZDmRgG71k4OsG."
NET = ["--hostname", "web1.example.com", "--ip", "192.0.2.10/24", "--gateway", "192.0.2.1",
       "--nameserver", "192.0.2.53", "--nameserver", "198.51.100.53"]
KS_URL = "http://192.0.2.2/ks/web1.cfg"
KICKSTART = ["kickstart", "render", "fedora17-xenserver", *NET, "--timezone", "Europe/Helsinki"]
BOOTARGS = ["bootargs", "fedora17-xenserver", *NET, "--ks", KS_URL]
VM_INSTALL = ["vm", "install", "fedora17-xenserver", "--name", "web1", "--ks", KS_URL,
              "--network", "Pool-wide network associated with eth0", "--memory", "1GiB", "--vcpus", "1", *NET]
SITE_VMS = ("fedora17-web", "centos6-db", "centos7-app", "rocky9-build")
SITE_FILES = {"ks.cfg": 0o600, "bootargs.txt": 0o644, "install.sh": 0o755}
HVM_VMS = ("centos7-app", "rocky9-build")  # their templates boot install media: the render adds their seed image


def site_files(vm: str) -> dict[str, int]:
    """The files the example site's render writes for `vm`, with their modes."""
    return {**SITE_FILES, f"{vm}-seed.iso": 0o600} if vm in HVM_VMS else SITE_FILES


def run_xenkit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed console script, as a user runs it."""
    return subprocess.run([str(XENKIT), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


def _command_paths(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield prefix
    context = click.Context(group)
    for name in group.list_commands(context):  # lazily loaded groups: what a user can type
        command = group.get_command(context, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))
        else:
            yield (*prefix, name)


def files_under(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_version(xenkit: Xenkit) -> None:
    result = xenkit("--version")
    assert (result.code, result.out, result.err) == (0, f"xenkit {__version__}\n", "")


@pytest.mark.parametrize("path", list(_command_paths(cli)), ids=lambda p: " ".join(p) or "xenkit")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_for_every_command(xenkit: Xenkit, path: tuple[str, ...], flag: str) -> None:
    result = xenkit(*path, flag)
    assert result.code == 0, result.err
    assert result.out.startswith("Usage: xenkit")
    assert " ".join(("xenkit", *path)) in result.out.splitlines()[0]
    assert result.err == ""


def test_top_level_help_lists_every_command(xenkit: Xenkit) -> None:
    out = xenkit("--help").out
    for name in ("kickstart", "bootargs", "vm", "render"):
        assert f"  {name} " in out


def test_kickstart_list_table(xenkit: Xenkit) -> None:
    result = xenkit("kickstart", "list")
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].split() == ["PROFILE", "PYKICKSTART", "BOOTARGS", "TEMPLATE", "REPO"]
    assert [line.split()[0] for line in lines[1:]] == [p.name for p in kickstart_profiles()]


def test_kickstart_list_json(xenkit: Xenkit, tmp_path: Path) -> None:
    result = xenkit("kickstart", "list", "--json")
    assert result.code == 0
    data = json.loads(result.out)
    assert isinstance(data, list)
    assert data
    for item in data:
        assert isinstance(item, dict)
        assert {"name", "pykickstart_version", "bootargs_family", "template", "repo"} <= set(item)
    assert [item["name"] for item in data] == [p.name for p in kickstart_profiles()]
    assert "fedora17-xenserver" in {item["name"] for item in data}
    out = tmp_path / "profiles.json"
    assert xenkit("kickstart", "list", "--json", "-o", str(out)).code == 0
    assert out.read_text(encoding="utf-8") == result.out


def test_kickstart_password_file_is_hashed_and_never_shown(xenkit: Xenkit, tmp_path: Path) -> None:
    password_file = tmp_path / "root-pw.txt"
    password_file.write_text(SECRET + "\n", encoding="utf-8")
    result = xenkit(*KICKSTART, "--root-password-file", str(password_file))
    assert result.code == 0, result.err
    assert "rootpw --iscrypted $6$" in result.out
    assert SECRET not in result.out
    assert SECRET not in result.err
    out = tmp_path / "ks.cfg"
    written = xenkit(*KICKSTART, "--root-password-file", str(password_file), "-o", str(out))
    assert written.code == 0, written.err
    assert written.out == ""
    assert SECRET not in written.err
    text = out.read_text(encoding="utf-8")
    assert SECRET not in text
    assert "rootpw --iscrypted $6$" in text
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


@pytest.mark.parametrize(
    ("args", "mode", "marker"),
    [
        ([*KICKSTART, "--root-password-hash", HASH], 0o600, f"rootpw --iscrypted {HASH}"),
        (BOOTARGS, None, f"ks={KS_URL}"),
        (VM_INSTALL, 0o755, "set -euo pipefail"),
    ],
    ids=["kickstart-render", "bootargs", "vm-install"],
)
def test_output_file_holds_what_stdout_shows(
    xenkit: Xenkit, tmp_path: Path, args: list[str], mode: int | None, marker: str
) -> None:
    printed = xenkit(*args)
    assert printed.code == 0, printed.err
    assert marker in printed.out
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    out = out_dir / "result"
    written = xenkit(*args, "-o", str(out))
    assert written.code == 0, written.err
    assert written.out == ""
    assert out.read_text(encoding="utf-8") == printed.out
    assert os.listdir(out_dir) == ["result"]  # no temporary file left beside it
    if mode is not None:
        assert stat.S_IMODE(out.stat().st_mode) == mode


def test_output_file_replaces_an_existing_file(xenkit: Xenkit, tmp_path: Path) -> None:
    out = tmp_path / "ks.cfg"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o644)
    result = xenkit(*KICKSTART, "--root-password-hash", HASH, "-o", str(out))
    assert result.code == 0, result.err
    assert out.read_text(encoding="utf-8").startswith("# Kickstart for web1.example.com")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert os.listdir(tmp_path) == ["ks.cfg"]


def test_bootargs_and_vm_install_content(xenkit: Xenkit) -> None:
    boot = xenkit(*BOOTARGS)
    assert boot.code == 0
    assert boot.out.count("\n") == 1
    assert "console=hvc0" in boot.out
    assert "192.0.2.10" in boot.out
    script = xenkit(*VM_INSTALL)
    assert script.code == 0
    assert script.out.startswith("#!/usr/bin/env bash\n")
    assert "web1" in script.out


def test_render_example_site(xenkit: Xenkit, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    result = xenkit("render", str(SITE), "-o", str(out_dir))
    assert result.code == 0, result.err
    assert sorted(p.name for p in out_dir.iterdir()) == sorted(SITE_VMS)
    for vm in SITE_VMS:
        assert sorted(p.name for p in (out_dir / vm).iterdir()) == sorted(site_files(vm))
        for name, mode in site_files(vm).items():
            assert stat.S_IMODE((out_dir / vm / name).stat().st_mode) == mode
        assert "rootpw --iscrypted $6$" in (out_dir / vm / "ks.cfg").read_text(encoding="utf-8")
        assert f"http://192.0.2.2/xenkit/{vm}/ks.cfg" in (out_dir / vm / "bootargs.txt").read_text(encoding="utf-8")
        assert vm in result.out


def test_render_site_json(xenkit: Xenkit, tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    result = xenkit("render", str(SITE), "-o", str(out_dir), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert (data["stale"], data["pruned"]) == ([], [])
    assert [item["name"] for item in data["vms"]] == list(SITE_VMS)
    for item in data["vms"]:
        assert {"name", "profile", "files"} <= set(item)
        assert sorted(Path(f).name for f in item["files"]) == sorted(site_files(item["name"]))
        assert all(Path(f).is_file() for f in item["files"])


def test_render_site_with_password_file_keeps_it_secret(xenkit: Xenkit, tmp_path: Path) -> None:
    site = tmp_path / "site.toml"
    text = SITE.read_text(encoding="utf-8")
    site.write_text(text.replace(f'password_hash = "{HASH}"', 'password_file = "root-pw.txt"'), encoding="utf-8")
    (tmp_path / "root-pw.txt").write_text(SECRET + "\n", encoding="utf-8")
    result = xenkit("render", str(site), "-o", str(tmp_path / "out"))
    assert result.code == 0, result.err
    assert SECRET not in result.out + result.err
    for vm in SITE_VMS:
        ks = (tmp_path / "out" / vm / "ks.cfg").read_text(encoding="utf-8")
        assert "rootpw --iscrypted $6$" in ks
        assert SECRET not in ks


def test_render_failed_write_is_all_or_nothing(xenkit: Xenkit, tmp_path: Path) -> None:
    """A write that fails (a file where the last VM's directory goes) is exit 1 and leaves no file."""
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    (out_dir / SITE_VMS[-1]).write_bytes(b"in the way\n")
    result = xenkit("render", str(SITE), "-o", str(out_dir))
    assert result.code == 1
    assert result.err.startswith("error: cannot write")
    assert files_under(out_dir) == {SITE_VMS[-1]: b"in the way\n"}


def test_output_write_failure_is_exit_1(xenkit: Xenkit, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_bytes(b"x")
    result = xenkit(*BOOTARGS, "-o", str(blocker / "bootargs.txt"))
    assert result.code == 1
    assert result.err.startswith("error: cannot write")
    assert len(result.err.splitlines()) <= 2
    assert files_under(tmp_path) == {"a-file": b"x"}


# The real console script: exit codes as a shell sees them, and nothing but `error:`/`hint:` lines.


def test_script_version_and_help(tmp_path: Path) -> None:
    assert run_xenkit("--version", cwd=tmp_path).stdout == f"xenkit {__version__}\n"
    help_run = run_xenkit("vm", "install", "--help", cwd=tmp_path)
    assert help_run.returncode == 0
    assert "--network NETWORK-NAME" in help_run.stdout


def test_script_kickstart_render_to_file(tmp_path: Path) -> None:
    (tmp_path / "pw.txt").write_text(SECRET + "\n", encoding="utf-8")
    run = run_xenkit(*KICKSTART, "--root-password-file", "pw.txt", "-o", "ks.cfg", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""
    assert SECRET not in run.stderr
    assert "Traceback" not in run.stderr
    assert sorted(os.listdir(tmp_path)) == ["ks.cfg", "pw.txt"]
    assert SECRET not in (tmp_path / "ks.cfg").read_text(encoding="utf-8")


def test_script_render_site(tmp_path: Path) -> None:
    shutil.copy(SITE, tmp_path / "site.toml")
    run = run_xenkit("render", "site.toml", "-o", "out", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert [item["name"] for item in json.loads(run.stdout)["vms"]] == list(SITE_VMS)
    assert len(files_under(tmp_path / "out")) == sum(len(site_files(vm)) for vm in SITE_VMS)


@pytest.mark.parametrize("args", [[], ["kickstart"], ["vm"]])
def test_a_group_without_a_command_shows_its_help(xenkit: Xenkit, args: list[str]) -> None:
    result = xenkit(*args)
    assert result.code == 2
    assert result.err.startswith("Usage: xenkit")
    assert "error:" not in result.err and "\\n" not in result.err


@pytest.mark.parametrize(("args", "unwanted"), [
    (["--version"], ["toolkit.cli.kickstart", "toolkit.cli.ddk", "toolkit.cli.driver", "click.testing"]),
    (["ddk", "extract", "--help"], ["toolkit.cli.ddk_import", "toolkit.cli.ddk_network", "toolkit.cli.driver",
                                    "pycdlib", "paramiko"]),
    (["driver", "verify", "--help"], ["toolkit.cli.driver_build", "toolkit.cli.ddk", "rpmfile", "paramiko"]),
    (["kickstart", "list"], ["toolkit.cli.template", "paramiko", "pykickstart", "traceback"]),
])
def test_a_command_imports_only_what_it_needs(args: list[str], unwanted: list[str]) -> None:
    """Start-up stays fast: a command loads its own module, not every other command's (toolkit/cli/lazy.py)."""
    code = ("import sys\nfrom toolkit.cli.main import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\nprint(' '.join(sorted(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=60)
    loaded = set(done.stderr.split())
    assert "toolkit.cli.main" in loaded
    assert not loaded & set(unwanted), sorted(loaded & set(unwanted))
