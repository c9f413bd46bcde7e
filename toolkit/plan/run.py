"""Run a Plan through an Executor: the same steps, checks, guard and undo as its bash rendering.

Each step's argv has its variables replaced by what earlier steps captured and runs as one command (no
script is sent): the executor gets the argv itself, and over SSH quotes it once, word by word, so a name
with quotes or `$(...)` in it stays one word. The first failure stops the plan; the undo commands of the
steps already done run newest first, and the error names the failed step with its output (commands left
to run by hand shell-quoted, ready to paste).
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from toolkit.errors import ToolkitError
from toolkit.plan.model import Arg, Check, Command, FirstFound, Guard, Plan, Step, Var, Word
from toolkit.remote.executor import CommandTimeout, Executor, RemoteError
from toolkit.report import say

# xe vm-clone / vm-install copy disks on an SR without fast clone: minutes, not seconds.
STEP_TIMEOUT = 3600.0


@dataclass
class PlanOutcome:
    result: str | None  # the plan's result value (e.g. the new template's uuid)
    unchanged: bool = False  # a guard found everything already in place
    done: list[str] = field(default_factory=list)


class PlanFailed(ToolkitError):
    """A step failed on the host; its output and what was undone are part of the message.

    `timed_out`: the step ran past its deadline, so its command may still be running on the host (a caller
    must not remove what that command may be reading)."""

    def __init__(self, message: str, details: list[str], hint: str | None = None, timed_out: bool = False) -> None:
        super().__init__(message, hint)
        self.details = details
        self.timed_out = timed_out

    def lines(self) -> list[str]:
        return [self.message, *self.details]


class _StepFailed(Exception):
    def __init__(self, reason: str, output: str = "", hint: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.output = output
        self.hint = hint


def concrete(command: Command, values: dict[str, str]) -> list[str]:
    return [_word(arg, values) for arg in command.argv]


def _word(arg: Arg, values: dict[str, str]) -> str:
    parts = arg.parts if isinstance(arg, Word) else (arg,)
    out = []
    for part in parts:
        if isinstance(part, Var):
            if part.name not in values:
                raise ToolkitError(f"plan bug: ${part.name} used before a step captured it")
            out.append(values[part.name])
        else:
            out.append(part)
    return "".join(out)


def run_plan(plan: Plan, ex: Executor, *, step_timeout: float = STEP_TIMEOUT) -> PlanOutcome:
    values: dict[str, str] = {}
    undo: list[tuple[str, Command]] = []
    outcome = PlanOutcome(None)
    total = len(plan.steps)
    for index, item in enumerate(plan.steps, 1):
        say(f"[{index}/{total}] {item.title}")
        try:
            if isinstance(item, Guard):
                if _guard(item, ex, values, step_timeout):
                    return PlanOutcome(values[item.subject.name], True, outcome.done)
                continue
            if isinstance(item, FirstFound):
                _first_found(item, ex, values, step_timeout)
                outcome.done.append(item.title)
                continue
            if item.only_if is not None and not values.get(item.only_if.name):
                say("  (skipped: nothing to do)")
                continue
            _step(item, ex, values, step_timeout)
        except CommandTimeout as exc:  # the connection is fine: undo what was done, as for a failure
            details = _undo(undo, ex, values)
            raise PlanFailed(f"{ex.name}: step {index}/{total} failed: {item.title}: {exc.message}", details,
                             "the timed-out command may still be running on the host", timed_out=True) from None
        except _StepFailed as failed:
            details = [f"output: {line}" for line in failed.output.splitlines()[-40:]]
            details += _undo(undo, ex, values)
            raise PlanFailed(f"{ex.name}: step {index}/{total} failed: {item.title}: {failed.reason}",
                             details, failed.hint) from None
        except RemoteError as exc:
            pending = [f"not undone (no connection), run it by hand: {shlex.join(concrete(cmd, values))}"
                       for _, cmd in reversed(undo)]
            raise PlanFailed(f"step {index}/{total} ({item.title}): {exc.message}", pending, exc.hint) from None
        outcome.done.append(item.title)
        if item.undo is not None:
            undo.append((item.title, item.undo))
    if plan.result is not None:
        outcome.result = _word(plan.result, values)
    return outcome


def _step(step: Step, ex: Executor, values: dict[str, str], timeout: float) -> None:
    result = ex.run(concrete(step.command, values), step=step.title, timeout=timeout)
    if not result.ok:
        raise _StepFailed(f"exit status {result.status}", result.output_tail())
    if step.capture is None:
        return
    value = result.text().rstrip("\n")
    values[step.capture.name] = value
    what = step.what or step.title
    if step.check is Check.ONE_UUID and not value:
        raise _StepFailed(f"{what}: none found")
    if step.check in (Check.ONE_UUID, Check.AT_MOST_ONE) and "," in value:
        raise _StepFailed(f"{what}: more than one found ({value})")
    if step.check is Check.NONE_FOUND and value:
        raise _StepFailed(f"{what}: already exists ({value})")


def _first_found(first: FirstFound, ex: Executor, values: dict[str, str], timeout: float) -> None:
    """As the script's loop: the first name that finds something wins; none: fail with the close names."""
    for name in first.names:
        values[first.loop.name] = name
        result = ex.run(concrete(first.command, values), step=first.title, timeout=timeout)
        if not result.ok:
            raise _StepFailed(f"exit status {result.status}", result.output_tail())
        value = result.text().rstrip("\n")
        if value:
            values[first.capture.name] = value
            if "," in value:
                raise _StepFailed(f"{first.what}: more than one found ({value})")
            return
    survey = ex.run(concrete(first.survey, values), step=f"{first.title}: list", timeout=timeout)
    label = re.compile(rf"^\s*{re.escape(first.survey_label)} \(\s*R[OW]\)\s*: (.*)$")
    names = [m.group(1) for line in survey.text().splitlines() if (m := label.match(line))]
    close = sorted(n for n in names if any(word.lower() in n.lower() for word in first.near))
    tried = ", ".join(f'"{name}"' for name in first.names)
    shown = ", ".join(f'"{name}"' for name in close) or "none"
    raise _StepFailed(f"{first.what}: none found; tried: {tried}; close names in this pool: {shown}",
                      hint=first.hint or None)


