"""Site files: a field under its key or its option's name, named as written in problems; secrets never shown."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from toolkit.site.load import Site, SiteError, load_site
from toolkit.site.render import render_site

DIGEST = "$6$abcdefgh$" + "A" * 86
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHfLMo/7gkMZrrZ9C4HnoZA7Q4cw8MqR0kSGwEG9v0XG me"
DEFAULTS = {"password_hash": f'"{DIGEST}"', "gateway": '"192.0.2.1"', "nameservers": '["192.0.2.53"]'}
ENTRY = {"profile": '"fedora17-xenserver"', "ip": '"192.0.2.21/24"'}
Changes = Mapping[str, str | None] | None  # lines to replace or add; None drops one


def site_file(tmp_path: Path, defaults: Changes = None, entry: Changes = None) -> Path:
    """A one-guest site; `defaults` and `entry` replace or add lines (a value of None drops the line)."""
    tables = []
    for header, base, changes in (("[defaults]", DEFAULTS, defaults), ("[[vm]]", ENTRY, entry)):
        lines: dict[str, str | None] = {**base, **(changes or {})}
        tables.append("\n".join([header, *(f"{k} = {v}" for k, v in lines.items() if v is not None)]))
    path = tmp_path / "site.toml"
    path.write_text(
        tables[0] + '\nks_url_base = "http://192.0.2.2/ks"\nnetwork = "net0"\n\n'
        + tables[1] + '\nname = "a"\nhostname = "a.example.com"\n'
    )
    return path


def load(tmp_path: Path, defaults: Changes = None, entry: Changes = None) -> Site:
    return load_site(site_file(tmp_path, defaults, entry))


def problems_of(
    tmp_path: Path, defaults: Changes = None, entry: Changes = None
) -> list[str]:
    with pytest.raises(SiteError) as caught:
        load(tmp_path, defaults, entry)
    prefix = f"{tmp_path / 'site.toml'}: "
    assert all(line.startswith(prefix) for line in caught.value.problems)
    return [line.removeprefix(prefix) for line in caught.value.problems]


# --- secrets -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "problem"),
    [('"S3cret-pass-123"', "is not a SHA-512 crypt hash"), ("123456789", "must be a string, not an int"),
     ('["S3cret-pass-123"]', "must be a string, not a list")],
)
def test_a_password_given_as_password_hash_is_never_shown(tmp_path: Path, value: str, problem: str) -> None:
    (line,) = problems_of(tmp_path, {"password_hash": value})
    assert line.startswith(f"[defaults]: password_hash: {problem}")
    assert "S3c" not in line and "123" not in line


# --- one spelling for the command line and the site file -----------------------------------------


def test_option_names_are_site_keys_too(tmp_path: Path) -> None:
    """--nameserver, --root-password-hash, --ssh-key: the command line's names work in a site file as well."""
    (tmp_path / "me.pub").write_text(KEY + "\n")
    by_key = load(tmp_path, entry={"nameservers": '["192.0.2.54"]', "ssh_keys": '["me.pub"]'})
    by_option = load(
        tmp_path, {"password_hash": None, "root-password-hash": f'"{DIGEST}"'},
        {"nameserver": '"192.0.2.54"', "ssh-key": '["me.pub"]'},
    )
    assert by_option.vms == by_key.vms
    assert by_option.vms[0].install.network.nameserver_list == ["192.0.2.54"]
    rendered = [f.text for vm in render_site(by_option, tmp_path / "out") for f in vm.files]
    assert rendered == [f.text for vm in render_site(by_key, tmp_path / "out") for f in vm.files]


def test_option_name_in_defaults_and_key_in_an_entry_are_one_field(tmp_path: Path) -> None:
    site = load(tmp_path, {"nameservers": None, "nameserver": '"192.0.2.54"'}, {"nameservers": '["192.0.2.55"]'})
    assert site.vms[0].install.network.nameserver_list == ["192.0.2.55"]


