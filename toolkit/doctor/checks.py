"""The doctor's checks: each reads the gathered sections and says OK, WARN or FAIL, with the command that fixes it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from toolkit.bond.show import parse_bond_show
from toolkit.generate.lvm_filter import DEFAULT_REJECTS, reject_patterns
from toolkit.generate.lvm_scan import LvmSyntaxError, structure
from toolkit.mpstatus.host_status import split_status
from toolkit.mpstatus.parse import StatusParseError, parse_status

OK, WARN, FAIL = "OK", "WARN", "FAIL"


@dataclass(frozen=True)
class Finding:
    level: str
    check: str
    detail: str
    fix: str = ""

    def as_json(self) -> dict[str, Any]:
        return {"level": self.level, "check": self.check, "detail": self.detail, "fix": self.fix or None}


@dataclass(frozen=True)
class Pbd:
    uuid: str
    sr: str
    attached: bool
    sr_type: str
    scsi_id: str | None
    server: str | None
    answers: bool | None
    sr_name: str


def _pairs(text: str) -> dict[str, str]:
    return {k: v.strip() for k, _, v in (line.partition(" ") for line in text.splitlines()) if k}


def pbds(sections: dict[str, str]) -> list[Pbd]:
    found = []
    for line in sections.get("pbds", "").splitlines():
        words = line.split(" ", 8)
        if words[:1] != ["pbd"] or len(words) < 8:
            continue
        _, uuid, sr, attached, sr_type, scsi, server, answers = words[:8]
        found.append(Pbd(uuid, sr, attached == "true", sr_type, None if scsi == "-" else scsi,
                         None if server == "-" else server, None if answers == "-" else answers == "yes",
                         words[8] if len(words) > 8 else sr))
    return found


def multipathing_on(sections: dict[str, str]) -> bool:
    host = _pairs(sections.get("host", ""))
    return "true" in (host.get("multipathing"), host.get("multipathing-field"))


def check_release(sections: dict[str, str]) -> list[Finding]:
    host = _pairs(sections.get("host", ""))
    release, kernel = host.get("release", ""), host.get("kernel", "")
    if not host.get("uuid"):
        return [Finding(FAIL, "release", "no INSTALLATION_UUID in /etc/xensource-inventory: is this a dom0?")]
    if not release:
        return [Finding(WARN, "release", f"the release could not be read (xe host-param-get); kernel {kernel}")]
    return [Finding(OK, "release", f"XenServer {release}, kernel {kernel}")]


def check_paths(sections: dict[str, str], host: str) -> list[Finding]:
    luns = [p for p in pbds(sections) if p.scsi_id]
    if not multipathing_on(sections):
        note = f"; {len(luns)} SR(s) on SCSI LUNs" if luns else ""
        return [Finding(OK, "multipath", f"multipathing is off{note}",
                        f"xenkit multipath enable --host {host}" if luns else "")]
    status = split_status(sections.get("multipath", ""))
    try:
        maps = {m.wwid: m for m in parse_status(status.text).maps}
    except StatusParseError as exc:
        return [Finding(WARN, "multipath", f"{status.source}: {exc}")]
    findings = []
    for pbd in luns:
        mpath = maps.get(pbd.scsi_id or "")
        usable = len(mpath.usable_paths) if mpath else 0
        where = f'SR "{pbd.sr_name}" ({pbd.sr}), LUN {pbd.scsi_id}'
        fix = f"xenkit multipath status --host {host}"
        if mpath is None or usable == 0:
            missing = "" if mpath else " (no map)"
            findings.append(Finding(FAIL, "multipath", f"{where}: no usable path{missing}", fix))
        elif usable == 1:
            findings.append(Finding(WARN, "multipath", f"{where}: 1 usable path of {len(mpath.paths)}", fix))
        else:
            findings.append(Finding(OK, "multipath", f"{where}: {usable} usable paths"))
    return findings or [Finding(OK, "multipath", "multipathing is on; no SR on a SCSI LUN")]


def check_lvm_filter(sections: dict[str, str], host: str) -> list[Finding]:
    text = sections.get("lvm", "")
    if not text.strip():
        return [Finding(WARN, "lvm filter", "/etc/lvm/lvm.conf could not be read")]
    try:
        settings, _sections = structure(text)
    except LvmSyntaxError as exc:
        return [Finding(WARN, "lvm filter", f"/etc/lvm/lvm.conf: {exc}")]
    active = [s.value for s in settings if s.path == ("devices", "filter")]
    wanted = reject_patterns(DEFAULT_REJECTS)
    if active and active[-1] == wanted:
        return [Finding(OK, "lvm filter", "devices/filter rejects the SCSI paths, xvd and VG_Xen devices")]
    level = WARN if multipathing_on(sections) else OK
    shown = "not set" if not active else f"is {active[-1]}"
    return [Finding(level, "lvm filter", f"devices/filter {shown}" + ("" if level == WARN else
                                                                      " (multipathing is off)"),
                    f"xenkit lvm filter --host {host}" if level == WARN else "")]


def check_srs(sections: dict[str, str], host: str) -> list[Finding]:
    findings = []
    for pbd in pbds(sections):
        name = f'SR "{pbd.sr_name}" ({pbd.sr})'
        if pbd.server and pbd.answers is False:
            findings.append(Finding(FAIL, "sr", f"{name}: its server {pbd.server} does not answer",
                                    f"bring {pbd.server} back, or: xenkit sr forget --host {host} --sr-uuid {pbd.sr}"
                                    " --force"))
        elif not pbd.attached:
            findings.append(Finding(WARN, "sr", f"{name}: PBD {pbd.uuid} is not plugged",
                                    f"xe pbd-plug uuid={pbd.uuid}"))
    return findings or [Finding(OK, "sr", "every SR of this host is plugged, every NFS/CIFS server answers")]


def check_ha(sections: dict[str, str]) -> list[Finding]:
    ha = _pairs(sections.get("pool", "")).get("ha", "-")
    return [Finding(OK, "ha", {"true": "HA is on", "false": "HA is off"}.get(ha, "HA state unknown"))]


def check_bonds(sections: dict[str, str], host: str) -> list[Finding]:
    findings = []
    for name, text in sections.items():
        if not name.startswith("bond "):
            continue
        bond = parse_bond_show(name[5:], text)
        active = bond.active
        down = [m.name for m in bond.members if not m.enabled]
        if active is not None and not active.enabled:
            up = [m.name for m in bond.members if m.enabled]
            findings.append(Finding(FAIL, "bond", f"{bond.name}: the active member {active.name} has no link",
                                    f"ovs-appctl bond/set-active-slave {bond.name} {up[0]}" if up else ""))
        elif down:
            findings.append(Finding(WARN, "bond", f"{bond.name}: no link on {', '.join(down)}"))
        else:
            findings.append(Finding(OK, "bond", f"{bond.name}: every member has a link; active "
                                    f"{active.name if active else 'none'}"))
    return findings


def check_domains(sections: dict[str, str], host: str) -> list[Finding]:
    listing = sections.get("domains", "")
    if not listing.strip():
        return [Finding(WARN, "domains", "list_domains gave nothing (not a dom0?): VM power states not checked")]
    domains = {cells[1].strip() for cells in (line.split("|") for line in listing.splitlines()) if len(cells) >= 3}
    findings = []
    for line in sections.get("vms", "").splitlines():
        words = line.split(" ", 3)
        if words[:1] == ["vm"] and len(words) >= 3 and words[2] in ("running", "paused") and words[1] not in domains:
            name = words[3] if len(words) > 3 else words[1]
            findings.append(Finding(FAIL, "domains", f'VM "{name}" ({words[1]}) is {words[2]} but has no domain',
                                    f"xenkit vm recover --host {host} --uuid {words[1]}"))
    return findings or [Finding(OK, "domains", "every running or paused VM here has a domain")]
