"""Validate a kickstart with pykickstart for the exact release it targets.

pykickstart is imported here, inside the function, so commands that never render a kickstart do not
pay for it (it is the slowest import we have).
"""

from __future__ import annotations

import importlib.util
import sys
import warnings
from dataclasses import dataclass
from functools import cache
from typing import Any

from toolkit.generate.ksparsers import note_dispatch, share_option_parsers


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
    _commands_on_demand()
    from pykickstart.version import returnClassForVersion

    handler_class = returnClassForVersion(version)  # raises on an unknown version string
    share_option_parsers(handler_class)
    return handler_class


def _commands_on_demand() -> None:
    """Let pykickstart.commands import a command module when a handler first names it.

    The package's __init__ does nothing but import all ~80 command modules, and a release's handler uses
    about 50; this stands in for the package (same path, same modules) and imports each on first access.
    Nothing changes if the package was imported already.
    """
    if "pykickstart.commands" in sys.modules:
        return
    import pykickstart

    spec = importlib.util.find_spec("pykickstart.commands")
    assert spec is not None
    package = importlib.util.module_from_spec(spec)

    def submodule(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return importlib.import_module(f"pykickstart.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"pykickstart.commands.{name}":
                raise
            raise AttributeError(name) from None

    package.__getattr__ = submodule  # type: ignore[method-assign]  # a module's __getattr__ (PEP 562)
    sys.modules["pykickstart.commands"] = package
    pykickstart.commands = package


def validate_kickstart(text: str, version: str) -> list[KickstartProblem]:
    """Parse `text` as pykickstart `version` does; return every error and deprecation warning.

    As ksvalidator does, a deprecation warning counts as a problem: the installer may drop the
    command in the next release.
    """
    from pykickstart.errors import KickstartError

    handler = _IDLE_HANDLERS.pop(version, None)
    if handler is None:
        handler_class = _handler_class(version)
        # The class's own maps, which is what pykickstart looks up by default, but through its
        # handlers.control: that imports the handler module of every release (a third of the imports here).
        handler = handler_class(mapping=handler_class.commandMap, dataMapping=handler_class.dataMap)
    parser = _parser_class()(handler, errorsAreFatal=True, missingIncludeIsFatal=True)
    problems: list[KickstartProblem] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parser.caught = caught
        try:
            parser.readKickstartFromString(text)
        except KickstartError as exc:  # KickstartParseError included
            problems.append(KickstartProblem(getattr(exc, "lineno", None), _one_line(exc), False))
    for warning in caught:
        lineno = parser.warning_lines.get(id(warning))
        problems.append(KickstartProblem(lineno, _one_line(warning.message), True))
    if not any(not p.is_warning for p in problems):  # a parse cut short by an error: never reuse that
        _reset_handler(handler, parser.commands_seen)
        _IDLE_HANDLERS[version] = handler
    return problems


# One clean handler per release, kept between validations: building one instantiates every command of
# the release (a large part of a validation). After a parse, the commands it used and the section
# data are replaced by fresh objects, which is all a parse can change (a test compares the verdicts
# with fresh-handler pykickstart).
_IDLE_HANDLERS: dict[str, Any] = {}


def _reset_handler(handler: Any, commands_seen: set[str]) -> None:
    from pykickstart.parser import Packages

    for name in commands_seen:
        old = handler.commands.get(name)
        if old is None:
            continue
        new = type(old)()
        new.handler = handler
        for alias, command in handler.commands.items():  # part and partition share one object
            if command is old:
                handler.commands[alias] = new
        # What handler._setCommand does, minus its sorted insert (a third of a reset's time): the
        # handler.<name> attribute, and the old object's place in the write order.
        class_name = type(new).__name__
        setattr(handler, (class_name.split("_", 1)[1] if "_" in class_name else class_name).lower(), new)
        order = handler._writeOrder.get(new.writePriority, [])
        for index, command in enumerate(order):
            if command is old:
                order[index] = new
    handler.certificates = []
    handler.scripts = []
    handler.packages = Packages()
    handler.platform = ""
    handler._null_section_strings = []


@cache
def _parser_class() -> Any:
    """KickstartParser that notes which line each deprecation warning came from (pykickstart does not)
    and which commands it dispatched (so their objects can be reset)."""
    from pykickstart.parser import KickstartParser

    class LineNotingParser(KickstartParser):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.caught: list[warnings.WarningMessage] = []  # the list catch_warnings records into
            self.warning_lines: dict[int, int] = {}
            self.commands_seen: set[str] = set()

        def handleCommand(self, lineno: int, args: list[str]) -> Any:
            if args:
                self.commands_seen.add(args[0])
                command = self.handler.commands.get(args[0])
                if command is not None:
                    note_dispatch(command, lineno)
            before = len(self.caught)
            try:
                return super().handleCommand(lineno, args)
            finally:
                for warning in self.caught[before:]:
                    self.warning_lines[id(warning)] = lineno

    return LineNotingParser


def _one_line(exc: object) -> str:
    return " ".join(str(exc).split())

