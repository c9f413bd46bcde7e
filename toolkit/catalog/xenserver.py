"""XenServer releases and their stock Linux templates: which template a guest OS installs from on a release.

The data is toolkit/data/xenserver-templates.toml, written from platforms.md section 5 (template names per
release, PV or HVM, BIOS or UEFI, the guest-templates-json-data-pv package from 8.1) and section 1 (release
identity: XenServer 8 reports product_version 8.4.0). A release is named as a user writes it
(`parse_release`): "6.0.2", "8.2", "8.4" (= XenServer 8), "XCP-ng 8.3". `template_for` gives the template of
a guest OS on one release, `candidate_templates` the names a plan tries, newest first, when the release is
not known.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from toolkit.errors import GeneratedFileError, UsageError
from toolkit.resources import data_file

ARCH_PAIR = "(32|64-bit)"  # platforms.md's shorthand for a 32-bit and a 64-bit template of one name
# What users also call a release: XenServer 8 is 8.4 by its product_version (platforms.md section 1 [32]).
_ALIASES = {"8": "8.4", "8.4.0": "8.4", "xenserver-8": "8.4", "6.0.0": "6.0", "xcp-ng-8.3.0": "xcp-ng-8.3",
            "xcp-ng-8.2.1": "xcp-ng-8.2"}
_PREFIXES = ("xenserver-", "citrix-hypervisor-", "xs-", "ch-")


@dataclass(frozen=True)
class XenServerRelease:
    key: str  # "6.0.2", "8.4", "xcp-ng-8.3": what parse_release returns for
    label: str  # "XenServer 6.0.2", "XenServer 8", "XCP-ng 8.3"
    index: int  # position in release order: a newer release has a larger one
    xe_tables: tuple[str, ...]  # "6.0" and/or "current": the xe command tables its CLI is checked against

    def __str__(self) -> str:
        return self.label


@dataclass(frozen=True)
class GuestTemplate:
    """The stock template a guest OS installs from on one release."""

    name: str  # the exact name-label there (the 64-bit one of a 32/64-bit pair)
    mode: str  # "pv" | "hvm"
    firmware: str  # "bios" | "uefi"
    release: XenServerRelease
    arch_pair: bool = False  # one of a "(32-bit)" / "(64-bit)" pair
    not_default_package: str | None = None  # e.g. guest-templates-json-data-pv: not in the default install
    uncertain: bool = False  # platforms.md marks it (u) for this release: the name may be missing
    note: str = ""

    @property
    def mode_label(self) -> str:
        """"PV", "HVM" or "HVM UEFI"."""
        return "PV" if self.mode == "pv" else ("HVM UEFI" if self.firmware == "uefi" else "HVM")


@dataclass(frozen=True)
class _Span:
    releases: frozenset[str]
    template: dict[str, Any]


def sixty_four_bit(name: str) -> str:
    """The 64-bit name of a "(32|64-bit)" pair: "CentOS 6.0 (32|64-bit) (experimental)" -> "... (64-bit) ..."."""
    return name.replace(ARCH_PAIR, "(64-bit)")


@cache
def _data() -> dict[str, Any]:
    path = data_file("xenserver-templates.toml")
    with path.open("rb") as handle:
        data: dict[str, Any] = tomllib.load(handle)
    return data


@cache
def all_releases() -> tuple[XenServerRelease, ...]:
    """Every known release, oldest first."""
    data = _data()
    releases = []
    for index, key in enumerate(data["release_order"]):
        table = data["release"][key]
        releases.append(XenServerRelease(key, table["label"], index, tuple(table["xe_tables"])))
    return tuple(releases)


def _by_key() -> dict[str, XenServerRelease]:
    return {release.key: release for release in all_releases()}


def parse_release(text: str) -> XenServerRelease:
    """The release `text` names ("6.0.2", "8.4", "XCP-ng 8.3", "xcp-ng-8.3"); unknown: UsageError listing them."""
    key = re.sub(r"[\s_]+", "-", text.strip().lower())
    key = _ALIASES.get(key, key)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and key.removeprefix(prefix)[:1].isdigit():
            key = _ALIASES.get(key.removeprefix(prefix), key.removeprefix(prefix))
    release = _by_key().get(key)
    if release is None:
        known = ", ".join(r.key for r in all_releases())
        raise UsageError(f"unknown XenServer release {text!r}; known: {known} (8.4 is XenServer 8)")
    return release


@cache
def _spans(guest_os: str) -> tuple[_Span, ...]:
    table = _data()["guest"].get(guest_os)
    if table is None:
        raise GeneratedFileError(f"xenserver-templates.toml: no guest OS {guest_os!r}")
    known = _by_key()
    spans = []
    for entry in table:
        unknown = [key for key in entry["releases"] if key not in known]
        if unknown or entry["mode"] not in ("pv", "hvm") or entry.get("firmware", "bios") not in ("bios", "uefi"):
            raise GeneratedFileError(f"xenserver-templates.toml: guest {guest_os!r} entry {entry['name']!r} is "
                                     f"malformed (unknown releases {unknown})")
        spans.append(_Span(frozenset(entry["releases"]), entry))
    return tuple(spans)


def guest_os_keys() -> list[str]:
    return sorted(_data()["guest"])


def template_for(guest_os: str, release: XenServerRelease) -> GuestTemplate | None:
    """The template `guest_os` installs from on `release`; None if that release ships none."""
    for span in _spans(guest_os):
        if release.key in span.releases:
            entry = span.template
            return GuestTemplate(
                name=sixty_four_bit(entry["name"]), mode=entry["mode"], firmware=entry.get("firmware", "bios"),
                release=release, arch_pair=ARCH_PAIR in entry["name"],
                not_default_package=entry.get("package"), uncertain=release.key in entry.get("uncertain", ()),
                note=entry.get("note", ""),
            )
    return None


def candidate_templates(guest_os: str, releases: Iterable[XenServerRelease] | None = None) -> list[str]:
    """The names `guest_os`'s template has had on `releases` (default: all), newest release first, each once."""
    chosen = sorted(all_releases() if releases is None else releases, key=lambda r: r.index, reverse=True)
    names: list[str] = []
    for release in chosen:
        template = template_for(guest_os, release)
        if template is not None and template.name not in names:
            names.append(template.name)
    return names


def supported_releases(guest_os: str) -> list[XenServerRelease]:
    """The releases that ship a template for `guest_os`, oldest first."""
    return [r for r in all_releases() if template_for(guest_os, r) is not None]


def availability(guest_os: str) -> str:
    """Where `guest_os`'s template exists, for error messages: '"CentOS 7" on 6.5-8.2, xcp-ng-8.2; ...'."""
    order = [r.key for r in all_releases()]
    parts = []
    for span in _spans(guest_os):
        keys = sorted(span.releases, key=order.index)
        package = span.template.get("package")
        where = f" (package {package})" if package else ""
        parts.append(f'"{sixty_four_bit(span.template["name"])}" on {release_ranges(keys)}{where}')
    return "; ".join(parts) or "no release"


def release_ranges(keys: list[str]) -> str:
    """Release keys (in release order) as ranges of consecutive releases: "6.1-8.0, xcp-ng-8.2"."""
    order = [r.key for r in all_releases()]
    runs: list[list[str]] = []
    for key in keys:
        previous = runs[-1][-1] if runs else None
        if previous and order.index(key) == order.index(previous) + 1 and "xcp" not in key + previous:
            runs[-1].append(key)
        else:
            runs.append([key])
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