def _guard(guard: Guard, ex: Executor, values: dict[str, str], timeout: float) -> bool:
    """True: everything is in place, stop here. False: go on. Fails when it differs and may not replace
    (like the script's `exit 1`, which undoes the steps done before it)."""
    if not values.get(guard.subject.name):
        return False
    differs = []
    for probe in guard.probes:
        result = ex.run(concrete(probe.command, values), step=f"{guard.title}: read {probe.label}", timeout=timeout)
        current = result.text().rstrip("\n")  # like the script's "$(probe || true)": a failure prints nothing
        if current != probe.expected:
            differs.append(f"{probe.label} is '{current}', wanted '{probe.expected}'")
    subject = values[guard.subject.name]
    if not differs:
        say(f"{guard.what} already exists with these settings ({subject}); nothing to do")
        return True
    if guard.replace:
        say(f"{guard.what} has other settings; replacing it (--replace): {'; '.join(differs)}")
        return False
    raise _StepFailed(f"{guard.what} already exists ({subject}) with other settings: {'; '.join(differs)}",
                      hint="run with --replace to replace it, or choose another --name")


def _undo(undo: list[tuple[str, Command]], ex: Executor, values: dict[str, str]) -> list[str]:
    if not undo:
        return ["nothing to undo (no step that changed anything had run)"]
    report = []
    say(f"undoing {len(undo)} step(s)")
    for title, command in reversed(undo):
        argv = concrete(command, values)
        try:
            result = ex.run(argv, step=f"undo of: {title}")
        except RemoteError as exc:
            report.append(f"undo FAILED ({exc.message}), run it by hand: {shlex.join(argv)}")
            continue
        status = "undone" if result.ok else f"undo FAILED (exit {result.status}; run it by hand)"
        report.append(f"{status}: {title}: {shlex.join(argv)}")
    return report
