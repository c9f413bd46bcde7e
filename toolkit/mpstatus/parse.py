"""Parse multipath status output of any layout into a Topology (toolkit/mpstatus/lines.py knows the lines).

Whatever the input, parsing never raises except for one case: text with no map at all and at least one line
that is neither empty nor a known kind of noise, which is not multipath output (StatusParseError names the first
such line). Every skipped line is a warning; zero maps is a valid result (multipathing off, no LUNs).
"""

from __future__ import annotations

from collections.abc import Iterable

from toolkit.mpstatus import lines as kinds
from toolkit.mpstatus.model import MpathMap, MpathPath, PathGroup, Topology

_QUOTE_LIMIT = 160


class StatusParseError(ValueError):
    """No multipath map, and a line that is not multipath output: `line_number` and `line` say which."""

    def __init__(self, line_number: int, line: str) -> None:
        self.line_number, self.line = line_number, line
        super().__init__(f"no multipath map found; line {line_number} is not multipath status output: "
                         f"{_quote(line)}")


def _quote(line: str) -> str:
    text = line.strip()
    return repr(text if len(text) <= _QUOTE_LIMIT else text[:_QUOTE_LIMIT] + "...")


def parse_status(text: str | Iterable[str]) -> Topology:
    raw_lines = text.splitlines() if isinstance(text, str) else list(text)
    cleaned = [kinds.clean(raw) for raw in raw_lines]
    topology = Topology()
    current: MpathMap | None = None
    group: PathGroup | None = None
    props_seen = False
    first_unknown: tuple[int, str] | None = None

    def skip(number: int, line: str, why: str) -> None:
        topology.warnings.append(f"line {number}: skipped ({why}): {_quote(line)}")

    for index, line in enumerate(cleaned):
        if line is None:
            continue
        number = index + 1
        first = line.lstrip()[:1]
        item = kinds.parse_item(line) if first in kinds.ITEM_MARKS else None
        if isinstance(item, MpathPath):
            if current is None:
                skip(number, line, "a path outside any map")
                continue
            if group is None:
                group = PathGroup()
                current.path_groups.append(group)
            group.paths.append(item)
            continue
        if isinstance(item, PathGroup):
            if current is None:
                skip(number, line, "a path group outside any map")
                continue
            group = item
            current.path_groups.append(group)
            continue
        props = first in "[s" and kinds.is_props(line)
        if props and current is not None and not props_seen:
            kinds.apply_props(line, current)
            props_seen = True
            continue
        header = kinds.parse_header(line) if _props_follow(cleaned, index) else None
        if header is not None:
            current, group, props_seen = header.new_map(), None, False
            topology.maps.append(current)
            continue
        if props:
            skip(number, line, "properties outside any map")
        elif kinds.is_noise(line):
            skip(number, line, "not part of a map")
        else:
            skip(number, line, "not recognised")
            if first_unknown is None:
                first_unknown = (number, line)
    if not topology.maps and first_unknown is not None:
        raise StatusParseError(*first_unknown)
    return topology


def _props_follow(cleaned: list[str | None], index: int) -> bool:
    """A header is a header only when the map's properties line comes next (blank lines aside)."""
    for following in range(index + 1, len(cleaned)):
        line = cleaned[following]
        if line is not None:
            return kinds.is_props(line)
    return False
