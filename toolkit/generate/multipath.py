"""`/etc/multipath.conf` for a storage profile, in the keyword dialect of the target dom0's multipath-tools.

The dialects (0.4.7, 0.4.9, modern), which XenServer release gets which, and how sure each entry is are
explained in docs/multipath-dialects.md; `XENSERVER_RELEASES` below is that table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.storage_profiles import (
    DEVICE_FIELDS,
    PRIO_CALLOUTS,
    StorageProfile,
    check_string,
    find_profile,
)
from toolkit.errors import GeneratedFileError, UsageError

TEMPLATE = "multipath.conf.j2"


class Dialect(StrEnum):
    V047 = "0.4.7"
    V049 = "0.4.9"
    MODERN = "modern"


@dataclass(frozen=True)
class XenServerRelease:
    version: str  # as the table and the error message spell it: "5.6 SP2", "6.0", "8.4"
    dom0: str
    multipath_tools: str
    dialect: Dialect
    certain: bool  # False: a conservative guess (docs/multipath-dialects.md says why)


def _releases(versions: str, dom0: str, tools: str, dialect: Dialect, certain: bool) -> list[XenServerRelease]:
    return [XenServerRelease(v, dom0, tools, dialect, certain) for v in versions.split(",")]


# The table of the module docstring, oldest first.
XENSERVER_RELEASES: tuple[XenServerRelease, ...] = (
    *_releases("5.0,5.5,5.6,5.6 FP1,5.6 SP2,6.0,6.1", "CentOS 5", "0.4.7", Dialect.V047, True),
    *_releases("6.2,6.5", "CentOS 5", "0.4.9 (uncertain)", Dialect.V049, False),
    *_releases("7.0,7.1,7.2,7.3,7.4,7.5,7.6,8.0,8.1,8.2", "CentOS 7", "0.4.9", Dialect.V049, True),
    *_releases("8.4", "CentOS 7-derived", "0.4.9 (uncertain)", Dialect.V049, False),
)
_PATCH_RELEASE = re.compile(r"(\d+\.\d+)\.\d+")  # 6.0.2, 7.1.2, 8.2.1, 8.4.0: the x.y line's dialect


def parse_dialect(text: str) -> Dialect:
    """`0.4.7`, `0.4.9` or `modern` (what `--multipath-dialect` takes)."""
    try:
        return Dialect(text.strip().lower())
    except ValueError:
        raise UsageError(f'multipath dialect "{text}": unknown; known: {", ".join(Dialect)}') from None


def find_xenserver_release(version: str) -> XenServerRelease:
    """The table row for `version`: "6.0", "6.0.2" (a patch release counts as its x.y), "5.6 sp2"."""
    wanted = " ".join(version.split()).upper()
    by_version = {release.version.upper(): release for release in XENSERVER_RELEASES}
    if wanted in by_version:
        return by_version[wanted]
    patch = _PATCH_RELEASE.fullmatch(wanted)
    if patch and patch.group(1) in by_version:
        return by_version[patch.group(1)]
    known = ", ".join(release.version for release in XENSERVER_RELEASES)
    raise UsageError(
        f'XenServer version "{version}": unknown; known: {known}',
        hint=f"give the multipath-tools dialect instead ({', '.join(Dialect)})",
    )


# From 6.5 /etc/multipath.conf is an alternatives link to the storage manager's
# /etc/multipath.xenserver/multipath.conf, which its updates replace; a drop-in /etc/multipath/conf.d/custom.conf
# for site settings came with sm 3.0.11, i.e. XenServer 8 (and XCP-ng 8.2's 2023 update, 8.3): platforms.md
# section 2. In between, a bundle's settings would have no place that survives an update.
_MANAGED_WITHOUT_DROPIN = frozenset(["6.5", "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "8.0", "8.1", "8.2"])
UNSUPPORTED_BECAUSE = (
    "its /etc/multipath.conf is the storage manager's (an alternatives link to "
    "/etc/multipath.xenserver/multipath.conf, replaced by its updates) and it reads no "
    "/etc/multipath/conf.d/custom.conf for site settings"
)


def check_supported(version: str) -> XenServerRelease:
    """`version`'s table row, or a UsageError "XenServer X: not supported because ..." for a release whose
    multipath settings a bundle cannot put anywhere that survives the platform's updates."""
    release = find_xenserver_release(version)
    if release.version in _MANAGED_WITHOUT_DROPIN:
        raise UsageError(f"XenServer {version}: not supported because {UNSUPPORTED_BECAUSE}",
                         hint="XenServer 8 (8.4) and XCP-ng 8.3 read /etc/multipath/conf.d/custom.conf")
    return release


def dialect_for_xenserver(version: str) -> Dialect:
    """The dialect of the multipath-tools in `version`'s dom0 (the module docstring's table)."""
    return find_xenserver_release(version).dialect


# -- dialects -------------------------------------------------------------------------------------------

_OLD_BLACKLIST = (  # multipath-tools 0.4.x's compiled-in devnode blacklist, written out as old files did
    "^(ram|raw|loop|fd|md|dm-|sr|scd|st)[0-9]*",
    "^hd[a-z]",
    "^cciss!c[0-9]d[0-9]*",
)


