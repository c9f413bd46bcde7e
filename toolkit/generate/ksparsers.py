"""Share pykickstart's option parsers between validations instead of rebuilding them each time.

A fresh pykickstart handler instantiates ~70 commands and each builds an argparse parser in its
constructor; every section header (%packages, %post) builds another. That was most of a validation's
time (benchmarks/bench_render.py measures it). A command's parser depends only on its class (its
options and version are class constants); a section's on its class and the handler version. Parsing
never changes a parser (it only sets the `lineno` its messages quote, before each parse). So one parser
per key serves every instance, and it is built only when first used. Handlers, commands and sections
are still new for every kickstart: no parsed state is carried from one validation to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

# For each class whose _getParser we wrapped: the _getParser it defines itself.
_OWN: dict[type, Any] = {}
_PARSERS: dict[Hashable, Any] = {}
_BUILDING: set[int] = set()  # ids of objects whose parser is being built right now
# The object each shared parser was built for. Some option types are its bound methods or closures
# (autopart --type, raid --level, btrfs levels, snapshot --when, network --teamslaves) and raise
# errors quoting *its* lineno: note_dispatch() keeps that current.
_BUILDERS: dict[Hashable, Any] = {}


def note_dispatch(command: Any, lineno: int) -> None:
    """Tell the object that built `command`'s shared parser which line is being parsed now."""
    builder = _BUILDERS.get(_command_key(command))
    if builder is not None and builder is not command:
        builder.lineno = lineno


def share_option_parsers(handler_class: Any) -> None:
    """Patch the command classes of `handler_class` and all section classes (idempotent)."""
    from pykickstart import sections

    for command_class in handler_class.commandMap.values():
        _wrap_hierarchy(command_class, _command_key)
    for section_class in _subclasses(sections.Section):
        _wrap_hierarchy(section_class, _section_key)


def _command_key(obj: Any) -> Hashable:
    return (type(obj), None)


def _section_key(obj: Any) -> Hashable:
    return (type(obj), obj.version)  # the %packages options differ by release


def _subclasses(root: type) -> list[type]:
    found: list[type] = [root]
    subclasses: list[type] = root.__subclasses__()
    for sub in subclasses:
        found += _subclasses(sub)
    return found


def _wrap_hierarchy(cls: type, key: Callable[[Any], Hashable]) -> None:
    # Every class in the MRO that defines its own _getParser is wrapped, so a subclass's parser that
    # extends its parent's through super()._getParser() still finds the parent's real method.
    for klass in cls.__mro__:
        if "_getParser" in klass.__dict__ and klass not in _OWN:
            _OWN[klass] = klass.__dict__["_getParser"]
            klass._getParser = _shared_get_parser(_OWN[klass], key)  # type: ignore[attr-defined]


def _shared_get_parser(own: Callable[[Any], Any], key: Callable[[Any], Hashable]) -> Callable[[Any], Any]:
    def get_parser(self: Any) -> Any:
        if id(self) in _BUILDING:
            return own(self)  # inside a subclass's own build: run this class's real method
        parser_key = key(self)
        parser = _PARSERS.get(parser_key)
        if parser is None:
            parser = _PARSERS[parser_key] = _LazyParser(lambda: _build(own, self))
            _BUILDERS[parser_key] = self
        return parser

    return get_parser


def _build(own: Callable[[Any], Any], obj: Any) -> Any:
    _BUILDING.add(id(obj))
    try:
        return own(obj)
    finally:
        _BUILDING.discard(id(obj))


class _LazyParser:
    """Stands in for a parser until it is first used.

    A handler constructs every command of its release (~60), but a kickstart uses a dozen or so: a
    single `kickstart render` then builds only the parsers it needs.
    """

    __slots__ = ("_make", "_parser")

    def __init__(self, make: Callable[[], Any]) -> None:
        object.__setattr__(self, "_make", make)
        object.__setattr__(self, "_parser", None)

    def _real(self) -> Any:
        parser = object.__getattribute__(self, "_parser")
        if parser is None:
            parser = object.__getattribute__(self, "_make")()
            object.__setattr__(self, "_parser", parser)
        return parser

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._real(), name, value)
