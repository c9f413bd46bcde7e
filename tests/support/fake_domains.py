"""Fakes of dom0's `list_domains` and `/opt/xensource/debug/destroy_domain`, reading and changing the domains file
the xe simulator also reads ($XE_SIM_DOMAINS, tests/support/xe_sim/xe_sim_domains.py)."""

from __future__ import annotations

import json
from pathlib import Path

_LIST = r'''#!/usr/bin/env python3
import json, os
domains = json.load(open(os.environ["XE_SIM_DOMAINS"]))
print("id |                                 uuid |  state")
for domid in sorted(domains, key=int):
    d = domains[domid]
    print("%2s | %36s | %6s" % (domid, d["uuid"], d.get("state", "B")))
'''

_DESTROY = r'''#!/usr/bin/env python3
import json, os, sys
path = os.environ["XE_SIM_DOMAINS"]
args = sys.argv[1:]
if args[:1] != ["-domid"] or len(args) != 2:
    print("usage: destroy_domain -domid <domid>", file=sys.stderr); sys.exit(2)
domains = json.load(open(path))
if domains.pop(args[1], None) is None:
    print("no domain " + args[1], file=sys.stderr); sys.exit(1)
open(path, "w").write(json.dumps(domains))
'''


def install_fake_domains(bin_dir: Path, domains_file: Path, domains: dict[str, dict[str, object]]) -> None:
    domains_file.write_text(json.dumps(domains), encoding="utf-8")
    for name, text in (("list_domains", _LIST), ("destroy_domain", _DESTROY)):
        path = bin_dir / name
        path.write_text(text, encoding="utf-8")
        path.chmod(0o755)