def test_one_field_given_twice_in_a_table(tmp_path: Path) -> None:
    assert problems_of(tmp_path, {"nameserver": '"192.0.2.54"'}) == [
        "[defaults]: nameservers and nameserver are the same field; give one of them"
    ]


@pytest.mark.parametrize(
    ("entry", "problem"),
    [({"nameserver": '"192.0.2.999"'}, "vm #1 (a): nameserver: '192.0.2.999' is not an IPv4 address"),
     ({"nameservers": '"192.0.2.999"'}, "vm #1 (a): nameservers: '192.0.2.999' is not an IPv4 address"),
     ({"ssh-key": "3"}, "vm #1 (a): ssh-key: must be a list of strings, not int"),
     ({"root-password-file": '"pw.txt"', "password_hash": f'"{DIGEST}"'},
      "vm #1 (a): password: give exactly one of password_hash and root-password-file"),
     ({"memory": '"2048"'}, "vm #1 (a): memory: '2048' is out of range (256MiB to 2TiB); a number without a unit"),
     ({"ip": '"192.0.2.21/24"', "gateway": '"10.0.0.1"'}, "vm #1 (a): gateway: 10.0.0.1 is outside the subnet")],
)
def test_problems_name_the_field_as_written_with_the_entry(
    tmp_path: Path, entry: dict[str, str], problem: str
) -> None:
    (tmp_path / "pw.txt").write_text("x\n")
    problems = problems_of(tmp_path, entry=entry)
    assert any(line.startswith(problem) for line in problems), problems


# --- what the profile's installer cannot take ------------------------------------------------------


def test_misfits_are_found_when_the_site_is_loaded(tmp_path: Path) -> None:
    entry = {"profile": '"centos6-xenserver"', "ip": '"203.0.113.7/32"', "gateway": '"203.0.113.1"'}
    (line,) = problems_of(tmp_path, entry=entry)
    assert line.startswith("vm #1 (a): gateway: 203.0.113.1 is outside the /32 address 203.0.113.7, but a CentOS 6")


def test_on_link_gateway_and_mac_in_a_site_render(tmp_path: Path) -> None:
    entry = {"ip": '"203.0.113.7/32"', "gateway": '"203.0.113.1"', "interface": '"52:54:00:12:34:56"'}
    files = {f.path.name: f.text for vm in render_site(load(tmp_path, entry=entry), tmp_path / "out") for f in vm.files}
    assert "network --device=52:54:00:12:34:56 " in files["ks.cfg"]
    assert "ifname=bootnet:52:54:00:12:34:56 ip=203.0.113.7:203.0.113.1:203.0.113.1:255.255.255.255:" in (
        files["bootargs.txt"]
    )


def test_semicolon_in_ks_url_base_for_a_rocky_guest_names_ks_url_base(tmp_path: Path) -> None:
    path = site_file(tmp_path, entry={"profile": '"rocky9"'})
    path.write_text(path.read_text().replace('"http://192.0.2.2/ks"', '"http://192.0.2.2/ks;v=1"'))
    with pytest.raises(SiteError) as caught:
        load_site(path)
    (line,) = caught.value.problems
    assert line.startswith(f"{path}: vm #1 (a): ks_url_base: 'http://192.0.2.2/ks;v=1/a/ks.cfg' contains ';'")


def test_semicolon_in_ks_url_base_for_a_pv_guest_is_written_as_it_is(tmp_path: Path) -> None:
    path = site_file(tmp_path)
    path.write_text(path.read_text().replace('"http://192.0.2.2/ks"', '"http://192.0.2.2/ks;v=1"'))
    files = {f.path.name: f.text for vm in render_site(load_site(path), tmp_path / "out") for f in vm.files}
    assert " ks=http://192.0.2.2/ks;v=1/a/ks.cfg\n" in files["bootargs.txt"]
