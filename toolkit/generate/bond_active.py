"""The boot-time choice of a bond's active member: the script, its SysV or systemd start-up, and the installer.

The admin's original init script set fixed active slaves at boot (`ovs-appctl bond/set-active-slave bond0 eth0`)
and wished it chose "by checking the connection on each bond slave". The script rendered here does: it prefers
one member when its link is up and, with a target, when the target answers through it (the member is made
active, then the target pinged: a bond member has no address of its own to ping from), else another member that
passes, and logs why. The installer (printed by --print, run by --install) detects the init system unless told,
backs up what it replaces, writes each file atomically, enables it at boot, runs it once, and puts everything
back if a step fails. XenServer 6.x dom0s (CentOS 5) start services with SysV init and chkconfig; 7.x and later
with systemd (platforms.md section 1: CentOS 7 dom0s from 7.0).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from toolkit.catalog.jinja_env import render_template
from toolkit.errors import ValidationError
from toolkit.inputs.network import parse_address, parse_device, parse_hostname

INIT_SYSTEMS = ("auto", "sysv", "systemd")
SETTLE_SECONDS = 2


@dataclass(frozen=True)
class BondChoice:
    bond: str
    prefer: str
    target: str  # "" when only the link state counts
    init: str = "auto"

    @property
    def name(self) -> str:
        return f"xenkit-bond-{self.bond}"

    @property
    def script_path(self) -> str:
        return f"/usr/local/sbin/{self.name}"

    @property
    def sysv_path(self) -> str:
        return f"/etc/init.d/{self.name}"

    @property
    def unit_path(self) -> str:
        return f"/etc/systemd/system/{self.name}.service"


def make_choice(bond: str, prefer: str, target: str | None, init: str = "auto") -> BondChoice:
    parse_device("--bond", bond)
    parse_device("--prefer", prefer)
    checked = ""
    if target is not None:
        try:
            checked = str(parse_address("--check-target", target))
        except ValidationError:
            if re.fullmatch(r"[\d.]+", target):
                raise
            checked = parse_hostname("--check-target", target)
    if init not in INIT_SYSTEMS:
        raise ValidationError("--init", f"{init!r}: choose one of {', '.join(INIT_SYSTEMS)}")
    return BondChoice(bond, prefer, checked, init)


def _context(choice: BondChoice, init_name: str) -> dict[str, object]:
    return {"bond": choice.bond, "prefer": choice.prefer, "target": choice.target, "service": choice.name,
            "script_path": choice.script_path, "init_name": init_name, "tag": "xenkit-bond",
            "settle": SETTLE_SECONDS}


def render_script(choice: BondChoice) -> str:
    return render_template("bond/active-slave.sh.j2", **_context(choice, "its init script or unit"))


def render_sysv(choice: BondChoice) -> str:
    return render_template("bond/init-sysv.j2", **_context(choice, choice.name))


def render_unit(choice: BondChoice) -> str:
    return render_template("bond/unit.service.j2", **_context(choice, f"{choice.name}.service"))


def _delimiter(*texts: str) -> str:
    word = "XENKIT_EOF"
    while any(word in text for text in texts):
        word += "_"
    return word


def render_installer(choice: BondChoice) -> str:
    script, sysv, unit = render_script(choice), render_sysv(choice), render_unit(choice)
    return render_template("bond/install.sh.j2", choice=choice, script=script, sysv=sysv, unit=unit,
                           eof=_delimiter(script, sysv, unit))