@dataclass(frozen=True)
class _DialectRules:
    title: str
    defaults: tuple[tuple[str, str], ...]
    blacklist: tuple[str, ...]
    notes: tuple[str, ...]
    prio_keyword: str  # "prio" or 0.4.7's "prio_callout"
    keywords: frozenset[str]  # what this dialect's parser knows, of the keywords xenkit writes


_DEVICE_KEYWORDS = frozenset({
    "vendor", "product", "product_blacklist", "path_grouping_policy", "path_checker", "hardware_handler",
    "failback", "no_path_retry",
})
_RULES = {
    Dialect.V047: _DialectRules(
        title="multipath-tools 0.4.7: XenServer 5.0 - 6.1, CentOS 5 dom0",
        defaults=(("user_friendly_names", "no"), ("getuid_callout", "/sbin/scsi_id -g -u -s /block/%n")),
        blacklist=_OLD_BLACKLIST,
        notes=(
            "On XenServer 6.1 and older /etc/multipath.conf may be a symlink to /etc/multipath-enabled.conf:",
            "replace the file it points to, not the link.",
        ),
        prio_keyword="prio_callout",
        keywords=_DEVICE_KEYWORDS | {"user_friendly_names", "getuid_callout", "prio_callout", "devnode"},
    ),
    Dialect.V049: _DialectRules(
        title="multipath-tools 0.4.9: XenServer 6.2 - 8.4 dom0s",
        defaults=(("user_friendly_names", "no"),),
        blacklist=_OLD_BLACKLIST,
        notes=("getuid_callout is left to this multipath-tools build's default, which matches its udev.",),
        prio_keyword="prio",
        keywords=_DEVICE_KEYWORDS | {"user_friendly_names", "prio", "devnode"},
    ),
    Dialect.MODERN: _DialectRules(
        title="multipath-tools 0.5.0 - 0.10.x, nothing deprecated (checked with 0.9.4)",
        defaults=(("user_friendly_names", "no"),),
        blacklist=("^(ram|raw|loop|fd|md|dm-|sr|scd|st)[0-9]*",),
        notes=(),
        prio_keyword="prio",
        keywords=_DEVICE_KEYWORDS | {"user_friendly_names", "prio", "devnode"},
    ),
}

# 0.4.7's priority callouts (RHEL 5's /sbin/mpath_prio_* programs), by the prio name that replaced each.
# Written in double quotes: strings, regexes, and values with spaces. Every other value is one bare word.
_QUOTED = frozenset({
    "vendor", "product", "product_blacklist", "hardware_handler", "getuid_callout", "prio_callout", "devnode",
})


# -- rendering ------------------------------------------------------------------------------------------

def device_settings(profile: StorageProfile, dialect: Dialect) -> tuple[tuple[str, str], ...]:
    """The device stanza as (keyword, unquoted value) pairs, in `dialect`'s keywords."""
    rules = _RULES[dialect]
    settings: list[tuple[str, str]] = []
    for field in DEVICE_FIELDS:
        value = getattr(profile, field)
        if value is None:
            continue
        if field == "prio" and rules.prio_keyword == "prio_callout":
            settings.append(("prio_callout", PRIO_CALLOUTS[value]))
        else:
            settings.append((rules.prio_keyword if field == "prio" else field, value))
    return tuple(settings)


def _written(key: str, value: str) -> str:
    """`value` as multipath.conf spells it for `key`: in double quotes, or one bare word."""
    if key in _QUOTED:
        return f'"{check_string(key, value)}"'
    if not re.fullmatch(r"[a-z0-9_]+", value):
        raise ValueError(f"{key} {value!r} must be one bare word")
    return value


def render_multipath_conf(profile: str | StorageProfile, dialect: Dialect | str, *, dropin: bool = False) -> str:
    """The whole multipath.conf: header, defaults, blacklist and the profile's device stanza.

    `dropin`: the file for /etc/multipath/conf.d/custom.conf instead, where a platform's main file is managed
    (XenServer 8, XCP-ng 8.3: platforms.md section 2). multipath-tools reads every `*.conf` of its config_dir
    after the main file and merges it in, a later `defaults` overriding the platform's: so the drop-in holds
    the header and the devices section only.
    """
    chosen = profile if isinstance(profile, StorageProfile) else find_profile(profile)
    dialect = dialect if isinstance(dialect, Dialect) else parse_dialect(dialect)
    rules = _RULES[dialect]
    device = device_settings(chosen, dialect)
    used = {key for key, _ in device} if dropin else {key for key, _ in (*rules.defaults, *device)} | {"devnode"}
    unknown = sorted(used - rules.keywords)
    try:
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not keywords of multipath-tools {dialect}")
        text = render_template(
            TEMPLATE,
            profile=chosen,
            dropin=dropin,
            dialect=str(dialect),
            dialect_title=rules.title,
            notes=() if dropin else rules.notes,  # they are about the defaults and the main file
            defaults=[(key, _written(key, value)) for key, value in rules.defaults],
            blacklist=[_written("devnode", rule) for rule in rules.blacklist],
            device=[(key, _written(key, value)) for key, value in device],
        )
    except ValueError as exc:
        raise GeneratedFileError(f"multipath.conf for {chosen.name} ({dialect}): {exc}") from exc
    return text
