"""Read a host's multipath status over any executor: `mpathutil status` where it works, else `multipath -ll`.

mpathutil is the storage manager's wrapper around multipathd's `show topology` that XenServer's documentation
recommends; it waits up to two minutes for multipathd and fails when the daemon is not running (multipathing
off), where `multipath -ll` still reads the device-mapper tables. Both only read.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.remote.executor import Executor, run

_SOURCE_MARK = "xenkit-status-source: "
# dom0's non-login SSH sessions may lack /sbin on PATH (mpathutil lives in /sbin on 6.x, /usr/sbin later).
_SCRIPT = (
    "PATH=$PATH:/sbin:/usr/sbin\n"
    "if command -v mpathutil >/dev/null 2>&1 && out=$(mpathutil status 2>/dev/null); then\n"
    f"  echo '{_SOURCE_MARK}mpathutil status'; printf '%s\\n' \"$out\"\n"
    "elif command -v multipath >/dev/null 2>&1; then\n"
    f"  echo '{_SOURCE_MARK}multipath -ll'; exec multipath -ll\n"
    "else\n"
    "  echo 'neither mpathutil nor multipath is installed' >&2; exit 127\n"
    "fi\n"
)
STATUS_TIMEOUT = 180.0  # mpathutil alone may wait 120 s for multipathd


@dataclass(frozen=True)
class HostStatus:
    source: str  # the command whose output `text` is
    text: str


def read_host_status(ex: Executor) -> HostStatus:
    result = run(ex, ["sh", "-c", _SCRIPT], what=f"{ex.name}: reading the multipath status", timeout=STATUS_TIMEOUT)
    first, _newline, rest = result.stdout.decode("utf-8", "replace").partition("\n")
    if not first.startswith(_SOURCE_MARK):
        return HostStatus("multipath -ll", result.stdout.decode("utf-8", "replace"))
    return HostStatus(first[len(_SOURCE_MARK):], rest)
