"""Plans: ordered steps (a command, a check of its result, an optional undo).

A plan is data. It renders as a reviewable bash script (`render_script`), and plan_run.py runs the same
steps through an Executor (over SSH with --host), so what a user reviews is what runs. Commands are argv tuples, never
strings built by concatenation: literal words go through shlex.quote, and a `Var` (a value captured by
an earlier step) renders as "${name}".
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from toolkit.catalog.jinja_env import render_template

_VAR_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
PLACEHOLDER_UUID = "00000000-0000-0000-0000-000000000000"  # stands in for a Var in table checks


@dataclass(frozen=True)
class Var:
    """A shell variable holding what an earlier step captured."""

    name: str

    def __post_init__(self) -> None:
        if not _VAR_NAME.fullmatch(self.name):
            raise ValueError(f"bad plan variable name {self.name!r}")


@dataclass(frozen=True)
class Word:
    """One argv word made of literal text and variables, e.g. `uuid=` + Var("vm_uuid")."""

    parts: tuple[str | Var, ...]


Arg = str | Var | Word


def word(*parts: str | Var) -> Word:
    return Word(parts)


def render_arg(arg: Arg) -> str:
    parts: tuple[str | Var, ...] = arg.parts if isinstance(arg, Word) else (arg,)
    rendered = []
    for part in parts:
        if isinstance(part, Var):
            rendered.append(f'"${{{part.name}}}"')
        elif part:
            rendered.append(shlex.quote(part))
    return "".join(rendered) or "''"


@dataclass(frozen=True)
class Command:
    argv: tuple[Arg, ...]

    def render(self) -> str:
        return " ".join(render_arg(a) for a in self.argv)

    def literal_prefixes(self) -> list[str]:
        """Each word's text with variables replaced by a placeholder uuid (for table checks)."""
        out = []
        for arg in self.argv:
            parts = arg.parts if isinstance(arg, Word) else (arg,)
            out.append("".join(PLACEHOLDER_UUID if isinstance(p, Var) else p for p in parts))
        return out


def cmd(*argv: Arg) -> Command:
    return Command(tuple(argv))


class Check(StrEnum):
    """How a step's captured output is checked before the next step runs."""

    NONE = "none"
    ONE_UUID = "one-uuid"  # xe --minimal output: empty means none found, a comma means several
    NONE_FOUND = "none-found"  # the lookup must find nothing (e.g. no VM of that name yet)
    AT_MOST_ONE = "at-most-one"  # nothing or one uuid; several is an error (a guard decides what follows)


@dataclass(frozen=True)
class Step:
    title: str
    command: Command
    capture: Var | None = None
    check: Check = Check.NONE
    what: str = ""  # names the looked-up object in a failed check's message
    undo: Command | None = None
    only_if: Var | None = None  # run only when this captured value is not empty


@dataclass(frozen=True)
class Probe:
    """Reads one setting of an existing object; a failing command means "not set"."""

    label: str  # e.g. other-config:debian-release
    command: Command
    expected: str


@dataclass(frozen=True)
class Guard:
    """Makes a plan idempotent: decides from what already exists whether the steps after it run.

    `subject` holds what an earlier step found (empty: nothing yet, go on). If every probe reads its
    expected value, the plan stops successfully with `subject` as its result. Otherwise it fails, or with
    `replace` goes on (later steps with `only_if=subject` then remove the old object).
    """

    title: str
    subject: Var
    what: str
    probes: tuple[Probe, ...]
    replace: bool = False


@dataclass(frozen=True)
class FirstFound:
    """Finds one object under the first of several names that exists (a template renamed between releases).

    `command` looks one name up, with `loop` standing for the name; it runs for each of `names` in order until
    one finds something (which must be exactly one object), captured in `capture`. If none does, the step
    fails naming what it tried, and the names `survey` lists (xe's record output, `label ( RO|RW): NAME`
    lines) that contain one of `near` (case-insensitive), so the user sees what the pool has instead.
    """

    title: str
    capture: Var
    loop: Var
    command: Command
    names: tuple[str, ...]
    what: str  # "template"
    survey: Command
    survey_label: str  # the record field `survey` prints: "name-label"
    near: tuple[str, ...]
    hint: str = ""


PlanItem = Step | Guard | FirstFound


