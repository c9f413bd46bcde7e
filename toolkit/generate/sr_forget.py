"""The `sr forget` plan: detach an SR (unplug its PBDs, sr-forget) without the blog's hang on a dead NFS server."""

from __future__ import annotations

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.xetable import ANY_RELEASE, check_commands
from toolkit.errors import UsageError
from toolkit.inputs.safetext import check_label
from toolkit.plan.script_xe import xe_commands_of

_UUID_CHARS = set("0123456789abcdef-")


def render_forget(sr_uuid: str | None, sr_name: str | None, *, force: bool, timeout: int, check_timeout: int) -> str:
    if (sr_uuid is None) == (sr_name is None):
        raise UsageError("give --sr-uuid UUID or --sr-name NAME (one of them)")
    if sr_uuid is not None and (len(sr_uuid) != 36 or not set(sr_uuid.lower()) <= _UUID_CHARS):
        raise UsageError(f"--sr-uuid {sr_uuid!r}: not a uuid (8-4-4-4-12 hexadecimal digits)")
    if sr_name is not None:
        check_label("--sr-name", sr_name)
    script = render_template("sr/forget.sh.j2", sr_uuid=(sr_uuid or "").lower(), sr_name=sr_name or "",
                             sr_comment=ascii(sr_name) if sr_name is not None else sr_uuid, force=force,
                             timeout=timeout, check_timeout=check_timeout)
    check_commands(xe_commands_of(script), "sr forget plan", ANY_RELEASE)
    return script
