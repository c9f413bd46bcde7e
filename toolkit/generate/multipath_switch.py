"""The plan that switches multipathing on or off on one host: a bash script for dom0, printed or run over SSH.

The vendor's procedure: unplug every PBD of the host, set the host's multipathing, plug the PBDs again, and
never while VMs run on those SRs. How it is set depends on the release (platforms.md section 4): up to 7.4
other-config:multipathing (and multipathhandle=dmp when enabling; never touched when disabling), from 7.5
(kolkata, Host.set_multipathing) the host field `multipathing`, with the host disabled meanwhile. A printed
plan finds its host and release itself when it runs; --xenserver fixes the release when it is rendered.
"""

from __future__ import annotations

import re

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.xetable import ANY_RELEASE, CURRENT, check_commands
from toolkit.errors import UsageError
from toolkit.generate.multipath import XENSERVER_RELEASES, find_xenserver_release
from toolkit.plan.script_xe import xe_commands_of


def release_version(text: str | None) -> str:
    """'' (find it on the host) or the version as the script compares it ("6.0.2", "8.4")."""
    if text is None:
        return ""
    try:
        find_xenserver_release(text)
    except UsageError:
        known = ", ".join(r.version for r in XENSERVER_RELEASES if r.version[0].isdigit() and " " not in r.version)
        raise UsageError(f"--xenserver {text!r}: not a XenServer release xenkit knows; known: {known} (a patch "
                         "release such as 6.0.2 counts as its x.y)") from None
    version = " ".join(text.split())
    if not re.fullmatch(r"\d+\.\d+(\.\d+)*", version):
        raise UsageError(f"--xenserver {text!r}: give the version as numbers, e.g. 6.0.2 or 8.4")
    return version


def render_switch(enable: bool, release: str = "") -> str:
    script = render_template("multipath/switch.sh.j2", enable=enable, action="enable" if enable else "disable",
                             release=release)
    # The host field multipathing exists from 7.5 (XenServer 6.0's table has no such field): the script uses it
    # only on such releases, so those calls are checked against today's table, the others against every release's.
    commands = xe_commands_of(script)
    field_only = [argv for argv in commands if _uses_host_field(argv)]
    what = f"multipath {'enable' if enable else 'disable'} plan"
    check_commands([argv for argv in commands if argv not in field_only], what, ANY_RELEASE)
    check_commands(field_only, what, CURRENT)
    return script


def _uses_host_field(argv: list[str]) -> bool:
    return "param-name=multipathing" in argv or any(arg.startswith("multipathing=") for arg in argv)


SR_LINE = re.compile(r"^xenkit-sr: (?P<sr>\S+) (?P<scsi>\S+)$", re.M)


def sr_luns(output: str) -> list[tuple[str, str]]:
    """(SR uuid, SCSIid) of every SR whose PBD names a SCSI id, as the script's last lines list them."""
    return [(m["sr"], m["scsi"]) for m in SR_LINE.finditer(output)]
