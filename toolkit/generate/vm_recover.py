"""The `vm recover` plan: the blog's "restart a hanged virtual machine" as a bash script for dom0."""

from __future__ import annotations

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.xetable import ANY_RELEASE, check_commands
from toolkit.errors import UsageError
from toolkit.inputs.safetext import check_label
from toolkit.plan.script_xe import xe_commands_of

_UUID_CHARS = set("0123456789abcdef-")


def render_recover(vm_uuid: str | None, vm_name: str | None, *, wait: int, poll: int = 5) -> str:
    if (vm_uuid is None) == (vm_name is None):
        raise UsageError("give --name NAME or --uuid UUID (one of them)")
    if vm_uuid is not None and (len(vm_uuid) != 36 or not set(vm_uuid.lower()) <= _UUID_CHARS):
        raise UsageError(f"--uuid {vm_uuid!r}: not a uuid (8-4-4-4-12 hexadecimal digits)")
    if vm_name is not None:
        check_label("--name", vm_name)
    script = render_template("vm/recover.sh.j2", vm_uuid=(vm_uuid or "").lower(), vm_name=vm_name or "",
                             vm_comment=ascii(vm_name) if vm_name is not None else vm_uuid, wait=wait, poll=poll)
    check_commands(xe_commands_of(script), "vm recover plan", ANY_RELEASE)
    return script
