"""`xenkit ddk import` without a host: the plan printed as a bash script (every xe command in xe's table), and
what is refused before any connection."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.ddk.import_samples import BASE, ISO_SR, Xenkit, errors
from tests.support.iso_helpers import make_iso
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY
from toolkit.catalog.xetable import problems_in

# --- the plan, printed ------------------------------------------------------------------------------------

def xe_lines(script: str) -> list[list[str]]:
    """The xe commands of a rendered plan: plain lines, $(...) captures and undo entries."""
    found = []
    for line in script.splitlines():
        match = re.match(r"^\w+=\$\((xe .*)\)$", line) or re.match(r"^(xe .*)$", line)
        undo = re.match(r"^xenkit_undo\+=\((.*)\)$", line)
        if match:
            found.append(shlex.split(match.group(1)))
        elif undo:
            found.append(shlex.split(shlex.split(undo.group(1))[0]))
    return found


@pytest.mark.parametrize("extra", [[], ["--disk-sr", "Local storage", "--name-label", "DDK 6.0.2", "--dir", "ddk"]])
def test_printed_plan_is_bash_and_every_xe_command_is_in_the_table(xenkit: Xenkit, iso: Path, tmp_path: Path,
                                                                   extra: list[str]) -> None:
    result = xenkit(*BASE, str(iso), "--print", *extra)
    assert result.code == 0, result.err
    script = tmp_path / "import.sh"
    script.write_text(result.out)
    check = subprocess.run([require_program("bash"), "-n", str(script)], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    commands = xe_lines(result.out)
    assert commands[0] == ["xe", "sr-list", f"name-label={ISO_LIBRARY}", "content-type=iso", "--minimal"]
    assert [c[1] for c in commands if c[1] not in ("sr-list", "network-list", "vm-list", "vm-param-set")] == [
        "vm-import", "vm-uninstall", "vif-create", "vm-start"]
    for argv in commands:
        assert problems_in(argv) == [], argv
    directory = "ddk" if extra else "XenServer-6.0.2-DDK"
    assert f'test -f /var/run/sr-mount/"${{sr_uuid}}"/{directory}/ddk/ova.xml\n' in result.out
    assert "copies it there from the ISO" in result.out  # the upload is xenkit's, not the script's: it says so


def test_not_a_ddk_iso(xenkit: Xenkit, tmp_path: Path) -> None:
    other = make_iso(tmp_path / "other.iso", {"docs/readme.txt": b"hi"})
    for mode in (["--print"], ["--host", "nowhere.invalid"]):  # refused before any connection
        result = xenkit(*BASE, str(other), *mode)
        assert result.code == 2 and "not a DDK ISO: no ddk/ova.xml" in errors(result)[0]


@pytest.mark.parametrize(("options", "shown"), [
    ([], "give the ISO SR: --sr-name NAME or --sr-uuid UUID"),
    (["--sr-name", "a", "--sr-uuid", ISO_SR], "--sr-name and --sr-uuid: give one"),
    (["--sr-uuid", "not-a-uuid"], "not a uuid"),
    (["--sr-name", "a", "--dir", "../etc"], "--dir '../etc': one directory name"),
    (["--sr-name", "a", "--dir", ".hidden"], "one directory name"),
    (["--sr-name", "a\x1bb"], "--sr-name: 'a\\x1bb' contains a control character"),
    (["--sr-name", "a", "--reuse"], "only with --host"),
])
def test_bad_options(xenkit: Xenkit, iso: Path, options: list[str], shown: str) -> None:
    result = xenkit("ddk", "import", str(iso), *options)
    assert result.code == 2 and len(errors(result)) == 1 and shown in errors(result)[0], result.err


def test_help_teaches(xenkit: Xenkit) -> None:
    result = xenkit("ddk", "import", "--help")
    assert result.code == 0
    for text in ("xe vm-import filename=", "--sr-name", "--reuse", "--keep", "Examples:", "/var/run/sr-mount"):
        assert text in result.out
