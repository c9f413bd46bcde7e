"""Parse `ovs-appctl bond/show BOND`: the bond's mode, each member (link up or down, active or not).

Open vSwitch 1.x (XenServer 6.x) prints
    bond_mode: active-backup
    ...
    slave eth0: enabled
    \tactive slave
later releases add "active slave mac: 00:..:(eth0)", "may_enable: true" lines and a "---- bond0 ----" title,
and from 2.14 say "member" for "slave". A member is "enabled" when its link is up (carrier, or LACP/miimon
where configured).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_MEMBER = re.compile(r"^(?:slave|member) (?P<name>[^:\s]+): (?P<state>\S+)")
_ACTIVE_MARK = re.compile(r"^\s+active (?:slave|member)\s*$")
_ACTIVE_MAC = re.compile(r"^active (?:slave|member) mac: .*\((?P<name>[^)]+)\)")
_TITLE = re.compile(r"^-+ (?P<name>\S+) -+$")
_SETTING = re.compile(r"^(?P<key>[\w-]+): (?P<value>.*)$")


@dataclass
class BondMember:
    name: str
    enabled: bool
    active: bool = False

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "link": "up" if self.enabled else "down", "active": self.active}


@dataclass
class Bond:
    name: str
    mode: str | None = None
    members: list[BondMember] = field(default_factory=list)

    @property
    def active(self) -> BondMember | None:
        return next((m for m in self.members if m.active), None)

    def as_json(self) -> dict[str, Any]:
        active = self.active
        return {"bond": self.name, "mode": self.mode, "active_slave": active.name if active else None,
                "slaves": [m.as_json() for m in self.members]}


def parse_bond_show(name: str, text: str) -> Bond:
    bond = Bond(name)
    current: BondMember | None = None
    active_by_mac: str | None = None
    for line in text.splitlines():
        member = _MEMBER.match(line)
        if member:
            current = BondMember(member["name"], member["state"] == "enabled")
            bond.members.append(current)
            continue
        if _ACTIVE_MARK.match(line) and current is not None:
            current.active = True
            continue
        by_mac = _ACTIVE_MAC.match(line)
        if by_mac:
            active_by_mac = by_mac["name"]
            continue
        title = _TITLE.match(line.strip())
        if title:
            bond.name = title["name"]
            continue
        setting = _SETTING.match(line)
        if setting and setting["key"] == "bond_mode":
            bond.mode = setting["value"].strip()
    if bond.active is None and active_by_mac is not None:
        for each in bond.members:
            each.active = each.name == active_by_mac
    return bond


def parse_bond_list(text: str) -> list[str]:
    """The bond names of `ovs-appctl bond/list` (a tab-separated table under a header line)."""
    names = []
    for line in text.splitlines():
        first = line.split("\t", 1)[0].split()
        if first and first[0] != "bond":
            names.append(first[0])
    return names
