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
# The status commands, also run as the last part of `host doctor`'s one script (so nothing here exits early).
STATUS_SCRIPT_BODY = (
    "PATH=$PATH:/sbin:/usr/sbin\n"
    "if command -v mpathutil >/dev/null 2>&1 && out=$(mpathutil status 2>/dev/null); then\n"
    f"  echo '{_SOURCE_MARK}mpathutil status'; printf '%s\\n' \"$out\"\n"
    "elif command -v multipath >/dev/null 2>&1; then\n"
    f"  echo '{_SOURCE_MARK}multipath -ll'; multipath -ll\n"
    "else\n"
    "  echo 'neither mpathutil nor multipath is installed' >&2; false\n"
    "fi\n"
)
STATUS_TIMEOUT = 180.0  # mpathutil alone may wait 120 s for multipathd


@dataclass(frozen=True)
class HostStatus:
    source: str  # the command whose output `text` is
    text: str


def read_host_status(ex: Executor) -> HostStatus:
    result = run(ex, ["sh", "-c", STATUS_SCRIPT_BODY], what=f"{ex.name}: reading the multipath status",
                 timeout=STATUS_TIMEOUT)
    return split_status(result.stdout.decode("utf-8", "replace"))


def split_status(text: str) -> HostStatus:
    """The status script's output: which command answered (its first line), and what it printed."""
    first, _newline, rest = text.partition("\n")
    if not first.startswith(_SOURCE_MARK):
        return HostStatus("multipath -ll", text)
    return HostStatus(first[len(_SOURCE_MARK):], rest)
