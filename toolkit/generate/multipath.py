"""`/etc/multipath.conf` for a storage profile, in the keyword dialect of the target dom0's multipath-tools.

Field notes section 5 has the Intel Multi-Flex stanza and the keyword history this module encodes:

- 0.4.7 (CentOS 5 dom0): priorities come from a callout program, `prio_callout "/sbin/mpath_prio_alua /dev/%n"`;
  path IDs from `getuid_callout "/sbin/scsi_id -g -u -s /block/%n"` (RHEL 5's udev 095 syntax; also its
  compiled-in default, written out as RHEL 5-era files did). The seed only links the XenServer 6.0.2 admin's
  own multipath.conf (a download), so defaults and blacklist follow RHEL 5's documented defaults instead.
- 0.4.9: `prio alua` replaced prio_callout (0.4.9 no longer knows prio_callout). getuid_callout is left to
  the build's default: its right value depends on the distribution's udev (CentOS 7 has no /sbin/scsi_id),
  and RHEL 7's 0.4.9 prefers `uid_attribute` (0.5.0's keyword, backported).
- modern (0.5.0 up to 0.10.x; checked with Debian 12's 0.9.4 parser): nothing deprecated. No getuid_callout
  (ignored with "ignoring deprecated option" since 0.9.0) and no uid_attribute (the default is right).
  `hardware_handler "1 alua"` stays: the installed 0.9.4 accepts it without a warning and its own built-in
  Multi-Flex entry still has it. 0.11 dropped it from the built-in table (the kernel attaches scsi_dh_alua
  itself), so on 0.11 and later it is redundant; whether 0.11+ warns about it is not verified here.

The 0.4.9 dialect writes nothing that newer multipath-tools reject (tests/generate/test_multipath.py runs it through
the 0.9.4 parser too), which is why it is the conservative default for every dom0 of uncertain version.

XenServer version to dialect (`dialect_for_xenserver`; XENSERVER_RELEASES holds the same table):

| XenServer                          | dom0 userspace   | multipath-tools  | dialect | how sure  |
|------------------------------------|------------------|------------------|---------|-----------|
| 5.0, 5.5, 5.6 (FP1, SP2), 6.0, 6.1 | CentOS 5         | 0.4.7 (RHEL 5's) | 0.4.7   | firm      |
| 6.2, 6.5                           | CentOS 5         | 0.4.9 (?)        | 0.4.9   | UNCERTAIN |
| 7.0 - 7.6, 8.0, 8.1, 8.2           | CentOS 7         | 0.4.9 (RHEL 7's) | 0.4.9   | firm      |
| 8.4 (XenServer 8)                  | CentOS 7-derived | 0.4.9 (?)        | 0.4.9   | UNCERTAIN |

Why:
- 5.x - 6.1: RHEL 5 shipped device-mapper-multipath 0.4.7 for its whole life, and the seed's XenServer 6.0.2
  host prints 0.4.7's `multipath -ll` layout (`\\_ round-robin 0 [prio=50][active]`, field notes section 5).
- 6.2, 6.5: dom0 is still CentOS 5, but 6.2 is recalled (not verified here) to have rebased the multipath tools
  to 0.4.9 (the field notes' symlink caveat, /etc/multipath.conf -> multipath-enabled.conf, also ends at 6.1).
  Also UNCERTAIN there: that this 0.4.9 build's default getuid_callout suits CentOS 5's udev (the 0.4.9
  dialect leaves it to the default; compare with `grep getuid_callout` of the host's shipped file).
  If `rpm -q device-mapper-multipath` on the host says 0.4.7, ask for dialect 0.4.7: a 0.4.9 file there loses
  its `prio` (and the 0.4.7 file's prio_callout would be lost on a 0.4.9 host), so this one must be checked.
- 7.x - 8.2: CentOS 7 dom0 with RHEL 7's 0.4.9, which also takes some newer keywords (none written here).
- 8.4: recalled to be CentOS 7-derived still; UNCERTAIN whether multipath-tools was rebased. 0.4.9 is the safe
  choice either way, since the 0.4.9 file parses clean on newer multipath-tools.

XCP-ng (8.2, 8.3) shares the Citrix dom0 base of its era (CentOS 7, 0.4.9): not keyed here, since its version
numbers are not XenServer's; ask for dialect 0.4.9 explicitly.
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
    certain: bool  # False: the dialect is the conservative guess the module docstring explains


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


def render_multipath_conf(profile: str | StorageProfile, dialect: Dialect | str) -> str:
    """The whole multipath.conf: header, defaults, blacklist and the profile's device stanza."""
    chosen = profile if isinstance(profile, StorageProfile) else find_profile(profile)
    dialect = dialect if isinstance(dialect, Dialect) else parse_dialect(dialect)
    rules = _RULES[dialect]
    device = device_settings(chosen, dialect)
    used = {key for key, _ in (*rules.defaults, *device)} | {"devnode"}
    unknown = sorted(used - rules.keywords)
    try:
        if unknown:
            raise ValueError(f"{', '.join(unknown)}: not keywords of multipath-tools {dialect}")
        text = render_template(
            TEMPLATE,
            profile=chosen,
            dialect=str(dialect),
            dialect_title=rules.title,
            notes=rules.notes,
            defaults=[(key, _written(key, value)) for key, value in rules.defaults],
            blacklist=[_written("devnode", rule) for rule in rules.blacklist],
            device=[(key, _written(key, value)) for key, value in device],
        )
    except ValueError as exc:
        raise GeneratedFileError(f"multipath.conf for {chosen.name} ({dialect}): {exc}") from exc
    return text
