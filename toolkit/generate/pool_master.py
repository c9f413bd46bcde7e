"""The pool-master plans: a normal change of master (`pool designate-master`) and the emergency one when the master
is down (`pool emergency-master`), each a bash script for dom0, printed or run over SSH."""

from __future__ import annotations

from toolkit.catalog.jinja_env import render_template
from toolkit.catalog.xetable import ANY_RELEASE, check_commands
from toolkit.inputs.safetext import check_label
from toolkit.plan.script_xe import xe_commands_of


def render_designate(new_master: str, *, wait: int, poll: int = 5) -> str:
    check_label("--new-master", new_master)
    script = render_template("pool/designate.sh.j2", new_master=new_master, new_comment=ascii(new_master),
                             wait=wait, poll=poll)
    check_commands(xe_commands_of(script), "pool designate-master plan", ANY_RELEASE)
    return script


def render_emergency(*, wait: int, poll: int = 5) -> str:
    script = render_template("pool/emergency.sh.j2", wait=wait, poll=poll)
    check_commands(xe_commands_of(script), "pool emergency-master plan", ANY_RELEASE)
    return script
