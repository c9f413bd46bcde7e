"""Limits for a guest's memory, vCPUs and disk, checked where they enter."""

from __future__ import annotations

from toolkit.errors import ValidationError
from toolkit.inputs.units import parse_size

MIB, GIB, TIB = 2**20, 2**30, 2**40


def parse_memory(field: str, text: str) -> int:
    return parse_size(field, text, minimum=256 * MIB, maximum=2 * TIB, granularity=MIB)


def parse_disk(field: str, text: str) -> int:
    return parse_size(field, text, minimum=1 * GIB, maximum=2 * TIB, granularity=MIB)


def parse_vcpus(field: str, count: int) -> int:
    if not 1 <= count <= 64:
        raise ValidationError(field, f"{count} is out of range (1 to 64)")
    return count
