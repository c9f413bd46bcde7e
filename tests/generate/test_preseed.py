"""Preseed profiles: every render read by Debian's debconf-set-selections, its late_command by sh and shellcheck."""

from __future__ import annotations

import base64
import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.catalog.preseed_releases import di_release, preseed_profiles
from toolkit.catalog.profiles import Profile, get_profile
from toolkit.catalog.releases import find_release
from toolkit.errors import UsageError
from toolkit.generate.answer_files import AnswerInput
from toolkit.generate.preseed import answer_value, preseed_problems, read_answers, render_preseed
from toolkit.generate.preseed_late import SCRIPT_PATH
from toolkit.inputs.network import make_network

HASH = "$6$abcdefgh$" + "A" * 86
KEY = 'from="10.0.0.0/8",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx0ZXN0a2V5MDEyMzQ1Njc4OWFiY2RlZg $HOME `x`'
NET = make_network("web1.example.com", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53", "198.51.100.53"])
PROFILES = preseed_profiles()
IDS = [p.name for p in PROFILES]
CASES = [(p, tools) for p in PROFILES for tools in (False, True)]
CASE_IDS = [f"{p.name}{'-xs-tools' if tools else ''}" for p, tools in CASES]


def render(profile: Profile, xs_tools: bool = False, repo: str | None = None) -> str:
    return render_preseed(profile, AnswerInput(NET, HASH, "Europe/Helsinki", repo, (KEY,), xs_tools=xs_tools))


def late_script_of(text: str) -> str:
    command = answer_value(text, "preseed/late_command")
    assert command is not None
    match = re.fullmatch(rf"in-target sh -c 'echo ([A-Za-z0-9+/=]+) \| base64 -d > {SCRIPT_PATH} && sh {SCRIPT_PATH}'",
                         command)
    assert match, command
    return base64.b64decode(match[1]).decode()


def test_the_d_i_releases_of_the_catalog_have_profiles() -> None:
    wanted = {"ubuntu-10.04", "ubuntu-12.04", "ubuntu-14.04", "ubuntu-16.04", "ubuntu-18.04",
              "debian-6", "debian-7", "debian-8", "debian-9"}
    assert {p.guest_os for p in PROFILES} == wanted
    for profile in PROFILES:
        release = di_release(profile).release
        assert profile.repo == release.repository  # the mirror is the catalog's
        assert profile.name == f"{release.distro}{release.version.replace('.', '')}-di"


@pytest.mark.parametrize(("profile", "xs_tools"), CASES, ids=CASE_IDS)
def test_debconf_set_selections_accepts_every_render(profile: Profile, xs_tools: bool, tmp_path: Path) -> None:
    program = require_program("debconf-set-selections")
    path = tmp_path / "preseed.cfg"
    path.write_text(render(profile, xs_tools))
    result = subprocess.run([program, "--checkonly", str(path)], capture_output=True, text=True)
    assert (result.returncode, result.stderr) == (0, "")  # an unknown type is only a warning: none either


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_debconf_reads_the_values_xenkit_reads(profile: Profile, tmp_path: Path) -> None:
    """Loaded into a throwaway debconf database, every question holds the value read_answers sees."""
    program = require_program("debconf-set-selections")
    (tmp_path / "debconf.conf").write_text(
        "Config: configdb\nTemplates: templatedb\n\n"
        f"Name: configdb\nDriver: File\nFilename: {tmp_path}/config.dat\n\n"
        f"Name: templatedb\nDriver: File\nFilename: {tmp_path}/templates.dat\n")
    text = render(profile, xs_tools=True)
    (tmp_path / "preseed.cfg").write_text(text)
    env = {**os.environ, "DEBCONF_SYSTEMRC": str(tmp_path / "debconf.conf")}
    subprocess.run([program, str(tmp_path / "preseed.cfg")], check=True, env=env)
    stored = dict(re.findall(r"^Name: (\S+)\n(?:.*\n)*?Value: ?(.*)$", (tmp_path / "config.dat").read_text(), re.M))
    assert stored == {answer.question: answer.value for answer in read_answers(text)}
    assert stored["passwd/root-password-crypted"] == HASH
    assert "xenkit-pygrub ::" in stored["partman-auto/expert_recipe"]


@pytest.mark.parametrize(("profile", "xs_tools"), CASES, ids=CASE_IDS)
def test_the_late_command_and_its_script_pass_sh_n_and_shellcheck(
    profile: Profile, xs_tools: bool, tmp_path: Path
) -> None:
    text = render(profile, xs_tools)
    command = answer_value(text, "preseed/late_command")
    script = late_script_of(text)
    shown = [line[4:].rstrip(" ") if line != "#" else "" for line in text.splitlines() if line.startswith("#   ")
             or line == "#"]
    assert "\n".join(shown) + "\n" == script  # the comment shows what runs
    for name, body in (("command.sh", f"#!/bin/sh\n{command}\n"), ("late.sh", script)):
        path = tmp_path / name
        path.write_text(body)
        subprocess.run([require_program("sh"), "-n", str(path)], check=True)
        result = subprocess.run([require_program("shellcheck"), "-s", "sh", str(path)], capture_output=True,
                                text=True)
        assert result.returncode == 0, f"{name}:\n{result.stdout}"
    assert KEY in script.split("<<'XENKIT_SSH_KEYS'\n")[1]
    assert ("xs-tools.iso" in script) is xs_tools
    assert ("apt-get -y purge" in script) is di_release(profile).is_ubuntu
    spelling = "barrier=0" if profile.name in ("ubuntu1004-di", "debian6-di") else "nobarrier"  # 2.6.32 kernels
    assert f"awk -v spelling={spelling} " in script and "xenkit_nobarrier /etc/fstab\n" in script


@pytest.mark.parametrize("profile", PROFILES, ids=IDS)
def test_each_release_gets_its_own_answers(profile: Profile) -> None:
    text = render(profile)
    di = di_release(profile)
    release = di.release
    values = {a.question: a.value for a in read_answers(text)}
    assert values[di.static_network] == "true"
    other = {"netcfg/disable_dhcp", "netcfg/disable_autoconfig"} - {di.static_network}
    assert not other & set(values)
    assert (values["netcfg/get_ipaddress"], values["netcfg/get_netmask"], values["netcfg/get_gateway"]) == (
        "192.0.2.10", "255.255.255.0", "192.0.2.1")
    assert values["netcfg/get_nameservers"] == "192.0.2.53 198.51.100.53"
    assert (values["netcfg/get_hostname"], values["netcfg/get_domain"]) == ("web1", "example.com")
    assert values["mirror/suite"] == release.codename
    assert "http://" + values["mirror/http/hostname"] + values["mirror/http/directory"] + "/" == release.repository
    assert values["time/zone"] == "Europe/Helsinki"
    if di.is_ubuntu:
        assert values["base-installer/kernel/override-image"] == "linux-virtual"
        if "old-releases" in release.repository:
            assert values["apt-setup/security_host"] == "old-releases.ubuntu.com"
        else:
            assert "apt-setup/security_host" not in values
    else:
        assert "base-installer/kernel/override-image" not in values
        # apt-setup writes http://HOST/ CODENAME/updates up to Debian 8, http://HOST/debian-security from 9.
        host = "archive.debian.org" if profile.name == "debian9-di" else "archive.debian.org/debian-security"
        assert values["apt-setup/security_host"] == host and "apt-setup/security_path" not in values
        assert values["apt-setup/services-select"] == "security"


def test_ubuntu_on_archive_ubuntu_com_keeps_the_default_security_host() -> None:
    values = {a.question: a.value for a in read_answers(render(get_profile("ubuntu1804-di")))}
    assert "apt-setup/security_host" not in values
    values = {a.question: a.value for a in read_answers(render(get_profile("ubuntu1204-di")))}
    assert (values["apt-setup/security_host"], values["apt-setup/security_path"]) == (
        "old-releases.ubuntu.com", "/ubuntu")


def test_the_partman_recipe_is_the_blogs() -> None:
    recipe = answer_value(render(get_profile("ubuntu1204-di")), "partman-auto/expert_recipe") or ""
    parts = [" ".join(part.split()) for part in recipe.split(" . ")]
    assert parts[0].startswith("xenkit-pygrub :: 500 500 500 ext3 $primary{ } $bootable{ }")
    assert "filesystem{ ext3 } mountpoint{ /boot }" in parts[0]
    assert "linux-swap method{ swap }" in parts[1]
    assert "mountpoint{ / }" in parts[2]


def test_a_repo_option_moves_the_mirror() -> None:
    text = render(get_profile("debian7-di"), repo="http://mirror.example.com:8080/debian-archive/debian/")
    values = {a.question: a.value for a in read_answers(text)}
    assert (values["mirror/http/hostname"], values["mirror/http/directory"]) == (
        "mirror.example.com:8080", "/debian-archive/debian")
    assert "apt-setup/security_host" not in values
    with pytest.raises(UsageError, match="http://"):
        render(get_profile("debian7-di"), repo="https://deb.example.com/debian/")


def test_the_check_finds_what_debconf_would_skip() -> None:
    assert preseed_problems("d-i a/b strnig x\nd-i c/d boolean yes\nd-i a/b string y\nonly-two words\n") == [
        "line 1: a/b: unknown type 'strnig'", "line 2: c/d: boolean value 'yes'",
        "line 3: a/b is already answered on line 1", "line 4: not 'owner question type value'"]
    assert preseed_problems("d-i p/q string a \\\n  b\n# a \\ inside\n") == []
    assert preseed_problems("# a comment \\\nd-i x/y string z\n") == [
        "line 1: a comment ends with a backslash: debconf joins the next line into it"]


def test_only_preseed_profiles_render() -> None:
    with pytest.raises(UsageError, match="not a d-i preseed profile"):
        render(get_profile("centos7"))
    assert find_release("ubuntu-12.04").codename == "precise"
