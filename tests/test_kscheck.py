"""The pykickstart check: errors and deprecation warnings, each with its line."""

from __future__ import annotations

from toolkit.kscheck import validate_kickstart


def test_deprecation_warning_is_a_problem_with_its_line() -> None:
    problems = validate_kickstart("text\nskipx\nauthconfig --enableshadow --passalgo=sha512\n", "RHEL8")
    assert [(p.lineno, p.is_warning) for p in problems] == [(3, True)]
    assert "authselect" in problems[0].message
    assert str(problems[0]).startswith("line 3: warning:")


def test_error_has_its_line() -> None:
    problems = validate_kickstart("text\n\nfrobnicate\n", "F45")
    assert [(p.lineno, p.is_warning) for p in problems] == [(3, False)]


def test_clean_kickstart_has_no_problem() -> None:
    assert validate_kickstart("text\nskipx\n", "F17") == []
