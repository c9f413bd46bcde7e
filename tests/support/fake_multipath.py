"""A fake `multipath` for sshd test hosts: `multipath -ll` prints a text the test sets (and may change later),
and the blog's two-path map of its Intel Multi-Flex LUN to start from."""

from __future__ import annotations

from pathlib import Path

WWID = "22202000155fdb615"
TWO_PATHS = f"""{WWID} dm-0 Intel,Multi-Flex
[size=100G][features=1 queue_if_no_path][hwhandler=1 alua][rw]
\\_ round-robin 0 [prio=50][active]
 \\_ 0:0:0:0 sda 8:0 [active][ready]
\\_ round-robin 0 [prio=1][enabled]
 \\_ 0:0:1:0 sdb 8:16 [active][ready]
"""


def install_fake_multipath(bin_dir: Path, text: str) -> None:
    """`multipath` in `bin_dir` printing `text`; call again to change what it prints."""
    (bin_dir / "multipath.out").write_text(text, encoding="utf-8")
    fake = bin_dir / "multipath"
    fake.write_text(f"#!/bin/sh\ncat {bin_dir / 'multipath.out'}\n", encoding="utf-8")
    fake.chmod(0o755)
