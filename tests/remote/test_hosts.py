"""--host values: [user@]address[:port] and names from xenkit.toml."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.errors import UsageError
from toolkit.remote.hosts import parse_host, resolve_host


@pytest.mark.parametrize(("text", "user", "address", "port", "known_name"), [
    ("192.0.2.5", "root", "192.0.2.5", 22, "192.0.2.5"),
    ("admin@192.0.2.5:2222", "admin", "192.0.2.5", 2222, "[192.0.2.5]:2222"),
    ("dom0.example.com", "root", "dom0.example.com", 22, "dom0.example.com"),
    ("root@[2001:db8::5]:22", "root", "2001:db8::5", 22, "2001:db8::5"),
    ("2001:db8::5", "root", "2001:db8::5", 22, "2001:db8::5"),
])
def test_host_forms(text: str, user: str, address: str, port: int, known_name: str) -> None:
    spec = parse_host(text, None)
    assert (spec.user, spec.address, spec.port, spec.known_hosts_name) == (user, address, port, known_name)
    assert not spec.legacy and spec.identity is None


@pytest.mark.parametrize(("text", "shown"), [
    ("root@host:0", 'port "0"'),
    ("root@host:99999", 'port "99999"'),
    ("root@host:ab", 'port "ab"'),
    ("bad user@host", 'bad user name "bad user"'),
    ("root@exa mple", '"exa mple" is not an IP address or host name'),
    ("root@-host", '"-host" is not an IP address or host name'),
    ("", "empty"),
    ("[::1", "expected [address]:port"),
    ("host:", 'port ""'),
    ("[::1]:", 'port ""'),
])
def test_bad_host_forms(text: str, shown: str, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as info:
        resolve_host(text, cwd=tmp_path)
    assert shown in info.value.message
    assert info.value.exit_code == 2


def test_names_from_xenkit_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing"))
    (tmp_path / "xenkit.toml").write_text(
        'known_hosts = "project_known_hosts"\n'
        '[hosts.dom0]\naddress = "192.0.2.5"\nidentity = "keys/dom0"\nlegacy = true\nport = 2200\n'
        '[hosts.ddk]\naddress = "192.0.2.6"\nuser = "builder"\nknown_hosts = "/etc/xenkit/ddk_known"\n')
    dom0 = resolve_host("dom0", cwd=tmp_path)
    assert (dom0.address, dom0.user, dom0.port, dom0.legacy) == ("192.0.2.5", "root", 2200, True)
    assert dom0.identity == tmp_path / "keys/dom0"
    assert dom0.known_hosts == tmp_path / "project_known_hosts"
    ddk = resolve_host("ddk", cwd=tmp_path)
    assert (ddk.user, ddk.known_hosts) == ("builder", Path("/etc/xenkit/ddk_known"))
    other = resolve_host("admin@192.0.2.9", cwd=tmp_path)  # not a name: parsed, project known_hosts kept
    assert other.user == "admin" and other.known_hosts == tmp_path / "project_known_hosts"


def test_user_config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    (config / "xenkit").mkdir(parents=True)
    (config / "xenkit" / "xenkit.toml").write_text('[hosts.pool1]\naddress = "pool1.example.com"\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(config))
    assert resolve_host("pool1", cwd=tmp_path / "elsewhere").address == "pool1.example.com"


@pytest.mark.parametrize(("text", "shown"), [
    ('[hosts.a]\nadress = "x"\n', "unknown key 'adress'"),
    ('[hosts.a]\nuser = "root"\n', "address: required"),
    ('[hosts.a]\naddress = "x"\nport = "22"\n', "port: '22' is not a number"),
    ('[hosts.a]\naddress = "x"\nlegacy = "yes"\n', "legacy: 'yes' is not true or false"),
    ('[hosts.a\naddress = "x"\n', "not valid TOML"),
    ('colour = "blue"\n', "unknown key 'colour'"),
])
def test_bad_hosts_file(text: str, shown: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "nothing"))
    (tmp_path / "xenkit.toml").write_text(text)
    with pytest.raises(UsageError) as info:
        resolve_host("a", cwd=tmp_path)
    assert shown in info.value.message and "xenkit.toml" in info.value.message
