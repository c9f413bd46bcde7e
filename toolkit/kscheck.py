"""Validate a kickstart with pykickstart for the exact release it targets.

pykickstart is imported here, inside the function, so commands that never render a kickstart do not
pay for it (it is the slowest import we have).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class KickstartProblem:
    lineno: int | None
    message: str
    is_warning: bool

    def __str__(self) -> str:
        where = f"line {self.lineno}: " if self.lineno else ""
        kind = "warning" if self.is_warning else "error"
        return f"{where}{kind}: {self.message}"


@cache
def _handler_class(version: str) -> Any:
    from pykickstart.version import makeVersion, stringToVersion

    stringToVersion(version)  # raises on an unknown version string
    return type(makeVersion(version))


def known_version(version: str) -> bool:
    try:
        _handler_class(version)
    except Exception:
        return False
    return True


def validate_kickstart(text: str, version: str) -> list[KickstartProblem]:
    """Parse `text` as pykickstart `version` does; return every error and deprecation warning.

    As ksvalidator does, a deprecation warning counts as a problem: the installer may drop the
    command in the next release.
    """
    from pykickstart.errors import KickstartError, KickstartParseError
    from pykickstart.parser import KickstartParser

    handler = _handler_class(version)()
    parser = KickstartParser(handler, errorsAreFatal=True, missingIncludeIsFatal=True)
    problems: list[KickstartProblem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            parser.readKickstartFromString(text)
        except KickstartParseError as exc:
            problems.append(KickstartProblem(getattr(exc, "lineno", None), _one_line(exc), False))
        except KickstartError as exc:
            problems.append(KickstartProblem(getattr(exc, "lineno", None), _one_line(exc), False))
    for warning in caught:
        problems.append(KickstartProblem(getattr(warning.message, "lineno", None), _one_line(warning.message), True))
    return problems


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())
