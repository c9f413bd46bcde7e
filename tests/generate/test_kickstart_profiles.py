"""Every kickstart profile, rendered (validate=False) for several guests, parses cleanly with pykickstart."""

from __future__ import annotations

import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest
from passlib.hash import sha512_crypt
from pykickstart.base import BaseHandler
from pykickstart.constants import KS_SCRIPT_POST, KS_SCRIPT_PRE
from pykickstart.errors import KickstartError
from pykickstart.parser import KickstartParser, Script
from pykickstart.version import makeVersion

import toolkit.generate.kickstart as ks_module
from toolkit.catalog.profiles import Profile, get_profile, kickstart_profiles
from toolkit.errors import GeneratedFileError
from toolkit.generate.kickstart import KickstartInput, render_kickstart
from toolkit.generate.kscheck import validate_kickstart
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password
from toolkit.inputs.sshkeys import read_public_keys

CLEAR_PASSWORD = "correct horse battery staple"
PROFILES = kickstart_profiles()
PROFILE_IDS = [p.name for p in PROFILES]


def require(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@dataclass(frozen=True)
class Case:
    hostname: str
    ip: str
    gateway: str
    nameservers: tuple[str, ...]
    netmask: str  # what the kickstart must carry for `ip`
    device: str = "eth0"
    keys: bool = False
    timezone: str = "Etc/UTC"
    repo: str | None = None


CASES = {
    "1ns-slash24": Case("web01.example.org", "192.0.2.10/24", "192.0.2.1", ("192.0.2.53",), "255.255.255.0"),
    "2ns-slash16-keys": Case(
        "db02.example.net", "172.16.4.20/16", "172.16.0.1", ("172.16.0.53", "172.16.1.53"), "255.255.0.0", keys=True
    ),
    "3ns-dotted-mask": Case(
        "app3.lab.example.com", "10.1.2.3/255.255.255.128", "10.1.2.126",
        ("10.1.2.53", "198.51.100.53", "203.0.113.53"), "255.255.255.128",
    ),
    "eth1-keys": Case(
        "mail.example.org", "192.0.2.130/25", "192.0.2.129", ("192.0.2.53",), "255.255.255.128", "eth1", keys=True
    ),
    "timezone": Case(
        "ntp.example.org", "198.51.100.7/24", "198.51.100.1", ("198.51.100.53",), "255.255.255.0",
        timezone="America/Argentina/Buenos_Aires",
    ),
    "custom-repo": Case(
        "build.example.org", "203.0.113.40/24", "203.0.113.1", ("203.0.113.53", "192.0.2.53"), "255.255.255.0",
        device="ens3", repo="http://mirror.example.org/pub/linux/os/x86_64/",
    ),
}


@pytest.fixture(scope="session")
def root_hash() -> str:
    return hash_password(CLEAR_PASSWORD)


@pytest.fixture(scope="session")
def ssh_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    require("ssh-keygen")
    directory = tmp_path_factory.mktemp("keys")
    for name in ("alice", "bob"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"{name}@example.org", "-f", str(directory / name)],
            check=True, capture_output=True,
        )
    text = "".join((directory / f"{name}.pub").read_text() for name in ("alice", "bob"))
    (directory / "authorized_keys").write_text(text)
    return tuple(read_public_keys(directory / "authorized_keys"))


def make_input(case: Case, root_hash: str, keys: tuple[str, ...] = ()) -> KickstartInput:
    net = make_network(case.hostname, case.ip, case.gateway, case.nameservers, case.device)
    return KickstartInput(net, root_hash, timezone=case.timezone, repo=case.repo, ssh_keys=keys)


def version_of(profile: Profile) -> str:
    """The pykickstart version of a kickstart profile (loading the profiles checks that each names one)."""
    assert profile.pykickstart_version, profile.name
    return profile.pykickstart_version


def parse(text: str, version: str) -> tuple[BaseHandler, list[str], list[str]]:
    """The handler, the errors and the warnings of pykickstart `version` for `text`."""
    handler = makeVersion(version)
    parser = KickstartParser(handler)
    errors: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parser.readKickstartFromString(text)
        except KickstartError as exc:
            errors.append(str(exc))
    return handler, errors, [str(w.message) for w in caught]


def scripts_of(handler: BaseHandler) -> list[Script]:
    return [s for s in handler.scripts if s.type in (KS_SCRIPT_PRE, KS_SCRIPT_POST)]


