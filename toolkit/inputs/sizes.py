"""Sizes written by people (`2GiB`, `512MiB`) as byte counts and back, and a guest's limits.

A guest's memory and disk are sizes with a range and a MiB granularity; its vCPU count has a range.
Each is checked where it enters (CLI option or site file), under the name the user gave it.
"""

from __future__ import annotations

import re
from decimal import Decimal

from toolkit.errors import ValidationError

KIB, MIB, GIB, TIB = 2**10, 2**20, 2**30, 2**40
_UNITS = {"": 1, "B": 1, "KiB": KIB, "MiB": MIB, "GiB": GIB, "TiB": TIB}
# Accept the common short spellings (2G, 512M) as binary units: that is what xe and XenCenter mean.
_ALIASES = {"K": "KiB", "M": "MiB", "G": "GiB", "T": "TiB"}
# KB, MB, GB, TB: 10^3.. in SI, 2^10.. in other tools. Refused rather than guessed.
_AMBIGUOUS = {"KB": "KiB", "MB": "MiB", "GB": "GiB", "TB": "TiB"}
UNITS_HELP = "units: B, KiB, MiB, GiB, TiB; K, M, G, T are the same binary units"
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$")


def parse_size(field: str, text: str, *, minimum: int, maximum: int, granularity: int = 1) -> int:
    """Parse `text` into bytes: minimum <= size <= maximum, a whole multiple of `granularity`.

    A number without a unit is bytes; when such a number is refused, the error says which units exist.
    """
    match = _SIZE.fullmatch(text)
    written = match.group(2) if match else ""
    unit = _ALIASES.get(written.upper(), written)
    if match and written.upper() in _AMBIGUOUS:
        binary = _AMBIGUOUS[written.upper()]
        raise ValidationError(
            field, f"{text!r}: {written} is ambiguous (powers of 1000 or of 1024); write {match.group(1)}{binary} "
            f"or {match.group(1)}{binary[0]} for {binary} ({UNITS_HELP})",
        )
    if not match or unit not in _UNITS:
        raise ValidationError(field, f"{text!r} is not a size (examples: 2GiB, 512MiB, 20G)")
    exact = Decimal(match.group(1)) * _UNITS[unit]  # Decimal: exact (1.1GiB is not rounded), no overflow
    bare = f"; a number without a unit is bytes ({UNITS_HELP})" if not written else ""
    if not minimum <= exact <= maximum:
        raise ValidationError(
            field, f"{text!r} is out of range ({format_size(minimum)} to {format_size(maximum)}){bare}"
        )
    if exact % granularity:
        whole = "bytes" if granularity == 1 else format_size(granularity).lstrip("0123456789")
        raise ValidationError(field, f"{text!r} is not a whole number of {whole}{bare}")
    return int(exact)


def format_size(size: int) -> str:
    """The largest binary unit that divides `size` exactly (2147483648 -> '2GiB')."""
    for unit in ("TiB", "GiB", "MiB", "KiB"):
        if size % _UNITS[unit] == 0 and size >= _UNITS[unit]:
            return f"{size // _UNITS[unit]}{unit}"
    return f"{size}B"


def parse_memory(field: str, text: str) -> int:
    return parse_size(field, text, minimum=256 * MIB, maximum=2 * TIB, granularity=MIB)


def parse_disk(field: str, text: str) -> int:
    return parse_size(field, text, minimum=1 * GIB, maximum=2 * TIB, granularity=MIB)


def parse_vcpus(field: str, count: int) -> int:
    if not 1 <= count <= 64:
        raise ValidationError(field, f"{count} is out of range (1 to 64)")
    return count
