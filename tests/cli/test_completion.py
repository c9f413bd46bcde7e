"""Shell completion: `xenkit completion bash|zsh|fish`, and the names it completes (profiles, releases, recipes,
hosts of xenkit.toml), in-process through click's completion API and once as the shell runs it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.shell_completion import ShellComplete

from tests.conftest import ROOT, Xenkit, require_program
from toolkit.catalog.profiles import all_profiles, kickstart_profiles
from toolkit.catalog.releases import load_releases
from toolkit.cli.completion import COMPLETE_VAR
from toolkit.cli.main import cli
from toolkit.driver.recipe import recipe_names

HOSTS_TOML = """\
[hosts.dom0]
address = "192.0.2.5"

[hosts.ddk62]
address = "192.0.2.20"
"""


def completions(*words: str) -> list[str]:
    """What the shell offers after `xenkit WORDS...` (the last word is the one being typed)."""
    *args, incomplete = words
    return [item.value for item in ShellComplete(cli, {}, "xenkit", COMPLETE_VAR).get_completions(args, incomplete)]


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_the_script(xenkit: Xenkit, shell: str) -> None:
    result = xenkit("completion", shell)
    assert result.code == 0, result.err
    assert f"{COMPLETE_VAR}={shell}_complete" in result.out and "xenkit" in result.out
    assert result.err == ""


def test_completion_refuses_another_shell(xenkit: Xenkit) -> None:
    result = xenkit("completion", "tcsh")
    assert result.code == 2 and "'tcsh' is not one of 'bash', 'zsh', 'fish'" in result.err


def test_commands_are_completed() -> None:
    assert "completion" in completions("")
    assert completions("dd") == ["ddk"]
    assert completions("ddk", "") == ["extract", "import", "network"]


def test_profile_names() -> None:
    assert completions("kickstart", "render", "") == [p.name for p in kickstart_profiles()]
    assert completions("bootargs", "") == list(all_profiles())
    assert completions("autoinstall", "render", "") == [
        "ubuntu2004-autoinstall", "ubuntu2204-autoinstall", "ubuntu2404-autoinstall"]
    assert completions("vm", "install", "rocky") == [name for name in all_profiles() if name.startswith("rocky")]
    assert completions("vm", "install", "rocky9", "--name", "web1", "") == []  # an argument given: no more names


def test_release_names() -> None:
    assert completions("template", "clone", "") == [r.codename for r in load_releases()]
    assert completions("template", "clone", "prec") == ["precise"]


def test_recipe_names() -> None:
    assert completions("driver", "build", "") == recipe_names()
    assert "demo" in recipe_names()


@pytest.mark.parametrize("words", [("host", "check", "--host"), ("fstab", "nobarrier", "--host"),
                                   ("template", "clone", "precise", "--host"), ("driver", "build", "--build-host")])
def test_host_names_from_xenkit_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, words: tuple[str, ...]) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert completions(*words, "") == []  # no hosts file
    (tmp_path / "xenkit.toml").write_text(HOSTS_TOML, encoding="utf-8")
    assert completions(*words, "") == ["dom0", "ddk62"]
    assert completions(*words, "dd") == ["ddk62"]


def test_a_broken_hosts_file_completes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "xenkit.toml").write_text("[hosts.dom0\n", encoding="utf-8")
    assert completions("host", "check", "--host", "") == []


def _complete_in_a_child(words: str, cword: int, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), COMPLETE_VAR: "bash_complete", "COMP_WORDS": words,
           "COMP_CWORD": str(cword)}
    code = ("import sys\nfrom toolkit.cli.main import main\ntry:\n    main([])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(sys.modules)), file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_the_shell_protocol_and_what_it_imports(tmp_path: Path) -> None:
    """As the bash script asks: one `type,value` line per name; completing names loads no SSH, no kickstart
    checker, no templates."""
    (tmp_path / "xenkit.toml").write_text(HOSTS_TOML, encoding="utf-8")
    heavy = {"paramiko", "pykickstart", "jinja2", "pycdlib", "rpmfile", "passlib"}
    release = _complete_in_a_child("xenkit template clone prec", 3, tmp_path)
    assert release.stdout == "plain,precise\n", release.stderr
    host = _complete_in_a_child("xenkit host check --host d", 4, tmp_path)
    assert host.stdout == "plain,dom0\nplain,ddk62\n", host.stderr
    for run in (release, host):
        loaded = set(run.stderr.split())
        assert not {name.split(".")[0] for name in loaded} & heavy, sorted(loaded)


def test_bash_loads_the_script(tmp_path: Path) -> None:
    bash = require_program("bash")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = f'eval "$({sys.executable} -m toolkit completion bash)" && complete -p xenkit'
    run = subprocess.run([bash, "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert "_xenkit_completion" in run.stdout and run.stdout.rstrip().endswith(" xenkit")
