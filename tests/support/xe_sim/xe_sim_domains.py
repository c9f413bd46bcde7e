"""The xe simulator's hung domains: vm-reboot (with --force) and vm-reset-powerstate (a mixin of Sim).

A hung guest is a domain Xen still has after xapi gave up on it. Tests describe Xen's domains in a JSON file
($XE_SIM_DOMAINS: {"<domid>": {"uuid": "<vm uuid>", "state": "B", "stuck": true}}), which the fakes of dom0's
`list_domains` and `/opt/xensource/debug/destroy_domain` (tests/support/fake_domains.py) read and change. A stuck
domain makes vm-reboot --force fail as xapi does ("a domain still exists for the specified VM") until it is
destroyed; a reboot then gives the VM a new domain. vm-reset-powerstate --force marks the VM halted in xapi's
database only, as the real one does.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .xe_sim_common import XeError, fail
from .xe_sim_records import Records

DOMAIN_EXISTS = "The operation could not be performed because a domain still exists for the specified VM."


def _domains_file() -> Path | None:
    path = os.environ.get("XE_SIM_DOMAINS")
    return Path(path) if path else None


def _domains() -> dict[str, dict[str, object]]:
    path = _domains_file()
    if path is None or not path.exists():
        return {}
    data: dict[str, dict[str, object]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _save(domains: dict[str, dict[str, object]]) -> None:
    path = _domains_file()
    if path is not None:
        path.write_text(json.dumps(domains), encoding="utf-8")


class DomainOps(Records):
    def reboot_domain(self, vm: dict[str, object]) -> None:
        """vm-reboot's effect on Xen's domains: refused while a stuck one exists, else a new domain id."""
        domains = _domains()
        mine = {d: v for d, v in domains.items() if v.get("uuid") == vm["uuid"]}
        if any(v.get("stuck") for v in mine.values()):
            if not self.flag("force"):
                raise fail("The VM did not respond to a clean reboot request (timed out)")
            raise XeError(DOMAIN_EXISTS + f"\nvm: {vm['uuid']}")
        for domid in mine:
            del domains[domid]
        self.state["counters"]["dom-id"] += 1
        new = str(self.state["counters"]["dom-id"])
        vm["dom-id"] = new
        if _domains_file() is not None:
            domains[new] = {"uuid": vm["uuid"], "state": "B"}
            _save(domains)

    def reset_powerstate(self, vm: dict[str, object]) -> None:
        if not self.flag("force"):
            raise fail("This operation is potentially dangerous: add --force")
        vm.update({"power-state": "halted", "resident-on": "", "dom-id": "-1"})
