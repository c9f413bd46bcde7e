"""Time zone names as the installers take them (Olson names such as Europe/Helsinki)."""

from __future__ import annotations

import re
import zoneinfo

from toolkit.errors import ValidationError

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){0,2}$")


def parse_timezone(field: str, name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValidationError(field, f"{name!r} is not a time zone name (e.g. Europe/Helsinki, Etc/UTC)")
    # Loading the one zone is cheap; listing all of them (available_timezones) walks the tz database.
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise ValidationError(field, f"{name!r} is not a known time zone (e.g. Europe/Helsinki, Etc/UTC)") from None
    return name
