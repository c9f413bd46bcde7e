#!/usr/bin/env python3
"""A recording stand-in for `xe`, put on PATH by tests that run generated plans in bash.

It is not the XenServer simulator: it keeps no state. It checks each call against xe's command tables, XenServer
6.0's and today's (the plans it runs are meant for any release; real xe rejects unknown commands), appends
the argv to $XE_LOG as one JSON line, prints a fresh uuid for commands that create or look up one object, and
fails (exit 1, xe-like message) when the command name equals $XE_FAIL_ON.
"""

from __future__ import annotations

import json
import os
import sys
import uuid

sys.path.insert(0, os.environ["XENKIT_SRC"])
from toolkit.catalog.xetable import ANY_RELEASE, problems_in

PRINTS_UUID = {"network-list", "template-list", "vm-install", "vbd-list", "vif-create"}


def main() -> int:
    argv = ["xe", *sys.argv[1:]]
    with open(os.environ["XE_LOG"], "a", encoding="utf-8") as log:
        log.write(json.dumps(argv) + "\n")
    problems = problems_in(argv, ANY_RELEASE)
    if problems:
        print(f"Error: {problems[0]}", file=sys.stderr)
        return 1
    command = argv[1]
    if command == os.environ.get("XE_FAIL_ON"):
        print("The server failed to handle your request, due to an internal error.", file=sys.stderr)
        return 1
    if command in PRINTS_UUID:
        print(uuid.uuid4())
    return 0


if __name__ == "__main__":
    sys.exit(main())
