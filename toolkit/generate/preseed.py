"""Render a d-i preseed profile for one guest (kickstarts/preseed.cfg.j2), and read a preseed back.

The reading follows debconf-set-selections (Debian's debconf, the program the tests check every render
with): a line ending in a backslash continues on the next one, blank and `#` lines are skipped, the rest is
`owner question type value`. A render is read back before it is returned: a line that would be skipped
with a warning or misread (an unknown type, a boolean that is not true/false) is our bug.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.preseed_releases import DiRelease, di_release, mirror_of
from toolkit.catalog.profiles import Profile
from toolkit.generate.answer_files import AnswerInput, raise_for_answer_problems
from toolkit.generate.installer_fit import check_fit
from toolkit.generate.preseed_late import SCRIPT_PATH, LateInput, late_command, late_script

TEMPLATE = "preseed.cfg.j2"
# debconf-set-selections' types (and its one flag), as its @knowntypes and @knownflags list them.
KNOWN_TYPES = frozenset({"select", "boolean", "string", "multiselect", "note", "password", "text", "title", "seen"})
_LINE = re.compile(r"^\s*(\S+)\s+(\S+)\s+(\S+)(?:\s(.*))?")


@dataclass(frozen=True)
class Answer:
    line: int  # where the answer starts
    owner: str  # "#": a comment ending in a backslash, which swallowed the next line
    question: str
    type: str
    value: str


def render_preseed(profile: Profile, data: AnswerInput, *, validate: bool = True) -> str:
    """The preseed text; with `validate`, read back as debconf-set-selections reads it (GeneratedFileError if
    it would balk)."""
    check_fit(profile, data.network)
    di: DiRelease = di_release(profile)
    repo = data.repo or profile.repo
    script = guest_script(profile, data, di)
    text = render_template(
        TEMPLATE, profile=profile, release=di.release, di=di, net=data.network, repo=repo,
        mirror=mirror_of(repo, di.security),
        root_password_hash=data.root_password_hash, timezone=data.timezone, late_script=script,
        late_command=late_command(script), script_path=SCRIPT_PATH,
    )
    if validate:
        raise_for_answer_problems(profile, preseed_problems(text), data.network.hostname)
    return text


def guest_script(profile: Profile, data: AnswerInput, di: DiRelease | None = None) -> str:
    """The late_command's script for this guest."""
    di = di or di_release(profile)
    return late_script(LateInput(profile=profile.name, purge_generic=bool(di.kernel), spelling=di.fstab_spelling,
                                 ssh_keys=data.ssh_keys, xs_tools=data.xs_tools))


def read_answers(text: str) -> list[Answer]:
    """Every answer of a preseed, continuation lines joined, as debconf-set-selections reads them."""
    lines = text.split("\n")
    answers = []
    index = 0
    while index < len(lines):
        start = index
        line = lines[index].removesuffix("\r")
        while line.endswith("\\") and index + 1 < len(lines):
            index += 1
            line = line[:-1] + lines[index].removesuffix("\r")
        index += 1
        if not line.strip():
            continue
        if line.lstrip().startswith("#"):
            if index - start > 1:  # a comment swallowed the next line: that line's answer is lost
                answers.append(Answer(start + 1, "#", "", "", line))
            continue
        match = _LINE.match(line)
        if match is None:
            answers.append(Answer(start + 1, "", "", "", line))  # debconf's "parse error"
        else:
            answers.append(Answer(start + 1, match[1], match[2], match[3], match[4] or ""))
    return answers


def preseed_problems(text: str) -> list[str]:
    """What debconf-set-selections would reject or skip, and values d-i would misread."""
    problems = []
    seen: dict[str, int] = {}
    for answer in read_answers(text):
        where = f"line {answer.line}"
        if answer.owner == "#":
            problems.append(f"{where}: a comment ends with a backslash: debconf joins the next line into it")
            continue
        if not answer.owner:
            problems.append(f"{where}: not 'owner question type value'")
        elif answer.type not in KNOWN_TYPES:
            problems.append(f"{where}: {answer.question}: unknown type {answer.type!r}")
        elif answer.type == "boolean" and answer.value not in ("true", "false"):
            problems.append(f"{where}: {answer.question}: boolean value {answer.value!r}")
        if answer.question in seen:
            problems.append(f"{where}: {answer.question} is already answered on line {seen[answer.question]}")
        seen[answer.question] = answer.line
    return problems


def answer_value(text: str, question: str) -> str | None:
    """The value a preseed gives `question`, or None."""
    return next((a.value for a in read_answers(text) if a.question == question), None)
