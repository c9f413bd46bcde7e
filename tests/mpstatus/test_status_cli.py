"""`xenkit multipath status`: --input files and stdin, --json, --expect-paths, exit codes, and --host over a real
sshd test host whose fake `mpathutil` / `multipath` print saved layouts."""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshTestHost

DATA = Path(__file__).parent / "data"
Xenkit = Callable[..., CliResult]


def test_input_file_json_is_the_parsers_shape(xenkit: Xenkit) -> None:
    result = xenkit("multipath", "status", "--input", str(DATA / "tree-049.txt"), "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [m["name"] for m in data["maps"]] == ["mpatha"] and data["warnings"] == []
    assert data["maps"][0]["path_groups"][1]["paths"][0]["dev"] == "sdb"


def test_human_output_one_line_per_map_and_per_path(xenkit: Xenkit) -> None:
    result = xenkit("multipath", "status", "--input", str(DATA / "bracket-rhel5.txt"))
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("mpath0 (3600a0b80000f4b1c000004c04a07e1c0)  dm-2  IBM 1815      FAStT  size 100G")
    assert "2/4 paths usable, group 1 active" in lines[0]
    assert len(lines) == 5 and lines[4].endswith("failed faulty  NOT USABLE")
    assert "warning: line 9: skipped (not part of a map)" in result.err


def test_stdin_input(xenkit: Xenkit, monkeypatch: pytest.MonkeyPatch) -> None:
    text = (DATA / "bracket-seed.txt").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text)))
    result = xenkit("multipath", "status", "--input", "-", "--json")
    assert result.code == 0, result.err
    assert len(json.loads(result.out)["maps"]) == 2


def test_expect_paths_names_the_maps_short_of_paths(xenkit: Xenkit) -> None:
    assert xenkit("multipath", "status", "--input", str(DATA / "bracket-seed.txt"), "--expect-paths", "2").code == 0
    result = xenkit("multipath", "status", "--input", str(DATA / "tree-modern.txt"), "--expect-paths", "2")
    assert result.code == 1
    assert "error: fewer than 2 usable (active and ready) paths: 3600a098038303053453f463045727a4c (1 of 2), " \
           "data_lun (1 of 2)" in result.err


def test_not_multipath_output_is_a_usage_error_naming_the_line(xenkit: Xenkit, tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("\nbash: multipath: command not found\n", encoding="utf-8")
    result = xenkit("multipath", "status", "--input", str(bad))
    assert result.code == 2 and result.out == ""
    assert result.err.strip() == (f"error: --input {bad}: no multipath map found; line 2 is not multipath status "
                                  "output: 'bash: multipath: command not found'")


def test_empty_input_is_zero_maps(xenkit: Xenkit, tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    result = xenkit("multipath", "status", "--input", str(empty))
    assert (result.code, result.out) == (0, "no multipath maps\n")
    assert xenkit("multipath", "status", "--input", str(empty), "--expect-paths", "2").code == 0


@pytest.mark.parametrize("args, message", [
    ((), "give --host HOST or --input FILE|- (one of them)"),
    (("--input", "x", "--host", "h"), "give --host HOST or --input FILE|- (one of them)"),
    (("--input", "/nonexistent/file"), "/nonexistent/file"),
])
def test_usage_errors(xenkit: Xenkit, args: tuple[str, ...], message: str) -> None:
    result = xenkit("multipath", "status", *args)
    assert result.code == 2 and message in result.err and "Traceback" not in result.err


def _fake(host: SshTestHost, name: str, body: str) -> None:
    script = host.bin_dir / name
    script.write_text("#!/bin/sh\n" + body, encoding="utf-8")
    script.chmod(0o755)


@pytest.fixture
def mp_host(ssh_host: SshTestHost, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SshTestHost:
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.chdir(tmp_path)
    write_hosts_file(tmp_path, "dom0", ssh_host)
    return ssh_host


def test_host_uses_mpathutil_status_where_it_works(xenkit: Xenkit, mp_host: SshTestHost) -> None:
    _fake(mp_host, "mpathutil", f'[ "$1" = status ] || exit 2\ncat {DATA / "mpathutil-status.txt"}\n')
    _fake(mp_host, "multipath", "echo should not run; exit 3\n")
    result = xenkit("multipath", "status", "--host", "dom0", "--json")
    assert result.code == 0, result.err
    assert [m["name"] for m in json.loads(result.out)["maps"]] == ["mpathb"]
    assert "dom0: mpathutil status" in result.err


def test_host_falls_back_to_multipath_ll_when_mpathutil_fails(xenkit: Xenkit, mp_host: SshTestHost) -> None:
    _fake(mp_host, "mpathutil", "echo Unable to contact Multipathd daemon; exit 255\n")
    _fake(mp_host, "multipath", f'[ "$1" = -ll ] || exit 2\ncat {DATA / "bracket-seed.txt"}\n')
    result = xenkit("multipath", "status", "--host", "dom0", "--expect-paths", "2")
    assert result.code == 0, result.err
    assert "dom0: multipath -ll" in result.err and "2/2 paths usable" in result.out


def test_host_output_that_is_not_multipath_is_a_failure(xenkit: Xenkit, mp_host: SshTestHost) -> None:
    _fake(mp_host, "mpathutil", "echo 'Segmentation fault in something'\n")
    result = xenkit("multipath", "status", "--host", "dom0")
    assert result.code == 1
    assert "dom0: mpathutil status: no multipath map found; line 1" in result.err
