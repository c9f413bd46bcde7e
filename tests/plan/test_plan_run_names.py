"""Names are data in a plan run: each argv word reaches the program as it is (no shell joins it), and the
commands an error shows to run by hand are quoted, so pasting one runs the same argv."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.generate.name_samples import hostile
from toolkit.plan.model import Check, Plan, Step, Var, cmd
from toolkit.plan.run import PlanFailed, run_plan
from toolkit.remote.local import LocalExecutor


def test_names_are_data_a_word_reaches_the_program_as_it_is(marker: Path) -> None:
    name, got = hostile(marker), Var("got")
    plan = Plan("echo a name", result=got)
    plan.add(Step("print it", cmd("printf", "%s", name), capture=got))
    assert run_plan(plan, LocalExecutor()).result == name
    assert not marker.exists()


def test_names_are_data_an_undo_to_run_by_hand_is_quoted(marker: Path) -> None:
    name, made = hostile(marker), Var("made")
    undo = ["printf", "%s", name]
    plan = Plan("undo a name")
    plan.add(Step("make it", cmd("printf", "x"), capture=made, check=Check.ONE_UUID, undo=cmd(*undo)))
    plan.add(Step("fail", cmd("false")))
    with pytest.raises(PlanFailed) as info:
        run_plan(plan, LocalExecutor())
    done = next(line for line in info.value.lines() if line.startswith("undone: make it: "))
    assert shlex.split(done.removeprefix("undone: make it: ")) == undo
    assert not marker.exists()


@pytest.fixture
def marker(tmp_path: Path) -> Path:
    return tmp_path / "ran"
