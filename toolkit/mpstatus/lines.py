"""Recognise one line of multipath status output: a map header, its properties, a path group, a path, or noise.

Two layouts exist. The bracket layout of device-mapper-multipath 0.4.7 and earlier (XenServer 6.x dom0s):
    2223700015563b1df dm-0 Intel,Multi-Flex
    [size=16G][features=1 queue_if_no_path][hwhandler=0][rw]
    \\_ round-robin 0 [prio=50][active]
     \\_ 0:0:0:0 sda 8:0   [active][ready]
and the tree layout of 0.4.9 up to today (`multipath -ll`, `multipathd show topology`, `mpathutil status`):
    3600a098038303053453f463045727a4c dm-1 NETAPP,LUN C-Mode
    size=20G features='3 queue_if_no_path pg_init_retries 50' hwhandler='1 alua' wp=rw
    |-+- policy='service-time 0' prio=50 status=active
    | `- 1:0:0:1 sdb 8:16 active ready running
    `-+- policy='service-time 0' prio=10 status=enabled
      `- 2:0:0:1 sdc 8:32 active ready running
Both print the header as multipath-tools' print.c does: an optional action ("create: "), the alias, " (WWID)" when
the alias differs from the WWID, the dm device (or "undef" before the map exists) and "vendor,product".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.mpstatus.model import MpathMap, MpathPath, PathGroup

_ANSI = re.compile(r"\x1b\[[0-9;]*m")  # multipath prints the header bold when stdout is a terminal
_PROMPT = re.compile(r"^multipathd>\s*")
_PROMPT_COMMAND = re.compile(r"^(show|list|help|quit|exit)\b")  # the command echoed after a prompt
_ACTION = re.compile(r"^[a-z]+(?:, [a-z]+)*: ")  # create: / reload: / switchpg: ... (print.c's %A)
_ALIASED = re.compile(r"^(?P<name>\S+) \((?P<wwid>[^()]+)\)(?P<rest>.*)$")
_DM = re.compile(r"^(?P<before>.*?)(?P<dm>dm-\d+|(?:^|(?<=\s))undef)(?:\s+(?P<vp>.*)|\s*)$")
_HCIL = re.compile(r"^(?:\d+|#):(?:\d+|#):(?:\d+|#):(?:\d+|#)$")
_DEVT = re.compile(r"^(?:\d+|#):(?:\d+|#)$")
_TREE_GROUP = re.compile(r"^[ |`]*[|`]-\+-\s*(?P<body>.*)$")
_TREE_PATH = re.compile(r"^[ |`]*[|`]-\s+(?P<body>\S.*)$")
_BRACKET_ITEM = re.compile(r"^\s*\\_\s*(?P<body>.*)$")
_BRACKETS = re.compile(r"\[([^\]]*)\]")
_TREE_PROPS = re.compile(r"^\s*size=")
_BRACKET_PROPS = re.compile(r"^\s*\[\s*size\s*=")
_PAIR = re.compile(r"(\w+)=(?:'([^']*)'|(\S+))")
_INTEGER = re.compile(r"^-?\d+$")

DM_STATES = frozenset({"active", "failed"})
CHECKER_STATES = frozenset({"ready", "faulty", "shaky", "ghost", "i/o pending", "i/o timeout", "delayed",
                            "wild", "unchecked", "orphan"})

# Lines multipath-tools and syslog add around a topology: never maps or paths, reported as warnings.
_NOISE = (
    re.compile(r"^[A-Z][a-z]{2}\s+\d{1,2}\s+\d\d:\d\d:\d\d"),  # "Dec 03 12:00:01 | sdb: ..." and syslog lines
    re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d"),  # journalctl -o short-iso
    re.compile(r"^\s*\d+(?:\.\d+)?\s*\|"),  # -v4 "1733.22 | ..." uptime stamps
    re.compile(r"^\d\d:\d\d:\d\d"),
    # A message about one device or map: "sdb: checker msg is ...", "3600a0..: set ACT_CREATE", "multipathd: ..."
    re.compile(r"^\s*(?:sd[a-z]+|hd[a-z]+|xvd[a-z]+|vd[a-z]+|nvme\w+|dm-\d+|mpath\w*|[0-9a-f]{8,}\w*|"
               r"\d+:\d+(?::\d+:\d+)?|multipathd?(?:\[\d+\])?|device-mapper|kernel)\s*: "),
    re.compile(r"^\s*=+.*=+\s*$"),  # -v3 "===== paths list ====="
    re.compile(r"^\s*uuid\s+hcil\s+dev"),  # -v3 paths list header
    re.compile(r"^\s*\S*\s*(?:\d+|#):(?:\d+|#):(?:\d+|#):(?:\d+|#)\s"),  # -v3 paths list rows (no tree marks)
    re.compile(r"^\s*(?:libdevmapper|DM multipath|multipath-tools|params =|status =|reload|ok$|fail$)"),
    re.compile(r"^\s*-- (?:Logs|Journal|No entries)"),
    re.compile(r"^\s*(?:\[[^\]]*@[^\]]*\]|[\w.-]+@[\w.-]+(?::\S*)?)\s*[#$]"),  # a pasted shell prompt
    re.compile(r"^\s*[#$] "),
)


def clean(raw: str) -> str | None:
    """The line without terminal escapes and multipathd prompts; None when nothing of the topology is left."""
    line = (_ANSI.sub("", raw) if "\x1b" in raw else raw).rstrip()
    if line.startswith("multipathd>"):
        line = _PROMPT.sub("", line)
        if not line or _PROMPT_COMMAND.match(line):
            return None
    return line if line.strip() else None


def is_noise(line: str) -> bool:
    return any(pattern.match(line) for pattern in _NOISE)


def is_props(line: str) -> bool:
    return bool(_TREE_PROPS.match(line) or _BRACKET_PROPS.match(line))


@dataclass(frozen=True)
class Header:
    name: str
    wwid: str
    dm: str | None
    vendor: str | None
    product: str | None

    def new_map(self) -> MpathMap:
        return MpathMap(self.name, self.wwid, self.dm, self.vendor, self.product)


def parse_header(line: str) -> Header | None:
    """A map's first line, if `line` can be one (the caller checks that a properties line follows)."""
    text = _ACTION.sub("", line.strip(), count=1)
    if not text or text.startswith(("[", "\\_", "|", "`")) or "=" in text.split(" ", 1)[0]:
        return None
    aliased = _ALIASED.match(text)
    if aliased:
        name, wwid, rest = aliased["name"], aliased["wwid"].strip(), aliased["rest"]
        dm_match = _DM.match(rest.strip())
        if dm_match and dm_match["before"].strip():
            return None  # something between the WWID and the dm device: not a header
        dm, vendor_product = _dm_and_rest(dm_match["dm"], dm_match["vp"]) if dm_match else (None, rest)
    else:
        dm_match = _DM.match(text)
        if dm_match and dm_match["before"].strip():
            # No alias: the name is the WWID, which may hold spaces, or be glued to "dm-N" on old builds.
            wwid = name = dm_match["before"].strip()
            dm, vendor_product = _dm_and_rest(dm_match["dm"], dm_match["vp"])
        elif dm_match:
            return None
        else:
            wwid = name = text
            dm, vendor_product = None, ""
    if not wwid:
        return None
    vendor, product = _vendor_product(vendor_product)
    return Header(name, wwid, dm, vendor, product)


