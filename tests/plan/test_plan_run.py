"""Plans run through an Executor (here the local one): captures, checks, guard, undo on failure.

The SSH runs against the xe simulator are in test_template_clone.py; these pin the runner's rules with
plain commands, and check that the bash rendering of the same plan behaves the same.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.plan.model import Check, Guard, Plan, Probe, Step, Var, cmd, word
from toolkit.plan.run import PlanFailed, run_plan
from toolkit.remote.local import LocalExecutor
from toolkit.report import reporting_to


def _log_plan(log: Path, fail_at: int | None = None) -> Plan:
    """Three steps that append to `log`, each with an undo that appends too; one may fail."""
    thing = Var("thing")
    plan = Plan("test plan", result=thing)
    plan.add(Step("make a thing", cmd("sh", "-c", f"echo made >> {log}; echo thing-1"), capture=thing,
                  check=Check.ONE_UUID, undo=cmd("sh", "-c", f"echo unmade >> {log}")))
    for n in (2, 3):
        script = f"echo 'step {n} broke' >&2; exit 3" if n == fail_at else f"echo step{n} >> {log}"
        plan.add(Step(f"step {n}", cmd("sh", "-c", script, word("x-", thing)),
                      undo=cmd("sh", "-c", f"echo undo{n} $0 >> {log}", word("", thing))))
    return plan


def test_success_captures_and_returns_the_result(tmp_path: Path) -> None:
    log = tmp_path / "log"
    said: list[str] = []
    with reporting_to(said.append):
        outcome = run_plan(_log_plan(log), LocalExecutor())
    assert outcome.result == "thing-1" and not outcome.unchanged
    assert log.read_text() == "made\nstep2\nstep3\n"
    assert said == ["[1/3] make a thing", "[2/3] step 2", "[3/3] step 3"]


def test_failure_undoes_done_steps_newest_first_and_names_the_step(tmp_path: Path) -> None:
    log = tmp_path / "log"
    with pytest.raises(PlanFailed) as info:
        run_plan(_log_plan(log, fail_at=3), LocalExecutor())
    assert log.read_text() == "made\nstep2\nundo2 thing-1\nunmade\n"
    lines = info.value.lines()
    assert lines[0] == "local: step 3/3 failed: step 3: exit status 3"
    assert "output: step 3 broke" in lines
    assert any(line.startswith("undone: step 2") for line in lines)


def test_a_timed_out_step_is_undone_too(tmp_path: Path) -> None:
    log = tmp_path / "log"
    thing = Var("thing")
    plan = Plan("slow", result=thing)
    plan.add(Step("make", cmd("sh", "-c", f"echo made >> {log}; echo t1"), capture=thing,
                  undo=cmd("sh", "-c", f"echo unmade $0 >> {log}", word("", thing))))
    plan.add(Step("slow step", cmd("sleep", "5")))
    with pytest.raises(PlanFailed) as info:
        run_plan(plan, LocalExecutor(), step_timeout=0.5)
    assert "step 2/2 failed: slow step" in info.value.message and "still running" in info.value.message
    assert log.read_text() == "made\nunmade t1\n"
    assert "undone: make: sh -c" in "\n".join(info.value.lines())


def test_bash_rendering_does_the_same(tmp_path: Path) -> None:
    bash = require_program("bash")
    log = tmp_path / "log"
    script = _log_plan(log, fail_at=3).render_script()
    result = subprocess.run([bash, "-c", script], capture_output=True, text=True)
    assert result.returncode == 3
    assert log.read_text() == "made\nstep2\nundo2 thing-1\nunmade\n"


def _guarded(store: Path, replace: bool) -> Plan:
    existing, made = Var("existing"), Var("made")
    plan = Plan("guarded", result=made)
    plan.add(Step("look", cmd("sh", "-c", f"cat {store}/id 2>/dev/null || true"), capture=existing,
                  check=Check.AT_MOST_ONE))
    plan.add(Guard("compare", existing, "the thing", (
        Probe("colour", cmd("cat", f"{store}/colour"), "blue"),
        Probe("size", cmd("cat", f"{store}/size"), "10"),
    ), replace=replace))
    plan.add(Step("make", cmd("sh", "-c", f"echo blue > {store}/colour; echo 10 > {store}/size; "
                              f"echo new > {store}/id; echo new"), capture=made))
    plan.add(Step("remove old", cmd("sh", "-c", f"echo removed >> {store}/log"), only_if=existing))
    return plan


def test_guard_nothing_there_makes_it(tmp_path: Path) -> None:
    outcome = run_plan(_guarded(tmp_path, False), LocalExecutor())
    assert outcome.result == "new" and not (tmp_path / "log").exists()
    again = run_plan(_guarded(tmp_path, False), LocalExecutor())
    assert again.unchanged and again.result == "new"


def test_guard_other_settings_is_an_error_or_replaced(tmp_path: Path) -> None:
    (tmp_path / "id").write_text("old\n")
    (tmp_path / "colour").write_text("red\n")  # size missing: reads as ''
    with pytest.raises(PlanFailed) as info:
        run_plan(_guarded(tmp_path, False), LocalExecutor())
    assert "colour is 'red', wanted 'blue'; size is '', wanted '10'" in info.value.message
    assert "--replace" in (info.value.hint or "")
    outcome = run_plan(_guarded(tmp_path, True), LocalExecutor())
    assert outcome.result == "new" and (tmp_path / "log").read_text() == "removed\n"


@pytest.mark.parametrize("replace", [False, True])
def test_guard_in_bash_matches_the_runner(tmp_path: Path, replace: bool) -> None:
    bash = require_program("bash")
    (tmp_path / "id").write_text("old\n")
    (tmp_path / "colour").write_text("red\n")
    result = subprocess.run([bash, "-c", _guarded(tmp_path, replace).render_script()], capture_output=True, text=True)
    if replace:
        assert result.returncode == 0 and result.stdout == "new\n"
        assert (tmp_path / "log").read_text() == "removed\n"
    else:
        assert result.returncode == 1 and "colour is 'red', wanted 'blue'" in result.stderr
        assert (tmp_path / "id").read_text() == "old\n"
    again = subprocess.run([bash, "-c", _guarded(tmp_path, False).render_script()], capture_output=True, text=True)
    if replace:
        assert again.returncode == 0 and again.stdout == "new\n" and "nothing to do" in again.stderr


def test_local_executor_drains_big_output_and_feeds_stdin() -> None:
    ex = LocalExecutor()
    result = ex.run(["sh", "-c", "head -c 3000000 /dev/zero; head -c 3000000 /dev/zero >&2; cat"], stdin=b"in\n")
    assert len(result.stdout) == 3000003 and len(result.stderr) == 3000000 and result.stdout.endswith(b"in\n")
    chunks: list[str] = []
    ex.run(["sh", "-c", "echo a; echo b >&2"], on_output=lambda stream, _: chunks.append(stream))
    assert sorted(chunks) == ["stderr", "stdout"]


def test_local_executor_timeout() -> None:
    from toolkit.remote.executor import CommandTimeout

    with pytest.raises(CommandTimeout, match=r"still running after 0\.3 s"):
        LocalExecutor().run(["sleep", "5"], timeout=0.3, step="sleeping")