@pytest.fixture(params=list(CASES), ids=list(CASES))
def case(request: pytest.FixtureRequest, root_hash: str) -> tuple[Case, KickstartInput]:
    chosen = CASES[request.param]
    keys = request.getfixturevalue("ssh_keys") if chosen.keys else ()
    return chosen, make_input(chosen, root_hash, keys)


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_render_parses_cleanly_and_reads_back(
    profile: Profile, case: tuple[Case, KickstartInput], root_hash: str
) -> None:
    expected, data = case
    text = render_kickstart(profile, data, validate=False)
    handler, errors, warned = parse(text, version_of(profile))
    assert errors == []
    assert warned == []
    assert validate_kickstart(text, version_of(profile)) == []

    (net,) = handler.network.network
    assert (net.device, net.bootProto, net.ip) == (expected.device, "static", expected.ip.split("/")[0])
    assert (net.netmask, net.gateway) == (expected.netmask, expected.gateway)
    assert net.nameserver == ",".join(expected.nameservers)
    assert net.hostname == expected.hostname
    assert handler.rootpw.isCrypted is True
    assert handler.rootpw.password == root_hash
    assert sha512_crypt.verify(CLEAR_PASSWORD, handler.rootpw.password)
    assert "console=hvc0" in handler.bootloader.appendLine.split()
    assert handler.timezone.timezone == expected.timezone
    assert handler.url.url == (expected.repo or profile.repo)

    parts = {p.mountpoint: p for p in handler.partition.partitions}
    boot, root = parts["/boot"], parts["/"]
    assert (boot.fstype, boot.primOnly) == ("ext3" if profile.name.endswith("-xenserver") else "ext4", True)
    assert root.fstype == "ext4"
    assert not any(p.mountpoint.startswith("pv.") for p in handler.partition.partitions)
    assert handler.logvol.lvList == [] and handler.volgroup.vgList == []
    assert not handler.autopart.autopart

    posts = scripts_of(handler)
    assert len(posts) == (profile.name == "fedora17-xenserver") + bool(data.ssh_keys)
    if data.ssh_keys:
        key_script = next(s.script for s in posts if "authorized_keys" in s.script)
        for key in data.ssh_keys:
            assert key in key_script.splitlines()


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_scripts_are_valid_bash(profile: Profile, root_hash: str, ssh_keys: tuple[str, ...]) -> None:
    require("bash")
    text = render_kickstart(profile, make_input(CASES["eth1-keys"], root_hash, ssh_keys), validate=False)
    handler, errors, _ = parse(text, version_of(profile))
    scripts = scripts_of(handler)
    assert errors == [] and scripts
    for script in scripts:
        result = subprocess.run(["bash", "-n"], input=script.script, text=True, capture_output=True)
        assert result.returncode == 0, f"line {script.lineno}: {result.stderr}"


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_clear_password_never_rendered(profile: Profile, ssh_keys: tuple[str, ...]) -> None:
    hashed = hash_password(CLEAR_PASSWORD)
    text = render_kickstart(profile, make_input(CASES["eth1-keys"], hashed, ssh_keys), validate=True)
    assert CLEAR_PASSWORD not in text
    assert f"rootpw --iscrypted {hashed}\n" in text


# The 00_header lines of Fedora's grub2 that write the next_entry default into grub.cfg.
GRUB_00_HEADER = """cat <<EOF
if [ "\\${next_entry}" ] ; then
   set default="\\${next_entry}"
   set next_entry=
else
   set default="${GRUB_DEFAULT}"
fi
EOF
"""


