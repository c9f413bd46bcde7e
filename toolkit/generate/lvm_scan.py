"""A minimal reader of lvm.conf's syntax: the tokens of the text, with their offsets, comments and strings
understood, so an edit can find `devices { filter = [...] }` and replace exactly those bytes.

lvm.conf (lvm2's config_tree format): `section { key = value }`, values are numbers, "strings" (backslash
escapes) or [ lists, of, them ]; `#` starts a comment outside strings. Sections nest.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r'''
    (?P<space>[ \t\r\n]+)
  | (?P<comment>\#[^\n]*)
  | (?P<string>"(?:[^"\\]|\\.)*")
  | (?P<unterminated>"(?:[^"\\]|\\.)*)
  | (?P<punct>[{}\[\]=,])
  | (?P<word>[^\s{}\[\]=,"\#]+)
''', re.VERBOSE | re.DOTALL)


class LvmSyntaxError(ValueError):
    def __init__(self, line: int, message: str) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}")


@dataclass(frozen=True)
class Token:
    kind: str  # "string", "punct" or "word"
    text: str
    start: int
    end: int
    line: int


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    line, position = 1, 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        assert match is not None  # every character belongs to one alternative
        kind = match.lastgroup or ""
        if kind == "unterminated":
            raise LvmSyntaxError(line, "a string is not closed")
        if kind not in ("space", "comment"):
            found.append(Token(kind, match.group(), match.start(), match.end(), line))
        line += match.group().count("\n")
        position = match.end()
    return found


def string_value(token: Token) -> str:
    """The value of a "string" token (lvm2 unescapes \\" and \\\\)."""
    return re.sub(r"\\(.)", r"\1", token.text[1:-1])


@dataclass(frozen=True)
class Setting:
    """`key = value` at some depth: where it starts and ends in the text, and its value as lvm2 reads it."""

    path: tuple[str, ...]  # enclosing sections and the key: ("devices", "filter")
    start: int
    end: int
    line: int
    value: list[str] | str


@dataclass(frozen=True)
class Section:
    path: tuple[str, ...]
    open_brace: Token
    close_brace: Token


def structure(text: str) -> tuple[list[Setting], list[Section]]:
    """Every setting and section of the text; LvmSyntaxError for what lvm2 could not parse either."""
    items = tokens(text)
    settings: list[Setting] = []
    sections: list[Section] = []
    stack: list[tuple[str, Token]] = []
    index = 0
    while index < len(items):
        token = items[index]
        if token.kind == "punct" and token.text == "}":
            if not stack:
                raise LvmSyntaxError(token.line, "a '}' closes no section")
            name, opened = stack.pop()
            sections.append(Section((*(n for n, _ in stack), name), opened, token))
            index += 1
            continue
        if token.kind != "word":
            raise LvmSyntaxError(token.line, f"unexpected {token.text!r}")
        following = items[index + 1] if index + 1 < len(items) else None
        if following is not None and following.text == "{":
            stack.append((token.text, following))
            index += 2
            continue
        if following is None or following.text != "=":
            raise LvmSyntaxError(token.line, f"{token.text!r} is neither a section nor a setting")
        value, index = _value(items, index + 2, token)
        end = items[index - 1].end
        settings.append(Setting((*(n for n, _ in stack), token.text), token.start, end, token.line, value))
    if stack:
        raise LvmSyntaxError(stack[-1][1].line, f"section {stack[-1][0]!r} is not closed")
    return settings, sections


def _value(items: list[Token], index: int, key: Token) -> tuple[list[str] | str, int]:
    if index >= len(items):
        raise LvmSyntaxError(key.line, f"{key.text} has no value")
    first = items[index]
    if first.text != "[":
        if first.kind == "punct":
            raise LvmSyntaxError(first.line, f"{key.text}: expected a value, found {first.text!r}")
        return (string_value(first) if first.kind == "string" else first.text), index + 1
    values: list[str] = []
    index += 1
    while index < len(items) and items[index].text != "]":
        item = items[index]
        if item.text == ",":
            index += 1
            continue
        if item.kind == "punct":
            raise LvmSyntaxError(item.line, f"{key.text}: unexpected {item.text!r} in a list")
        values.append(string_value(item) if item.kind == "string" else item.text)
        index += 1
    if index >= len(items):
        raise LvmSyntaxError(key.line, f"{key.text}: the list is not closed with ']'")
    return values, index + 1
