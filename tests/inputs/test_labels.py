"""inputs.safetext.check_label: a XenServer name is data, any printable text; unprintable characters are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import fails
from tests.generate.name_samples import CONTROL_CHARACTERS, PLAIN_ODD_NAMES, hostile
from toolkit.inputs.safetext import check_label


@pytest.mark.parametrize(
    "label",
    ["Red Hat Enterprise Linux 6 (64-bit)", "CentOS 7", "Pool-wide network associated with eth0", "vm_01.test",
     "Debian Bullseye 11", "a+b:c@d/e", "9", "x" * 255],
)
def test_good_labels(label: str) -> None:
    assert check_label("template", label) == label


@pytest.mark.parametrize(
    "label",
    [*PLAIN_ODD_NAMES, "(leading paren)", "-leading", ".hidden", "_x", "a;b", "a&b", "a*b", "a#b", "a!b", "a=b",
     "a~b", "a[1]", "Räksmörgås", "$HOME", "`id`", "a\\b", 'say "hi"', hostile(Path("/nonexistent/ran"))],
)
def test_names_are_data_any_printable_text_is_a_label(label: str) -> None:
    assert check_label("--name", label) == label


@pytest.mark.parametrize("char", sorted(CONTROL_CHARACTERS))
@pytest.mark.parametrize("where", ["{}abc", "ab{}c", "abc{}"])
def test_unprintable_characters_are_refused_and_shown_escaped(char: str, where: str) -> None:
    value = where.format(char)
    err = fails(lambda: check_label("--network", value), "--network", repr(value), CONTROL_CHARACTERS[char],
                "which a name cannot hold")
    assert "\n" not in str(err) and char not in str(err)  # one line; the character only escaped


@pytest.mark.parametrize("label", ["", " ", "   ", "\u00a0"])
def test_empty_label(label: str) -> None:
    fails(lambda: check_label("network", label), "network", "is empty")


def test_label_too_long() -> None:
    label = "x" * 256
    err = fails(lambda: check_label("template", label), "template", "longer than 255")
    assert label not in err.message  # shortened, not the whole value
