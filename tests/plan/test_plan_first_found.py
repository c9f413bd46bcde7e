"""A lookup under several names (FirstFound): the Python runner and the bash rendering agree, with plain commands
standing in for xe (a shell function printing a uuid for the names a "pool" has)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.plan.model import FirstFound, Plan, Var, cmd, word
from toolkit.plan.run import PlanFailed, run_plan
from toolkit.remote.local import LocalExecutor
from toolkit.report import reporting_to

# A pool of three templates: "look NAME" prints a uuid for a name it has; "survey" prints xe's records.
POOL = {"CentOS 6.0 (64-bit)": "c6", "CentOS 7 (deprecated)": "c7", "Rocky Linux 9": "r9"}
LOOK = "case \"$1\" in " + " ".join(f"'{name}') echo {uuid} ;;" for name, uuid in POOL.items()) + " esac"
SURVEY = "".join(f"name-label ( RW)    : {name}\\n\\n\\n" for name in POOL)


def _plan(names: tuple[str, ...]) -> Plan:
    found, name = Var("template_uuid"), Var("template_name")
    plan = Plan("lookup", result=found)
    plan.add(FirstFound("Find the template", found, name, cmd("sh", "-c", LOOK, "look", word("", name)), names,
                        "template", cmd("printf", SURVEY), "name-label", ("CentOS",), "install the package"))
    return plan


@pytest.mark.parametrize(("names", "uuid"), [(("CentOS 6 (64-bit)", "CentOS 6.0 (64-bit)"), "c6"),
                                             (("CentOS 7 (deprecated)", "CentOS 7"), "c7"),
                                             (("Rocky Linux 9",), "r9")])
def test_the_first_name_found_wins_in_python_and_in_bash(names: tuple[str, ...], uuid: str, tmp_path: Path) -> None:
    with reporting_to(lambda _line: None):
        assert run_plan(_plan(names), LocalExecutor()).result == uuid
    script = tmp_path / "plan.sh"
    script.write_text(_plan(names).render_script())
    done = subprocess.run([require_program("bash"), str(script)], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (0, uuid + "\n"), done.stderr
    assert ("for template_name in" in script.read_text()) == (len(names) > 1)


def test_none_found_names_what_was_tried_and_what_is_close(tmp_path: Path) -> None:
    names = ("CentOS 6 (64-bit)", "CentOS 6.1 (64-bit)")
    with reporting_to(lambda _line: None), pytest.raises(PlanFailed) as info:
        run_plan(_plan(names), LocalExecutor())
    expected = ('template: none found; tried: "CentOS 6 (64-bit)", "CentOS 6.1 (64-bit)"; close names in this '
                'pool: "CentOS 6.0 (64-bit)", "CentOS 7 (deprecated)"')
    assert expected in info.value.message and info.value.hint == "install the package"
    script = tmp_path / "plan.sh"
    script.write_text(_plan(names).render_script())
    done = subprocess.run([require_program("bash"), str(script)], capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout) == (1, "")
    assert 'none found; tried: "CentOS 6 (64-bit)", "CentOS 6.1 (64-bit)"' in done.stderr
    assert 'close names in this pool: "CentOS 6.0 (64-bit)", "CentOS 7 (deprecated)"\n' in done.stderr
    assert "Rocky" not in done.stderr and "hint: install the package" in done.stderr
