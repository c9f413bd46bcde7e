"""What a guest's field is (GuestField: key, option, kind, default, check, help) and how an error names it.

toolkit/inputs/guest_fields.py holds the table of the fields themselves; this module, the type they share.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

T = TypeVar("T")


class Kind(enum.Enum):
    """How a value is written: click's type on the command line, the TOML type in a site file."""

    TEXT = enum.auto()
    INT = enum.auto()
    TEXT_LIST = enum.auto()  # a repeated option; in a site file a list of strings (or a single string)
    FILE = enum.auto()  # in a site file relative to the site file, and it must exist when the file is loaded
    FILE_LIST = enum.auto()
    FLAG = enum.auto()  # an on/off option (--xs-tools); in a site file true or false

    @property
    def repeated(self) -> bool:
        return self in (Kind.TEXT_LIST, Kind.FILE_LIST)


@dataclass(frozen=True, kw_only=True)
class GuestField(Generic[T]):
    """One value of a guest. `check(name, value)` returns it checked, or raises ValidationError."""

    key: str  # the site file's key (for a field of the command line only, just its name)
    about: str  # what the value is: the site file's "missing (...)" text
    kind: Kind = Kind.TEXT
    check: Callable[[str, Any], T] | None = None  # None: taken as it is, or checked with other fields
    site_check: Callable[[str, Any], T] | None = None  # replaces `check` in a site file, where it is stricter
    default: str | int | tuple[()] | None = None  # as a user writes it (`2GiB`): what --help shows
    required: bool = False
    secret: bool = False  # an error about the value never shows it (it may be a pasted password)
    option: str | None = None  # None: the site file's only
    dest: str | None = None  # the command's parameter, where it is not the key
    metavar: str | None = None
    help: str | None = None

    @property
    def description(self) -> str:
        return self.about if self.default in (None, ()) else f"{self.about} (default {self.default})"

    def with_help(self, text: str) -> GuestField[T]:
        """The same field, for a command where the option means something more specific."""
        return dataclasses.replace(self, help=text)

    def default_value(self) -> T:
        """The default, checked: `2GiB` becomes 2147483648."""
        assert self.default is not None, f"{self.key} has no default"
        return self.check(self.key, self.default) if self.check else cast(T, self.default)

    @property
    def option_name(self) -> str:
        assert self.option is not None, f"{self.key} is not a command-line option"
        return self.option

    def from_cli(self, value: Any) -> T:
        """`value` as click gives it (a size as text, vCPUs as an int)."""
        return self.check(self.option_name, value) if self.check else cast(T, value)

    def from_cli_optional(self, value: Any) -> T | None:
        """An option the user may leave out (None: the profile's value applies)."""
        return None if value is None else self.from_cli(value)

    def from_site(self, value: Any) -> T:
        """`value` as the site file gives it, already of the field's kind (toolkit/site/load.py checks that)."""
        check = self.site_check or self.check
        return check(self.key, value) if check else cast(T, value)


# How an error names a field: as the command line's option or as the site file's key.
Spelling = Callable[[GuestField[Any]], str]


def option_name(field: GuestField[Any]) -> str:
    return field.option_name


def site_key(field: GuestField[Any]) -> str:
    return field.key


def password_problem(hash_given: bool, file_given: bool) -> Literal["both", "neither"] | None:
    """The rule for the root password: exactly one of PASSWORD_HASH and PASSWORD_FILE."""
    if hash_given and file_given:
        return "both"
    return None if hash_given or file_given else "neither"
