"""Block-style YAML for generated answer files (cloud-config, NoCloud meta-data), without a YAML library.

Only what the generators build: mappings with string keys, lists, strings, integers and booleans.
Every string is written double-quoted as JSON writes it: JSON's escapes are a subset of YAML's
double-quoted escapes, so a value is read back exactly (a password hash's `$`, an authorized_keys
option's quotes, a name in any script), and no string can turn into a number, a boolean or null the
way a plain scalar (`yes`, `0755`, `1e3`) would. Keys are quoted the same way unless they are plain
words, which keeps the file readable where it is read by people.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

YamlValue = str | int | bool | Sequence["YamlValue"] | Mapping[str, "YamlValue"]

_PLAIN_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_INDENT = "  "


def to_yaml(data: Mapping[str, YamlValue]) -> str:
    """`data` as a YAML document (a top-level mapping), ending with a newline."""
    return "".join(f"{line}\n" for line in _mapping_lines(data, 0))


def _scalar(value: str | int | bool) -> str:
    if isinstance(value, bool):  # before int: bool is an int to Python
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _key(key: str) -> str:
    return key if _PLAIN_KEY.fullmatch(key) and key not in _YAML11_WORDS else json.dumps(key, ensure_ascii=False)


# Plain words that YAML 1.1 (PyYAML, cloud-init) reads as booleans or null: quoted when they are keys.
_YAML11_WORDS = frozenset(
    word for base in ("y", "yes", "n", "no", "true", "false", "on", "off", "null")
    for word in (base, base.capitalize(), base.upper())
)


def _mapping_lines(data: Mapping[str, YamlValue], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines: list[str] = []
    for key, value in data.items():
        if isinstance(value, str | int | bool):
            lines.append(f"{pad}{_key(key)}: {_scalar(value)}")
        elif not value:  # an empty mapping or list, in flow style: block style has no way to write it
            lines.append(f"{pad}{_key(key)}: {'{}' if isinstance(value, Mapping) else '[]'}")
        else:
            lines.append(f"{pad}{_key(key)}:")
            lines += _nested_lines(value, depth + 1)
    return lines


def _sequence_lines(items: Sequence[YamlValue], depth: int) -> list[str]:
    pad = _INDENT * depth
    lines: list[str] = []
    for item in items:
        if isinstance(item, str | int | bool):
            lines.append(f"{pad}- {_scalar(item)}")
        elif not item:
            lines.append(f"{pad}- {'{}' if isinstance(item, Mapping) else '[]'}")
        else:
            # The item's own lines, one level deeper; its first line takes the dash.
            nested = _nested_lines(item, depth + 1)
            lines.append(f"{pad}- {nested[0].lstrip()}")
            lines += nested[1:]
    return lines


def _nested_lines(value: Mapping[str, YamlValue] | Sequence[YamlValue], depth: int) -> list[str]:
    return _mapping_lines(value, depth) if isinstance(value, Mapping) else _sequence_lines(value, depth)