def test_fedora17_post_writes_legacy_menu_for_pygrub(tmp_path: Path, root_hash: str) -> None:
    """Run the %post against a fake root: menu.lst for the newest kernel with console=hvc0, grub.cfg pinned."""
    require("bash")
    profile = get_profile("fedora17-xenserver")
    text = render_kickstart(profile, make_input(CASES["1ns-slash24"], root_hash), validate=False)
    handler, errors, _ = parse(text, version_of(profile))
    assert errors == []
    (body,) = [s.script for s in scripts_of(handler) if "/boot/grub/menu.lst" in s.script]

    root = tmp_path / "sysroot"
    for directory in ("etc/default", "etc/grub.d", "boot", "bin"):
        (root / directory).mkdir(parents=True)
    (root / "etc/fstab").write_text("UUID=1234-abcd / ext4 defaults 1 1\nUUID=99-88 /boot ext3 defaults 1 2\n")
    (root / "etc/default/grub").write_text('GRUB_TIMEOUT=5\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX="quiet"\n')
    (root / "etc/grub.d/00_header").write_text(GRUB_00_HEADER)
    stubs = {
        "rpm": "printf '%s\\n' 3.9.10-100.fc17.x86_64 3.10.11-100.fc17.x86_64 3.3.4-5.fc17.x86_64\n",
        "grub2-mkconfig": f'echo "$@" > {root}/mkconfig.args\n',
    }
    for name, stub in stubs.items():
        (root / "bin" / name).write_text("#!/bin/sh\n" + stub)
        (root / "bin" / name).chmod(0o755)
    script = body.replace("/boot/", f"{root}/boot/").replace("/etc/", f"{root}/etc/")
    env = {**os.environ, "PATH": f"{root / 'bin'}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", script], env=env, text=True, capture_output=True)
    assert result.returncode == 0, result.stderr

    kver = "3.10.11-100.fc17.x86_64"
    assert (root / "boot/grub/menu.lst").read_text() == (
        f"default=0\ntimeout=5\ntitle web01.example.org ({kver})\n\troot (hd0,0)\n"
        f"\tkernel /vmlinuz-{kver} ro root=UUID=1234-abcd console=hvc0\n\tinitrd /initramfs-{kver}.img\n"
    )
    assert "GRUB_DEFAULT=0\n" in (root / "etc/default/grub").read_text()
    header = (root / "etc/grub.d/00_header").read_text()
    assert '   set default="0"\n' in header
    assert 'set default="\\${next_entry}"' not in header
    assert (root / "mkconfig.args").read_text().split() == ["-o", f"{root}/boot/grub2/grub.cfg"]


def run_key_post(handler: BaseHandler, scratch: Path) -> Path:
    """Run the kickstart's authorized_keys %post with scratch/root for /root (in scratch); return that home."""
    require("bash")
    (body,) = [s.script for s in scripts_of(handler) if "authorized_keys" in s.script]
    home, bindir = scratch / "root", scratch / "bin"
    bindir.mkdir()
    (bindir / "restorecon").write_text("#!/bin/sh\nexit 0\n")  # never relabel the test machine
    (bindir / "restorecon").chmod(0o755)
    env = {**os.environ, "PATH": f"{bindir}:{os.environ['PATH']}"}
    result = subprocess.run(["bash", "-c", body.replace("/root/", f"{home}/")], env=env, text=True,
                            capture_output=True, cwd=scratch)
    assert result.returncode == 0, result.stderr
    return home


def test_ssh_key_post_appends_keys(tmp_path: Path, root_hash: str, ssh_keys: tuple[str, ...]) -> None:
    profile = get_profile("rocky9")
    text = render_kickstart(profile, make_input(CASES["2ns-slash16-keys"], root_hash, ssh_keys), validate=False)
    handler, _, _ = parse(text, version_of(profile))
    home = run_key_post(handler, tmp_path)
    assert (home / ".ssh").stat().st_mode & 0o777 == 0o700
    assert (home / ".ssh/authorized_keys").stat().st_mode & 0o777 == 0o600
    assert (home / ".ssh/authorized_keys").read_text().splitlines() == list(ssh_keys)


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_hardware_clock_is_utc(profile: Profile, root_hash: str) -> None:
    """Without --utc anaconda writes LOCAL to /etc/adjtime (F40+ deprecate only the --isUtc spelling)."""
    text = render_kickstart(profile, make_input(CASES["timezone"], root_hash), validate=False)
    handler, errors, warned = parse(text, version_of(profile))
    assert (errors, warned, handler.timezone.isUtc) == ([], [], True)


def test_wrong_pykickstart_version_is_rejected(root_hash: str) -> None:
    text = render_kickstart(get_profile("fedora17-xenserver"), make_input(CASES["1ns-slash24"], root_hash),
                            validate=False)
    _, errors, _ = parse(text, "F45")
    assert errors and "install has been removed" in errors[0]
    problems = validate_kickstart(text, "F45")
    assert problems and not problems[0].is_warning
    assert problems[0].lineno == text.splitlines().index("install") + 1


def test_render_with_validation_raises_naming_the_line(monkeypatch: pytest.MonkeyPatch, root_hash: str) -> None:
    broken = "url --url=http://mirror.example.org/os/\ntext\nfrobnicate --now\nrootpw --iscrypted x\n"
    monkeypatch.setattr(ks_module, "render_template", lambda name, **context: broken)
    profile = get_profile("rocky9")
    data = make_input(CASES["1ns-slash24"], root_hash)
    assert render_kickstart(profile, data, validate=False) == broken
    with pytest.raises(GeneratedFileError) as raised:
        render_kickstart(profile, data, validate=True)
    message = str(raised.value)
    assert all(part in message for part in ("line 3", "frobnicate", "rocky9", "RHEL9")), message
