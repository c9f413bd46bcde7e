"""`xenkit render` into a directory it rendered before: a ks.cfg keeps its password hash while the password
file still matches it, and directories of guests no longer in the site file are listed as stale or
(--prune) removed, only when they hold nothing but what a render writes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from passlib.hash import sha512_crypt

from tests.conftest import Xenkit

SITE = """
[defaults]
ks_url_base = "http://192.0.2.2/ks"
network = "Pool-wide network associated with eth0"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
password_file = "root-pw.txt"
"""
GUEST = """
[[vm]]
name = "{name}"
profile = "fedora17-xenserver"
hostname = "{name}.example.com"
ip = "192.0.2.{host}/24"
"""


def write_site(tmp_path: Path, *names: str) -> Path:
    site = tmp_path / "site.toml"
    site.write_text(SITE + "".join(GUEST.format(name=name, host=20 + i) for i, name in enumerate(names)))
    return site


def rootpw(kickstart: Path) -> str:
    match = re.search(r"^rootpw --iscrypted (\S+)$", kickstart.read_text(), re.MULTILINE)
    assert match is not None
    return match.group(1)


@pytest.fixture
def password(tmp_path: Path) -> Path:
    path = tmp_path / "root-pw.txt"
    path.write_text("first-secret\n")
    return path


def test_render_again_keeps_each_ks_cfg_byte_for_byte(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    """Same site, same password file: no new salt, so nothing under version control changes."""
    site, out = write_site(tmp_path, "a", "b"), tmp_path / "out"
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    before = {name: (out / name / "ks.cfg").read_bytes() for name in ("a", "b")}
    result = xenkit("render", str(site), "-o", str(out))
    assert result.code == 0, result.err
    assert {name: (out / name / "ks.cfg").read_bytes() for name in ("a", "b")} == before


def test_a_changed_password_gets_a_new_hash(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    site, out = write_site(tmp_path, "a"), tmp_path / "out"
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    old = rootpw(out / "a" / "ks.cfg")
    password.write_text("second-secret\n")
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    new = rootpw(out / "a" / "ks.cfg")
    assert new != old
    assert sha512_crypt.verify("second-secret", new)


@pytest.mark.parametrize("previous", [
    sha512_crypt.using(rounds=1000).hash("first-secret"),  # weaker than a new one would be
    "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",  # not SHA-512 crypt
    "$6$broken",
])
def test_a_hash_we_would_not_write_is_replaced(xenkit: Xenkit, tmp_path: Path, password: Path, previous: str) -> None:
    site, out = write_site(tmp_path, "a"), tmp_path / "out"
    (out / "a").mkdir(parents=True)
    (out / "a" / "ks.cfg").write_text(f"rootpw --iscrypted {previous}\n")
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    new = rootpw(out / "a" / "ks.cfg")
    assert new != previous
    assert sha512_crypt.verify("first-secret", new)
    assert "rounds=" not in new  # the default 5,000 rounds


def test_a_guest_removed_from_the_site_is_listed_as_stale(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(write_site(tmp_path, "a", "b", "c")), "-o", str(out)).code == 0
    (out / "c" / "notes.txt").write_text("mine\n")  # not only what a render writes: never touched
    (out / "unrelated").mkdir()
    site = write_site(tmp_path, "a")
    result = xenkit("render", str(site), "-o", str(out))
    assert result.code == 0, result.err
    assert f"stale: {out / 'b'} (no [[vm]] of that name in {site}; --prune removes it)\n" in result.err
    assert str(out / "c") not in result.err and "unrelated" not in result.err
    assert sorted(p.name for p in out.iterdir()) == ["a", "b", "c", "unrelated"]


def test_prune_removes_only_directories_that_look_rendered(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(write_site(tmp_path, "a", "b", "c", "d")), "-o", str(out)).code == 0
    (out / "c" / "notes.txt").write_text("mine\n")
    (out / "d" / "install.sh").unlink()  # fewer files is still ours
    site = write_site(tmp_path, "a")
    result = xenkit("render", str(site), "-o", str(out), "--prune", "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out)["pruned"] == [str(out / "b"), str(out / "d")]
    assert json.loads(result.out)["stale"] == []
    assert f"removed {out / 'b'} (no [[vm]] of that name in {site})\n" in result.err
    assert sorted(p.name for p in out.iterdir()) == ["a", "c"]
    assert (out / "c" / "notes.txt").read_text() == "mine\n"


def test_a_failed_render_prunes_nothing(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(write_site(tmp_path, "a", "b")), "-o", str(out)).code == 0
    site = write_site(tmp_path, "a")
    site.write_text(site.read_text().replace('ip = "192.0.2.20/24"', 'ip = "192.0.2.300/24"'))
    assert xenkit("render", str(site), "-o", str(out), "--prune").code == 2
    assert sorted(p.name for p in out.iterdir()) == ["a", "b"]


def test_render_json_lists_what_was_written_and_what_is_stale(xenkit: Xenkit, tmp_path: Path, password: Path) -> None:
    out = tmp_path / "out"
    assert xenkit("render", str(write_site(tmp_path, "a", "b")), "-o", str(out)).code == 0
    result = xenkit("render", str(write_site(tmp_path, "a")), "-o", str(out), "--json")
    assert result.code == 0, result.err
    assert json.loads(result.out) == {
        "vms": [{"name": "a", "profile": "fedora17-xenserver",
                 "files": [str(out / "a" / name) for name in ("ks.cfg", "bootargs.txt", "install.sh")]}],
        "stale": [str(out / "b")],
        "pruned": [],
    }
