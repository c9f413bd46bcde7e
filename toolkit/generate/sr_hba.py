"""The HBA SR plan (`sr create-hba`) and the read-only LUN listing behind `sr hba-list`.

XenCenter's "new SR" wizard probes an HBA LUN with sr-probe, which on the admin's XenServer 6.0.2 failed with
"The SCSIid parameter is missing or incorrect"; creating the SR by hand with the LUN's /dev/disk/by-id path
works. The plan does that after its checks, and forgets (never destroys) an SR it made if a later step fails.
"""

from __future__ import annotations

import re

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.xetable import ANY_RELEASE, check_commands
from toolkit.errors import UsageError
from toolkit.inputs.safetext import check_label
from toolkit.plan.script_xe import xe_commands_of

# A SCSI id as udev names /dev/disk/by-id/scsi-<id>: the WWID (NAA "3..."/"2...", or a vendor string).
_SCSI_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")


def check_scsi_id(text: str) -> str:
    if not _SCSI_ID.fullmatch(text):
        raise UsageError(f"--scsi-id {text!r}: give the LUN's id as in /dev/disk/by-id/scsi-<id> (letters, digits, "
                         "_ . : -), e.g. 3600a0b80000f4b1c000004c04a07e1c0; xenkit sr hba-list shows them")
    return text


def render_create_hba(scsi_id: str, name: str, shared: bool) -> str:
    check_label("--name", name)
    script = render_template("multipath/create-hba.sh.j2", scsi_id=check_scsi_id(scsi_id), sr_name=name,
                             name_comment=ascii(name), shared=shared)
    check_commands(xe_commands_of(script), "sr create-hba plan", ANY_RELEASE)
    return script


# One read-only round trip: the LUNs udev names, their size, and every PBD's device.
HBA_LIST_SCRIPT = r"""PATH=$PATH:/opt/xensource/bin:/usr/sbin:/sbin
for link in /dev/disk/by-id/scsi-*; do
	[ -e "$link" ] || continue
	case "$link" in *-part[0-9]*) continue ;; esac
	dev=$(readlink -f "$link")
	size=$(blockdev --getsize64 "$dev" 2>/dev/null || echo -)
	echo "lun ${link#/dev/disk/by-id/scsi-} $dev $size"
done
for pbd in $(xe pbd-list params=uuid --minimal | tr ',' ' '); do
	sr=$(xe pbd-param-get uuid="$pbd" param-name=sr-uuid)
	device=$(xe pbd-param-get uuid="$pbd" param-name=device-config param-key=device 2>/dev/null || echo -)
	scsi=$(xe pbd-param-get uuid="$pbd" param-name=device-config param-key=SCSIid 2>/dev/null || echo -)
	echo "pbd $sr ${device:--} ${scsi:--}"
done
"""
