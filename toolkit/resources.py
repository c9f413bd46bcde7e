"""Where the data directories are: inside the installed package, or at the top of a checkout."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def data_dir(name: str) -> Path:
    """`templates`, `kickstarts` or `drivers`.

    A wheel carries them inside the package (pyproject's force-include); an editable install or a
    plain checkout has them beside the package. The packaged copy wins when both exist.
    """
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"xenkit data directory {name!r} is missing from {_PACKAGE}")


def data_file(name: str) -> Path:
    """A file of toolkit/data/ (shipped inside the package)."""
    return _PACKAGE / "data" / name


def xe_table_path(table: str = "current") -> Path:
    """xe's command table: "current" (xen-api today) or "6.0" (XenServer 6.0.x)."""
    return data_file("xe-commands.json" if table == "current" else f"xe-commands-{table}.json")
