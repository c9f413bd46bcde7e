"""The xe simulator's pool-master operations (a mixin of Sim), and a master that is down.

pool-designate-new-master makes another host the master (it must be enabled and not the master already);
pool-ha-enable/-disable set ha-enabled, and ha-statefiles to a state-file VDI on the heartbeat SR;
pool-emergency-transition-to-master makes the host the command runs on ($XE_SIM_LOCAL_HOST, a host uuid; the
master by default) the master; pool-recover-slaves marks the other live hosts enabled again. A host whose
record has "down": "true" is powered off: while the master is down, every command but the emergency ones fails
as a slave's xe does when it cannot reach the master (see `refuse_if_master_down`).
"""

from __future__ import annotations

import os
from typing import Any

from .xe_sim_common import XeError, fail
from .xe_sim_records import Records

EMERGENCY_COMMANDS = frozenset({"pool-emergency-transition-to-master", "host-is-in-emergency-mode"})


def refuse_if_master_down(state: dict[str, Any], command: str) -> None:
    pool: dict[str, Any] = next(iter(state["objects"]["pool"].values()), {})
    master = state["objects"]["host"].get(pool.get("master", ""), {})
    if master.get("down") == "true" and command not in EMERGENCY_COMMANDS:
        raise XeError(f"Lost connection to the server.\n(the pool master {master.get('address', '?')} does not answer)")


class PoolOps(Records):
    def _pool(self) -> dict[str, Any]:
        return next(iter(self.objects["pool"].values()))

    def cmd_pool_designate_new_master(self, _cls: str | None) -> None:
        pool, host = self._pool(), self.lookup("host", self.get("host-uuid"))
        if pool.get("master") == host["uuid"]:
            raise fail("The host is already the pool master.")
        if host.get("enabled", "true") != "true" or host.get("down") == "true":
            raise fail(f"HOST_OFFLINE: the host {host['uuid']} cannot be contacted or is disabled")
        if pool.get("ha-enabled") == "true":
            raise fail("This operation cannot be performed because HA is enabled on the pool (HA_IS_ENABLED)")
        pool["master"] = host["uuid"]

    def cmd_pool_ha_disable(self, _cls: str | None) -> None:
        self._pool().update({"ha-enabled": "false", "ha-statefiles": ""})

    def cmd_pool_ha_enable(self, _cls: str | None) -> None:
        srs = [s for s in self.get("heartbeat-sr-uuids").split(",") if s]
        if not srs:
            raise fail("HA needs a heartbeat SR: give heartbeat-sr-uuids")
        sr = self.lookup("sr", srs[0])
        statefile = self.new("vdi", {"name-label": "Statefile for HA", "sr-uuid": sr["uuid"], "type": "ha_statefile",
                                     "virtual-size": str(4 << 20)})
        self._pool().update({"ha-enabled": "true", "ha-statefiles": statefile["uuid"]})

    def cmd_pool_emergency_transition_to_master(self, _cls: str | None) -> None:
        pool = self._pool()
        local = os.environ.get("XE_SIM_LOCAL_HOST") or pool.get("master", "")
        if pool.get("master") == local:
            raise fail("This host is already the master.")
        pool["master"] = self.lookup("host", local)["uuid"]

    def cmd_pool_recover_slaves(self, _cls: str | None) -> None:
        for host in self.objects["host"].values():
            if host.get("down") != "true":
                host["enabled"] = "true"
        self.print_list([h["uuid"] for h in self.objects["host"].values() if h.get("down") != "true"])
