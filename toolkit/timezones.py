"""Time zone names as the installers take them (Olson names such as Europe/Helsinki)."""

from __future__ import annotations

import re
import zoneinfo
from functools import cache

from toolkit.errors import ValidationError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")


@cache
def _known() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def parse_timezone(field: str, name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(field, f"{name!r} is not a time zone name (e.g. Europe/Helsinki, Etc/UTC)")
    known = _known()
    # Without a tz database on this machine we can only check the form of the name.
    if known and name not in known:
        raise ValidationError(field, f"{name!r} is not a known time zone (e.g. Europe/Helsinki, Etc/UTC)")
    return name
