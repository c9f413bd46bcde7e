"""`[groups]` in xenkit.toml (`--group NAME`) and `xenkit host list`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.support.remote_helpers import isolate_home
from toolkit.cli.main import cli
from toolkit.errors import UsageError
from toolkit.remote.hosts import resolve_group

HOSTS_FILE = """\
known_hosts = "kh"

[hosts.dom0a]
address = "192.0.2.5"

[hosts.dom0b]
address = "192.0.2.6"
port = 2222
legacy = true

[groups]
pool1 = ["dom0a", "dom0b", "admin@192.0.2.7:2200"]
"""


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_group_reads_the_hosts_file_once(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not once more for each member: for a pool of N hosts that was N + 1 parses of a file of N hosts."""
    import toolkit.remote.hosts as hosts_module

    entries = "".join(f'[hosts.h{i}]\naddress = "192.0.2.{i + 1}"\n' for i in range(40))
    members = ", ".join(f'"h{i}"' for i in range(40))
    (here / "xenkit.toml").write_text(f"{entries}[groups]\npool = [{members}]\n")
    reads: list[Path] = []
    real = hosts_module.read_user_toml  # type: ignore[attr-defined]

    def counted(path: Path) -> dict[str, object]:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(hosts_module, "read_user_toml", counted)
    assert [spec.address for spec in resolve_group("pool")] == [f"192.0.2.{i + 1}" for i in range(40)]
    assert len(reads) == 1


def test_group_members_in_order(here: Path) -> None:
    (here / "xenkit.toml").write_text(HOSTS_FILE)
    specs = resolve_group("pool1")
    assert [str(s) for s in specs] == ["root@192.0.2.5", "root@192.0.2.6:2222", "admin@192.0.2.7:2200"]
    assert [s.label for s in specs] == ["dom0a", "dom0b", "admin@192.0.2.7:2200"]
    assert specs[1].legacy and all(s.known_hosts == here / "kh" for s in specs)


@pytest.mark.parametrize(("text", "shown"), [
    (HOSTS_FILE, 'not a group of'),
    ('[groups]\npool2 = "dom0a"\n', "must be a non-empty list"),
    ('[groups]\npool2 = []\n', "must be a non-empty list"),
    ('[groups]\npool2 = ["a", "a"]\n', "names a host twice"),
    ('groups = 3\n', "must be a table"),
    ('[groups]\npool2 = ["bad host"]\n', '"bad host"'),
])
def test_bad_groups(here: Path, text: str, shown: str) -> None:
    (here / "xenkit.toml").write_text(text)
    with pytest.raises(UsageError, match=shown):
        resolve_group("pool2" if "pool2" in text or "groups = 3" in text else "nope")


def test_group_without_hosts_file(here: Path) -> None:
    with pytest.raises(UsageError, match=r"no xenkit\.toml"):
        resolve_group("pool1")


def test_host_list(here: Path) -> None:
    (here / "xenkit.toml").write_text(HOSTS_FILE)
    result = CliRunner().invoke(cli, ["host", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"# {here / 'xenkit.toml'}"
    assert lines[1].split() == ["dom0a", "root@192.0.2.5"]
    assert lines[2].split() == ["dom0b", "root@192.0.2.6:2222", "(legacy)"]
    assert lines[3] == "group pool1: dom0a dom0b admin@192.0.2.7:2200"
    shown = json.loads(CliRunner().invoke(cli, ["host", "list", "--json"]).output)
    assert [h["name"] for h in shown["hosts"]] == ["dom0a", "dom0b"]
    assert shown["hosts"][1]["port"] == 2222 and shown["groups"] == {"pool1": ["dom0a", "dom0b",
                                                                               "admin@192.0.2.7:2200"]}


def test_host_list_without_file(here: Path) -> None:
    result = CliRunner().invoke(cli, ["host", "list", "--json"])
    assert result.exit_code == 0 and json.loads(result.output) == {"file": None, "hosts": [], "groups": {}}
