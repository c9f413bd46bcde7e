"""A multi-host pool in the xe simulator's state: more hosts (slaves) added to a state file, the master marked down."""

from __future__ import annotations

import json
import uuid
from pathlib import Path


def add_hosts(state_path: Path, names: list[str]) -> dict[str, str]:
    """Add enabled slave hosts named `names` (address 192.0.2.10+i); returns name -> uuid (the master's too)."""
    state = json.loads(state_path.read_text(encoding="utf-8"))
    hosts = state["objects"]["host"]
    master = next(iter(hosts.values()))
    made = {master["name-label"]: master["uuid"]}
    for number, name in enumerate(names, 1):
        record = {k: v for k, v in master.items() if k not in ("uuid", "name-label", "hostname", "address")}
        host = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"xenkit-test-host-{name}"))
        record.update({"uuid": host, "name-label": name, "hostname": name, "address": f"192.0.2.{10 + number}",
                       "enabled": "true"})
        hosts[host] = record
        made[name] = host
    master.setdefault("address", "192.0.2.10")
    state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
    return made


def set_host(state_path: Path, host: str, **fields: str) -> None:
    state = json.loads(state_path.read_text(encoding="utf-8"))
    state["objects"]["host"][host].update({k.replace("_", "-"): v for k, v in fields.items()})
    state_path.write_text(json.dumps(state, indent=1) + "\n", encoding="utf-8")
