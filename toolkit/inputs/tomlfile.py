"""Reading a user's TOML file (hosts file, driver recipe) with one-line usage errors naming it."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
