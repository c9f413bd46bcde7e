"""inputs.safetext and inputs.timezones: values that end up inside kickstart, boot-argument or shell text."""

from __future__ import annotations

import zoneinfo

import pytest

from tests.conftest import fails
from toolkit.errors import ValidationError
from toolkit.inputs.safetext import check_text, check_url
from toolkit.inputs.timezones import parse_timezone


@pytest.mark.parametrize("value", ["plain", "with spaces inside", "a-b_c.d/e:f@g+h(i)", "x", "50%", "a--b", "-x"])
def test_check_text_accepts_and_returns_value(value: str) -> None:
    assert check_text("f", value) is value


@pytest.mark.parametrize(
    ("char", "name"),
    [("\n", "newline"), ("\r", "carriage return"), ("\0", "NUL"), ("'", "quote"), ('"', "quote"), ("$", "'$'"),
     ("`", "backtick"), ("\\", "backslash")],
)
@pytest.mark.parametrize("where", ["{}abc", "ab{}c", "abc{}"])
def test_forbidden_characters_anywhere(char: str, name: str, where: str) -> None:
    value = where.format(char)
    fails(lambda: check_text("f", value), "f", repr(value), name)
    fails(lambda: check_url("u", "http://example.com/" + value), "u")


@pytest.mark.parametrize("value", ["a\tb", "a\x1bb", "a\x7fb", "a\x0bb", "a\x0cb", "\x01"])
def test_control_characters(value: str) -> None:
    fails(lambda: check_text("f", value), "f", repr(value), "control character")


@pytest.mark.parametrize("value", ["--bootloader", "--", "%post", "%", "%end"])
def test_leading_option_or_section(value: str) -> None:
    fails(lambda: check_text("f", value), "f", repr(value), "starts with")


@pytest.mark.parametrize("value", ["", " ", "   ", "\u00a0"])
def test_empty(value: str) -> None:
    fails(lambda: check_text("f", value), "f", "empty")


@pytest.mark.parametrize("value", [" abc", "abc ", " abc ", "abc\u00a0"])
def test_whitespace_padding(value: str) -> None:
    fails(lambda: check_text("f", value), "f", repr(value), "leading or trailing")


def test_allow_space_false() -> None:
    assert check_text("f", "a_b", allow_space=False) == "a_b"
    fails(lambda: check_text("f", "a b", allow_space=False), "f", "'a b'", "space")


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_rejected(sep: str) -> None:
    fails(lambda: check_text("f", f"a{sep}%post"), "f")
    fails(lambda: check_url("u", f"http://example.com/a{sep}%post"), "u")


# --- URLs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://example.com/", "https://mirror.example.com/centos/7/os/x86_64", "ftp://192.0.2.1/pub/ks.cfg",
     "http://192.0.2.1:8080/ks/web01.cfg", "http://[2001:db8::1]/repo", "HTTP://example.com/x", "http://h/a?b=c&d=e"],
)
def test_good_urls(url: str) -> None:
    assert check_url("repo", url) == url


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "javascript:alert(1)", "gopher://example.com/", "nfs://example.com/x", "example.com/x",
     "//example.com/x", "data:text/plain,hi", "ssh://example.com/"],
)
def test_bad_schemes(url: str) -> None:
    fails(lambda: check_url("repo", url), "repo", repr(url), "http://")


def test_scheme_list_can_be_narrowed() -> None:
    assert check_url("ks", "https://example.com/ks", schemes=("https",))
    fails(lambda: check_url("ks", "http://example.com/ks", schemes=("https",)), "ks", "https://")


@pytest.mark.parametrize("url", ["http://", "http:///path", "https://:80/x", "http://@/x"])
def test_no_host(url: str) -> None:
    fails(lambda: check_url("repo", url), "repo", repr(url), "no host")


@pytest.mark.parametrize("url", ["http://example.com/a b", "http://exa mple.com/", " http://example.com/"])
def test_spaces(url: str) -> None:
    fails(lambda: check_url("repo", url), "repo", "space")


@pytest.mark.parametrize(
    ("url", "bad"),
    [("http://example.com/a,b", ","), ("http://example.com/<x>", "<>"),
     ("http://example.com/{a}", "{}"), ("http://example.com/a|b", "|"), ("http://example.com/a^b", "^")],
)
def test_separator_characters(url: str, bad: str) -> None:
    fails(lambda: check_url("repo", url), "repo", repr(url), repr(bad))


@pytest.mark.parametrize("url", ["http://example.com/ks;jsessionid=1", "http://example.com/ks?a=1;b=2&c=3"])
def test_semicolon_in_url_is_accepted(url: str) -> None:
    """Quoted where it lands; a boot line typed at GRUB escapes it (toolkit/generate/installer_fit.py)."""
    assert check_url("repo", url) == url


@pytest.mark.parametrize("url", ["http://example.com/$(reboot)", "http://example.com/`id`", "http://example.com/'"])
def test_shell_characters_in_url(url: str) -> None:
    fails(lambda: check_url("repo", url), "repo", repr(url))


# --- time zones (toolkit.inputs.timezones: names that reach `timezone` lines and paths) ------------------

needs_tzdata = pytest.mark.skipif(not zoneinfo.available_timezones(), reason="no time zone database on this machine")


@pytest.mark.parametrize("name", ["Europe/Helsinki", "Etc/UTC", "UTC", "America/Argentina/Buenos_Aires", "Etc/GMT+2"])
def test_known_time_zones(name: str) -> None:
    assert parse_timezone("timezone", name) == name


@pytest.mark.parametrize(
    "name",
    ["../etc/passwd", "/etc/localtime", "Europe/../../etc/passwd", "Europe/Helsinki;rm", "Europe/Helsinki rm",
     "Europe/Helsinki\n", "Europe//Helsinki", "", "Europe/Helsinki/", "$TZ", "a/b/c/d"],
)
def test_malformed_time_zones(name: str) -> None:
    fails(lambda: parse_timezone("timezone", name), "timezone", repr(name))


@needs_tzdata
@pytest.mark.parametrize("name", ["Mars/Base", "Europe/Tampere", "europe/helsinki", "Nowhere"])
def test_unknown_time_zones(name: str) -> None:
    fails(lambda: parse_timezone("timezone", name), "timezone", repr(name), "not a known time zone")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://ex.com:abc/ks", "invalid port"),
        ("http://ex.com:99999/ks", "invalid port"),
        ("http://ex.com/os#frag", "'#'"),
        ("http://ex.com/\u00e9", "non-ASCII"),
        ("http://ex.com/" + "a" * 600, "longer than 512"),
    ],
)
def test_urls_a_kernel_line_or_kickstart_would_mangle(url: str, expected: str) -> None:
    with pytest.raises(ValidationError, match=expected):
        check_url("ks", url)
