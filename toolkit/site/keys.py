"""The keys of a site file's tables: each field's own key, or the name of its command-line option.

`nameservers` or `nameserver` (--nameserver), `password_hash` or `root-password-hash`, `ssh_keys` or
`ssh-key`: a user may write a field as either command takes it, so one spelling works in both places.
Giving one field twice in one table is a problem; every problem names the key the user wrote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.inputs import guest_fields as guest
from toolkit.inputs.guest_field_type import GuestField


def _spellings(field: GuestField[Any]) -> tuple[str, ...]:
    option = field.option.removeprefix("--") if field.option else None
    return (field.key,) if option in (None, field.key) else (field.key, option)


# Each accepted spelling -> the field's key.
SITE_SPELLINGS = {name: field.key for field in guest.SITE_FIELDS for name in _spellings(field)}


@dataclass(frozen=True)
class Table:
    """A [defaults] or [[vm]] table by field key, with the key the user wrote for each field."""

    values: dict[str, Any]
    written: dict[str, str]

    @classmethod
    def read(cls, raw: dict[str, Any], label: str, problems: list[str]) -> Table:
        """`raw` by field key; an unknown key, or a field given twice, is a problem under `label`."""
        values: dict[str, Any] = {}
        written: dict[str, str] = {}
        for name in sorted(set(raw) - set(SITE_SPELLINGS)):
            problems.append(f"{label}: unknown field {name!r}")
        for name, value in raw.items():
            key = SITE_SPELLINGS.get(name)
            if key is None:
                continue
            if key in written:
                problems.append(f"{label}: {written[key]} and {name} are the same field; give one of them")
                continue
            values[key], written[key] = value, name
        return cls(values, written)

    def name_of(self, field: GuestField[Any]) -> str:
        """The field as the user wrote it here, or its key."""
        return self.written.get(field.key, field.key)
