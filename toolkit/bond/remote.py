"""`bond status` and `bond active-slave --install` on a host, through one executor."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass

from toolkit.bond.show import Bond, parse_bond_show
from toolkit.errors import ToolkitError, UsageError
from toolkit.generate.bond_active import BondChoice, render_installer
from toolkit.remote.executor import Executor, run

_MARK = "xenkit-bond: "
# Every bond's show in one round trip, each after a marked line with its name.
_SHOW_ALL = (
    "PATH=$PATH:/usr/sbin:/usr/bin:/sbin:/bin\n"
    "command -v ovs-appctl >/dev/null 2>&1 || { echo 'ovs-appctl not found: is this a dom0?' >&2; exit 127; }\n"
    'for b in ${XENKIT_BONDS:-$(ovs-appctl bond/list | awk -F"\\t" \'NR > 1 { print $1 }\')}; do\n'
    f'  echo "{_MARK}$b"; ovs-appctl bond/show "$b"\n'
    "done\n"
)
_FIRST_RUN = re.compile(r"^first run: exit (\d+)$", re.M)


def read_bonds(ex: Executor, only: str | None = None) -> list[Bond]:
    script = _SHOW_ALL if only is None else f"XENKIT_BONDS={shlex.quote(only)}\n{_SHOW_ALL}"
    result = run(ex, ["sh", "-c", script], check=False)
    if only is not None and not result.ok:
        said = result.output_tail(1).strip() or f"exit {result.status}"
        raise UsageError(f"{ex.name}: bond {only!r}: ovs-appctl bond/show says: {said}")
    text = result.check(f"{ex.name}: reading the bonds (ovs-appctl)").text()
    bonds: list[Bond] = []
    name: str | None = None
    lines: list[str] = []
    for line in [*text.splitlines(), _MARK]:
        if line.startswith(_MARK):
            if name is not None:
                bonds.append(parse_bond_show(name, "\n".join(lines)))
            name, lines = line[len(_MARK):].strip(), []
        else:
            lines.append(line)
    if only is not None and not any(b.name == only and b.members for b in bonds):
        raise UsageError(f"{ex.name}: bond {only!r}: ovs-appctl shows no such bond with members")
    return bonds


@dataclass(frozen=True)
class InstallOutcome:
    installed: bool
    first_run_status: int | None
    output: str


def install(ex: Executor, choice: BondChoice, on_line: Callable[[str], None]) -> InstallOutcome:
    """Run the installer (the same text `--print` shows) in the host's bash, its output passed on line by line."""
    pending = {"stdout": b"", "stderr": b""}

    def forward(stream: str, chunk: bytes) -> None:
        *complete, pending[stream] = (pending.get(stream, b"") + chunk).split(b"\n")
        for line in complete:
            on_line(line.decode("utf-8", "replace"))

    result = run(ex, ["bash", "-s"], stdin=render_installer(choice).encode(), check=False, on_output=forward,
                 what=f"{ex.name}: installing {choice.name}")
    for rest in pending.values():
        if rest:
            on_line(rest.decode("utf-8", "replace"))
    output = result.stdout.decode("utf-8", "replace") + result.stderr.decode("utf-8", "replace")
    first_run = _FIRST_RUN.search(output)
    if first_run is None:
        raise ToolkitError(f"{ex.name}: installing {choice.name} failed (exit {result.status}); the installer put "
                           "back every file it had written")
    return InstallOutcome(True, int(first_run.group(1)), output)
