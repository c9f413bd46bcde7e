"""What a terminal shows after some output: the few ANSI controls the live progress table uses (cursor to a
previous line, erase line, erase below), carriage return and newline, interpreted over a list of lines, so
that tests read the screen instead of the raw escape sequences."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"\x1b\[(\d*)([A-Za-z])|\r|\n")


def screen(output: str) -> list[str]:
    """The lines on the screen (unbounded height, no wrapping) once `output` was written from its top left."""
    lines = [""]
    row = col = 0
    position = 0
    for match in _CONTROL.finditer(output):
        row, col = _text(lines, row, col, output[position:match.start()])
        position = match.end()
        if match.group(0) == "\r":
            col = 0
        elif match.group(0) == "\n":
            row, col = row + 1, 0
            if row == len(lines):
                lines.append("")
        else:
            count, command = int(match.group(1) or 1), match.group(2)
            if command == "F":
                row, col = max(0, row - count), 0
            elif command == "K" and match.group(1) == "2":
                lines[row] = ""
            elif command == "J" and match.group(1) in ("", "0"):
                lines[row] = lines[row][:col]
                del lines[row + 1:]
            else:
                raise AssertionError(f"a control the progress table does not use: {match.group(0)!r}")
    _text(lines, row, col, output[position:])
    while lines and not lines[-1]:
        lines.pop()
    return lines


def _text(lines: list[str], row: int, col: int, text: str) -> tuple[int, int]:
    line = lines[row].ljust(col)
    lines[row] = line[:col] + text + line[col + len(text):]
    return row, col + len(text)
