"""Fakes of dom0's network tools for the bond tests, installed in an sshd test host's bin directory.

`ovs-appctl` answers bond/list, bond/show (Open vSwitch 1.x's "slave" layout or 2.14+'s "member" one) and
bond/set-active-slave / -member from a JSON state file the test changes; `ping` answers when the active member
of any bond is one the state says reaches the target; `logger`, `chkconfig`, `update-rc.d` and `systemctl`
append their arguments to a calls file. The state: {"bonds": {"bond0": {"members": {"eth0": true, ...},
"active": "eth2"}}, "new_ovs": false, "reach": {"192.0.2.1": ["eth0"]}, "fail": ["chkconfig"]}.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_OVS = r'''#!/usr/bin/env python3
import json, sys
STATE = "@STATE@"
state = json.load(open(STATE))
word = "member" if state.get("new_ovs") else "slave"
args = sys.argv[1:]
def save():
    open(STATE + ".part", "w").write(json.dumps(state))
    __import__("os").replace(STATE + ".part", STATE)
if args[:1] == ["bond/list"]:
    print("bond\ttype\t" + word + "s")
    for name, bond in state["bonds"].items():
        print(name + "\tactive-backup\t" + ", ".join(bond["members"]))
elif args[:1] == ["bond/show"] and len(args) == 2 and args[1] in state["bonds"]:
    bond = state["bonds"][args[1]]
    if state.get("new_ovs"):
        print("---- " + args[1] + " ----")
    print("bond_mode: active-backup\nlacp: off\nbond-detect-mode: carrier\nupdelay: 31000 ms\ndowndelay: 200 ms")
    if state.get("new_ovs") and bond["active"]:
        print("active " + word + " mac: 00:16:3e:00:00:01(" + bond["active"] + ")")
    for name, up in bond["members"].items():
        print("\n" + word + " " + name + ": " + ("enabled" if up else "disabled"))
        if name == bond["active"]:
            print("\tactive " + word)
elif args[:1] in (["bond/set-active-slave"], ["bond/set-active-member"]) and len(args) == 3:
    if args[0] == "bond/set-active-member" and not state.get("new_ovs"):
        print('"bond/set-active-member" is not a valid command', file=sys.stderr); sys.exit(2)
    bond = state["bonds"].get(args[1])
    if bond is None or args[2] not in bond["members"]:
        print("no such bond or slave", file=sys.stderr); sys.exit(2)
    if not bond["members"][args[2]]:
        print("cannot make disabled slave active", file=sys.stderr); sys.exit(2)
    bond["active"] = args[2]
    save()
    print("done")
else:
    print("unknown command", args, file=sys.stderr); sys.exit(2)
'''

_PING = r'''#!/usr/bin/env python3
import json, sys
state = json.load(open("@STATE@"))
target = sys.argv[-1]
actives = {bond["active"] for bond in state["bonds"].values()}
sys.exit(0 if actives & set(state.get("reach", {}).get(target, [])) else 1)
'''

_RECORDER = '''#!/bin/sh
echo "@NAME@ $*" >> "@CALLS@"
case " $(cat "@STATE@") " in *'"@NAME@"'*) echo "@NAME@: failing as the test asked" >&2; exit 1 ;; esac
exit 0
'''


@dataclass
class FakeOvs:
    state_path: Path
    calls_path: Path

    def state(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.state_path.read_text(encoding="utf-8"))
        return data

    def set_state(self, state: dict[str, Any]) -> None:
        self.state_path.write_text(json.dumps(state), encoding="utf-8")

    def active(self, bond: str) -> str:
        return str(self.state()["bonds"][bond]["active"])

    def calls(self) -> list[str]:
        return self.calls_path.read_text(encoding="utf-8").splitlines() if self.calls_path.exists() else []


def install_fake_ovs(bin_dir: Path, work: Path, state: dict[str, Any]) -> FakeOvs:
    fake = FakeOvs(work / "ovs-state.json", work / "calls.log")
    fake.set_state(state)
    scripts = {"ovs-appctl": _OVS, "ping": _PING}
    for name in ("logger", "chkconfig", "update-rc.d", "systemctl"):
        scripts[name] = _RECORDER.replace("@NAME@", name)
    for name, text in scripts.items():
        path = bin_dir / name
        path.write_text(text.replace("@STATE@", str(fake.state_path)).replace("@CALLS@", str(fake.calls_path)),
                        encoding="utf-8")
        path.chmod(0o755)
    return fake