@dataclass
class Plan:
    title: str
    steps: list[PlanItem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    result: Var | None = None  # printed on success (e.g. the new VM's uuid)

    def add(self, step: PlanItem) -> None:
        self.steps.append(step)

    def commands(self) -> Iterator[Command]:
        for step in self.steps:
            if isinstance(step, Guard):
                yield from (probe.command for probe in step.probes)
                continue
            if isinstance(step, FirstFound):
                yield from (step.command, step.survey)
                continue
            yield step.command
            if step.undo is not None:
                yield step.undo

    def render_script(self) -> str:
        """A bash script: `set -euo pipefail`, progress on stderr, undo of done steps on failure."""
        return render_template(
            "plan.sh.j2",
            plan=self,
            steps=[_render_item(s) for s in self.steps],
            result=None if self.result is None else render_arg(self.result),
            shquote=shlex.quote,
        )


@dataclass(frozen=True)
class _RenderedStep:
    title: str
    line: str
    check: str | None
    undo: str | None
    only_if: str | None = None
    guard: _RenderedGuard | None = None
    first: _RenderedFirst | None = None


@dataclass(frozen=True)
class _RenderedGuard:
    ref: str  # "${name}"
    what: str
    probes: list[str]
    replace: bool


@dataclass(frozen=True)
class _RenderedFirst:
    capture: str  # the variable's name
    loop: str
    names: str  # each shell-quoted, space-separated
    line: str
    failure: str  # the xenkit_none_of call
    single: str | None  # one name: the lookup with the name written in, no loop


def _render_item(item: PlanItem) -> _RenderedStep:
    if isinstance(item, Guard):
        return _render_guard(item)
    if isinstance(item, FirstFound):
        return _render_first(item)
    return _render_step(item)


def _render_first(first: FirstFound) -> _RenderedStep:
    tried = ", ".join(f'"{name}"' for name in first.names)
    failure = " ".join([
        "xenkit_none_of", shlex.quote(first.what), shlex.quote(tried), shlex.quote(first.hint),
        f'"$({first.survey.render()} 2>/dev/null || true)"', shlex.quote(first.survey_label),
        *(shlex.quote(word) for word in first.near),
    ])
    single = None
    if len(first.names) == 1:
        single = Command(tuple(_substitute(arg, first.loop, first.names[0]) for arg in first.command.argv)).render()
    rendered = _RenderedFirst(first.capture.name, first.loop.name, " ".join(shlex.quote(n) for n in first.names),
                              first.command.render(), failure, single)
    check = f'xenkit_one_uuid "${{{first.capture.name}}}" {shlex.quote(first.what)}'
    return _RenderedStep(first.title, "", check, None, None, None, rendered)


def _substitute(arg: Arg, var: Var, text: str) -> Arg:
    if isinstance(arg, Var):
        return text if arg == var else arg
    if isinstance(arg, Word):
        parts = tuple(text if part == var else part for part in arg.parts)
        texts = [p for p in parts if isinstance(p, str)]
        return "".join(texts) if len(texts) == len(parts) else Word(parts)
    return arg


def _render_guard(guard: Guard) -> _RenderedStep:
    probes = [
        f'xenkit_expect {shlex.quote(p.label)} {shlex.quote(p.expected)} "$({p.command.render()} 2>/dev/null || true)"'
        for p in guard.probes
    ]
    rendered = _RenderedGuard(render_arg(guard.subject), shlex.quote(guard.what), probes, guard.replace)
    return _RenderedStep(guard.title, "", None, None, None, rendered)


def _render_step(step: Step) -> _RenderedStep:
    line = step.command.render()
    if step.capture is not None:
        line = f"{step.capture.name}=$({line})"
    check = None
    if step.check is Check.ONE_UUID:
        assert step.capture is not None, "a checked step must capture its output"
        check = f'xenkit_one_uuid "${{{step.capture.name}}}" {shlex.quote(step.what or step.title)}'
    elif step.check is Check.NONE_FOUND:
        assert step.capture is not None, "a checked step must capture its output"
        check = f'xenkit_none_found "${{{step.capture.name}}}" {shlex.quote(step.what or step.title)}'
    elif step.check is Check.AT_MOST_ONE:
        assert step.capture is not None, "a checked step must capture its output"
        check = f'xenkit_at_most_one "${{{step.capture.name}}}" {shlex.quote(step.what or step.title)}'
    undo = None if step.undo is None else shlex.quote(step.undo.render())
    only_if = None if step.only_if is None else render_arg(step.only_if)
    return _RenderedStep(step.title, line, check, undo, only_if)