def _dm_and_rest(dm: str, rest: str | None) -> tuple[str | None, str]:
    return (None if dm == "undef" else dm), (rest or "")


def _vendor_product(text: str) -> tuple[str | None, str | None]:
    text = text.strip()
    if not text:
        return None, None
    vendor, comma, product = text.partition(",")
    return (vendor.strip() or None), (product.strip() or None) if comma else None


def apply_props(line: str, target: MpathMap) -> None:
    """`size=.. features='..' hwhandler='..' wp=rw` or `[size=..][features=..][hwhandler=..][rw]`."""
    if _TREE_PROPS.match(line):
        values = {key: quoted if quoted is not None and bare is None else (bare or quoted)
                  for key, quoted, bare in ((m[1], m[2], m[3]) for m in _PAIR.finditer(line))}
        target.size, target.features = values.get("size"), values.get("features")
        target.hwhandler, target.write_mode = values.get("hwhandler"), values.get("wp")
        return
    for field in _BRACKETS.findall(line):
        key, equals, value = field.partition("=")
        key, value = key.strip(), value.strip().strip('"').strip()
        if not equals:
            target.write_mode = key or None
        elif key == "size":
            target.size = value
        elif key == "features":
            target.features = value
        elif key == "hwhandler":
            target.hwhandler = value


ITEM_MARKS = frozenset("|`\\")  # the first character of every path group and path line, in both layouts


def parse_item(line: str) -> PathGroup | MpathPath | None:
    """A path group or a path line of either layout (the caller has seen one of ITEM_MARKS first)."""
    item = _BRACKET_ITEM.match(line) if "\\" in line else None
    if item:
        return _bracket_path(item["body"]) or _bracket_group(item["body"])
    tree = _TREE_GROUP.match(line) if "-+-" in line else None
    if tree:
        values = {m[1]: m[2] if m[2] is not None else m[3] for m in _PAIR.finditer(tree["body"])}
        return PathGroup(_prio(values.get("prio")), values.get("status"), values.get("policy"))
    path = _TREE_PATH.match(line)
    return _tree_path(path["body"]) if path else None


def _bracket_group(body: str) -> PathGroup:
    first_bracket = body.find("[")
    policy = (body if first_bracket < 0 else body[:first_bracket]).strip() or None
    group = PathGroup(policy=policy)
    for field in _BRACKETS.findall(body):
        key, equals, value = field.partition("=")
        if equals and key.strip() == "prio":
            group.prio = _prio(value.strip())
        elif not equals and field.strip():
            group.status = field.strip()
    return group


def _prio(text: str | None) -> int | None:
    return int(text) if text is not None and _INTEGER.match(text) else None


def _tree_path(body: str) -> MpathPath | None:
    words = body.split()
    if len(words) < 3 or not (_HCIL.match(words[0]) and _DEVT.match(words[2])):
        return None
    path = MpathPath(words[0], words[1], words[2])
    states = words[3:]
    if states:
        path.dm_state = states[0]
    if len(states) == 2:
        path.checker_state = states[1]
    elif len(states) > 2:
        path.checker_state, path.online_state = " ".join(states[1:-1]), states[-1]
    return path


def _bracket_path(body: str) -> MpathPath | None:
    first_bracket = body.find("[")
    words = (body if first_bracket < 0 else body[:first_bracket]).split()
    if len(words) != 3 or not (_HCIL.match(words[0]) and _DEVT.match(words[2])):
        return None
    states = [field.strip() for field in _BRACKETS.findall(body[max(first_bracket, 0):])]
    path = MpathPath(words[0], words[1], words[2])
    if len(states) >= 2 and (states[0] in CHECKER_STATES or states[1] in DM_STATES) \
            and states[0] not in DM_STATES:
        states[0], states[1] = states[1], states[0]  # printed checker-first: put them in their fields
    path.dm_state = states[0] if states else None
    path.checker_state = states[1] if len(states) > 1 else None
    path.online_state = states[2] if len(states) > 2 else None
    return path
