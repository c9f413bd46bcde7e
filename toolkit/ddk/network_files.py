"""The DDK VM's static IPv4 network in the three files an admin would edit by hand.

/etc/sysconfig/network-scripts/ifcfg-eth0, /etc/sysconfig/network and /etc/resolv.conf are merged into
what the VM has, never clobbered: only the keys named here change; HWADDR, UUID, TYPE, comments, blank
lines and the order of lines stay. Merging a second time changes nothing. Why each key is handled as it
is, from CentOS 5's initscripts (8.45: network-functions, ifup-eth), which the XenServer 5.6/6.x DDK runs:
- expand_config takes NETMASK, else the address's *class* mask (`ipcalc --netmask`), and derives PREFIX,
  BROADCAST and NETWORK from it unless they are set. ifup-eth adds IPADDR/PREFIX, and sets the default
  route only if `ipcalc --network GATEWAY NETMASK` is the interface's NETWORK. So NETMASK is written; a
  PREFIX, which would win over it, is removed; a NETWORK or BROADCAST line is corrected.
- ifup-eth sources /etc/sysconfig/network and then the ifcfg file, so a GATEWAY in the ifcfg file would
  override the one in /etc/sysconfig/network (where admins usually put it): a different one there is removed.
- BOOTPROTO: only dhcp and bootp mean dynamic; static and none both mean a static address.
- rc.sysinit sets the host name from HOSTNAME in /etc/sysconfig/network.
- PEERDNS=no: unless it is set, ifdown-post copies a left-over /etc/resolv.conf.save over resolv.conf at
  `service network restart`, and a dhclient still running from the DHCP days rewrites resolv.conf.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from toolkit.inputs.network import GuestNetwork

NETWORK_PATH = "/etc/sysconfig/network"
RESOLV_PATH = "/etc/resolv.conf"
STATIC_BOOTPROTO = ("static", "none")  # either one means static to initscripts; a file's own choice is kept

# KEY=value as a shell reads it: optional indent and `export`, then the value up to an optional # comment.
_ASSIGN = re.compile(r"^(?P<lead>[ \t]*(?:export[ \t]+)?)(?P<key>[A-Za-z_][A-Za-z0-9_]*)=(?P<value>.*)$")
_SIMPLE = re.compile(r"""^(?:"(?P<dq>[^"\\$`]*)"|'(?P<sq>[^']*)'|(?P<bare>[^\s"'\\$`;&|<>()#]*))[ \t]*(?:#.*)?$""")
_NAMESERVER = re.compile(r"^[ \t]*nameserver(?:[ \t]|$)")


def ifcfg_path(device: str) -> str:
    return f"/etc/sysconfig/network-scripts/ifcfg-{device}"


@dataclass(frozen=True)
class FileEdit:
    """One file: its text before (None: there was none) and after, and what changed, one line each."""

    path: str
    old: str | None
    text: str
    changes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.old != self.text


@dataclass(frozen=True)
class Rule:
    """Set `key` to `value`, or remove every assignment of it (value None, `why` says why).

    add=False: only correct a line that is there; never add one.
    """

    key: str
    value: str | None
    add: bool = True
    why: str = ""


def _lines(text: str) -> list[str]:
    """Lines with their ends; a last line without one gets "\\n", so that lines can be appended after it."""
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    return lines


def _split(line: str) -> tuple[str, str, str, str] | None:
    """(lead, key, raw value, line end) of an assignment line, else None."""
    body = line.rstrip("\r\n")
    match = _ASSIGN.match(body)
    if match is None:
        return None
    return match["lead"], match["key"], match["value"], line[len(body):]


def unquote(raw: str) -> str | None:
    """The value a shell gives a plain, single- or double-quoted word; None for anything fancier."""
    match = _SIMPLE.match(raw)
    if match is None:
        return None
    return next(group for group in (match["dq"], match["sq"], match["bare"]) if group is not None)


def shell_values(text: str) -> dict[str, str | None]:
    """Each key's value as sourcing the file leaves it (the last assignment wins); None if not plain."""
    values: dict[str, str | None] = {}
    for line in _lines(text):
        parts = _split(line)
        if parts is not None:
            values[parts[1]] = unquote(parts[2])
    return values


def edit_shell_vars(text: str, rules: Sequence[Rule]) -> tuple[str, list[str]]:
    """Apply `rules` to a KEY=value file; returns the new text and one line per change.

    A key set more than once keeps its first line (corrected if need be); the later ones, which would
    override it when the file is sourced, are removed.
    """
    lines = _lines(text)
    changes: list[str] = []
    by_key = {rule.key: rule for rule in rules}
    seen: set[str] = set()
    out: list[str] = []
    for line in lines:
        parts = _split(line)
        rule = by_key.get(parts[1]) if parts is not None else None
        if parts is None or rule is None:
            out.append(line)
            continue
        lead, key, raw, end = parts
        if rule.value is None:
            changes.append(f"{key}={raw}: removed ({rule.why})" if rule.why else f"{key}={raw}: removed")
        elif key in seen:
            changes.append(f"{key}={raw}: removed (set again below the first {key}, it would override it)")
        else:
            seen.add(key)
            if unquote(raw) == rule.value:
                out.append(line)
            else:
                out.append(f"{lead}{key}={rule.value}{end}")  # end: "\n" or "\r\n", as the line had
                changes.append(f"{key}: {raw} -> {rule.value}" + (f" ({rule.why})" if rule.why else ""))
    for rule in rules:
        if rule.value is not None and rule.add and rule.key not in seen:
            out.append(f"{rule.key}={rule.value}\n")
            changes.append(f"{rule.key}={rule.value}: added")
    return _noting_line_end(text, "".join(out), changes)


def _noting_line_end(old: str, new: str, changes: list[str]) -> tuple[str, list[str]]:
    """A file whose last line had no line end gets one: say so when nothing else changed."""
    if new != old and not changes:
        changes = ["line end added to the last line"]
    return new, changes


def merge_ifcfg(old: str | None, net: GuestNetwork) -> FileEdit:
    current = shell_values(old or "")
    bootproto = current.get("BOOTPROTO")
    keep_bootproto = bootproto is not None and bootproto.lower() in STATIC_BOOTPROTO
    rules = [
        Rule("DEVICE", net.device),
        Rule("BOOTPROTO", bootproto if keep_bootproto and bootproto else "static"),
        Rule("ONBOOT", "yes"),
        Rule("IPADDR", net.address),
        Rule("NETMASK", net.netmask),
        Rule("PREFIX", None, why="initscripts take a PREFIX over NETMASK; NETMASK says it"),
        Rule("PEERDNS", "no"),  # resolv.conf is ours: see the module's docstring
        # Only corrected where present: initscripts work them out from IPADDR and NETMASK.
        Rule("NETWORK", str(net.interface.network.network_address), add=False),
        Rule("BROADCAST", str(net.interface.network.broadcast_address), add=False),
    ]
    if current.get("GATEWAY", net.gateway.exploded) != net.gateway.exploded:
        rules.append(Rule("GATEWAY", None, why=f"it would override GATEWAY={net.gateway} in {NETWORK_PATH}"))
    # DNS1..DNS3 are kept in step with resolv.conf where the file has them (system-config-network writes
    # them, and ifup copies them into resolv.conf unless PEERDNS=no); none are added.
    if any(f"DNS{n}" in current for n in (1, 2, 3)):
        servers = net.nameserver_list
        rules += [Rule(f"DNS{n}", servers[n - 1]) if n <= len(servers)
                  else Rule(f"DNS{n}", None, why=f"{len(servers)} nameserver(s) now") for n in (1, 2, 3)]
    text, changes = edit_shell_vars(old or "", rules)
    return FileEdit(ifcfg_path(net.device), old, text, tuple(changes))


def merge_network(old: str | None, net: GuestNetwork) -> FileEdit:
    rules = [Rule("NETWORKING", "yes"), Rule("HOSTNAME", net.hostname), Rule("GATEWAY", str(net.gateway))]
    text, changes = edit_shell_vars(old or "", rules)
    gatewaydev = shell_values(text).get("GATEWAYDEV")
    warnings: tuple[str, ...] = ()
    if gatewaydev and gatewaydev != net.device:
        warnings = (f"GATEWAYDEV={gatewaydev}: the default route goes through {gatewaydev}, not {net.device}; "
                    "remove GATEWAYDEV if that is not what you want",)
    return FileEdit(NETWORK_PATH, old, text, tuple(changes), warnings)


def merge_resolv(old: str | None, net: GuestNetwork) -> FileEdit:
    """nameserver lines replaced (in place of the first one, else at the end); search, domain, options and
    comments kept."""
    lines = _lines(old or "")
    servers = [line.split()[1] if len(line.split()) > 1 else "" for line in lines if _NAMESERVER.match(line)]
    first = next((i for i, line in enumerate(lines) if _NAMESERVER.match(line)), len(lines))
    kept = [line for line in lines if not _NAMESERVER.match(line)]
    new = [f"nameserver {server}\n" for server in net.nameserver_list]
    text = "".join(kept[:first] + new + kept[first:])  # no nameserver line comes before `first`
    changes = []
    if servers != net.nameserver_list:
        changes.append(f"nameservers: {', '.join(servers) or '(none)'} -> {', '.join(net.nameserver_list)}")
    elif text.rstrip("\n") != (old or "").rstrip("\n"):
        changes.append("nameserver lines put together, in order, where the first one was")
    text, changes = _noting_line_end(old or "", text, changes)
    return FileEdit(RESOLV_PATH, old, text, tuple(changes))


def merge_all(net: GuestNetwork, current: dict[str, str | None]) -> list[FileEdit]:
    """The three files merged into `current` (path -> text, None or absent: no such file), in write order."""
    return [
        merge_ifcfg(current.get(ifcfg_path(net.device)), net),
        merge_network(current.get(NETWORK_PATH), net),
        merge_resolv(current.get(RESOLV_PATH), net),
    ]


def render_all(net: GuestNetwork) -> list[FileEdit]:
    """The three files as new ones: what an admin types in by hand."""
    return merge_all(net, {})
