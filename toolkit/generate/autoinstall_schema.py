"""Subiquity's published autoinstall schemas, one per Ubuntu release, and what xenkit reads from them.

The schemas are fact files (toolkit/data/subiquity/, each with its source repository and commit in
its `$comment`): the tests validate every rendered autoinstall section against its release's schema,
and the generator takes its per-release choices from them, so a choice and the check of it cannot
disagree: whether `apt` has 24.04's `mirror-selection`, whether `shutdown` exists (22.04 on), and
20.04's closed list of time zone names.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from toolkit.errors import GeneratedFileError

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "data" / "subiquity"
GUEST_OS_PREFIX = "ubuntu-"


def schema_path(release: str) -> Path:
    return SCHEMA_DIR / f"autoinstall-schema-{release}.json"


def known_releases() -> list[str]:
    paths = SCHEMA_DIR.glob("autoinstall-schema-*.json")
    return sorted(path.stem.removeprefix("autoinstall-schema-") for path in paths)


def release_of(guest_os: str, profile_name: str) -> str:
    """"ubuntu-22.04" -> "22.04", which must have a schema; anything else is a bug in profiles.toml."""
    release = guest_os.removeprefix(GUEST_OS_PREFIX)
    if not guest_os.startswith(GUEST_OS_PREFIX) or release not in known_releases():
        raise GeneratedFileError(
            f"profile {profile_name}: guest_os {guest_os!r} has no autoinstall schema; "
            f"known: {', '.join(GUEST_OS_PREFIX + r for r in known_releases())}"
        )
    return release


@cache
def load_schema(release: str) -> dict[str, Any]:
    with schema_path(release).open(encoding="utf-8") as handle:
        schema: dict[str, Any] = json.load(handle)
    return schema


def section_keys(release: str) -> frozenset[str]:
    """The top-level autoinstall keys the release's subiquity documents."""
    return frozenset(load_schema(release)["properties"])


def apt_keys(release: str) -> frozenset[str]:
    return frozenset(load_schema(release)["properties"]["apt"].get("properties", {}))


def timezone_names(release: str) -> frozenset[str] | None:
    """The time zone names the release accepts, where its schema lists them (20.04); None: any name."""
    names = load_schema(release)["properties"]["timezone"].get("enum")
    return None if names is None else frozenset(names)
