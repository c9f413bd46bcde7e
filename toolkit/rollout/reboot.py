"""`driver install --reboot`: reboot a host that took the bundle, wait until SSH answers again (with the same host
key: the host's known_hosts entry is checked as on every connection, so a changed key is refused), and check
what only a reboot shows: `uname -r` unchanged, the module loaded (/sys/module/NAME) and the bundle's (its
srcversion; a module without one: the file `modinfo -n` finds for its name is the bundle's, with its sha256 and
vermagic), and the raw `multipath -ll` output saved to the host's log.
"""

from __future__ import annotations

import posixpath
import socket
import time
from contextlib import suppress
from typing import BinaryIO

from toolkit.driver.elfmodinfo import ModinfoError, read_modinfo
from toolkit.driver.rpm_payload import MAX_MODULE
from toolkit.errors import ToolkitError
from toolkit.remote.executor import Executor, run
from toolkit.remote.hosts import HostSpec
from toolkit.rollout.bundle import BundleFacts, ModuleFile
from toolkit.rollout.postcheck import module_problems

POLL = 1.0  # seconds between looks at a rebooting host
PROBE_TIMEOUT = 5.0
# In the background and after a second, so that the command returns (and its channel closes) before the
# host goes down: a reboot that cuts its own session off would look like a dropped connection.
REBOOT_COMMAND = "(sleep 1; reboot) </dev/null >/dev/null 2>&1 &"


class RebootFailed(ToolkitError):
    """The host did not come back, or came back without the driver."""


def request_reboot(ex: Executor) -> None:
    run(ex, ["sh", "-c", REBOOT_COMMAND], step="reboot")


def wait_for_ssh(spec: HostSpec, timeout: float) -> Executor:
    """A new connection once the host has gone down and its sshd greets again; RebootFailed after `timeout`.

    Only the greeting is waited for: a host that answers and then refuses us (a changed host key, a key no
    longer authorized) fails at once.
    """
    from toolkit.remote.ssh import connect

    deadline = time.monotonic() + timeout
    went_down = False
    while time.monotonic() < deadline:
        if not _greets(spec, min(PROBE_TIMEOUT, max(0.1, deadline - time.monotonic()))):
            went_down = True
        elif went_down:
            return connect(spec)
        time.sleep(POLL)
    what = "did not answer SSH again" if went_down else "did not go down"
    raise RebootFailed(f"{what} within {timeout:g} s of the reboot (--reboot-timeout)")


def _greets(spec: HostSpec, timeout: float) -> bool:
    with suppress(OSError), socket.create_connection((spec.address, spec.port), timeout=timeout) as conn:
        return conn.recv(64).startswith(b"SSH-")
    return False


def after_reboot_problems(ex: Executor, bundle: BundleFacts, log: BinaryIO) -> list[str]:
    """What is wrong after the reboot, one line each; `multipath -ll` goes to the log, as it is."""
    problems = []
    running = run(ex, ["uname", "-r"], step="uname -r").text().strip()
    if running != bundle.kernel:
        problems.append(f"runs kernel {running} after the reboot, not {bundle.kernel}")
    for module in bundle.modules:
        problems.extend(_loaded_problems(ex, module, bundle.kernel))
    paths = run(ex, ["multipath", "-ll"], check=False, step="multipath -ll")
    log.write(f"xenkit: multipath -ll (exit {paths.status}):\n".encode() + paths.stdout + paths.stderr)
    return problems


def _loaded_problems(ex: Executor, module: ModuleFile, kver: str) -> list[str]:
    name = module.name.split(".ko")[0].replace("-", "_")  # as the kernel names it under /sys/module
    sysfs = f"/sys/module/{name}"
    if ex.stat(sysfs) is None:
        return [f"module {name} is not loaded after the reboot ({sysfs} is missing)"]
    try:
        wanted = read_modinfo(ex.read_bytes(module.path, MAX_MODULE)).first("srcversion")
    except ModinfoError:
        wanted = None  # a compressed module: its bytes were checked before the reboot
    if wanted is None:
        return _loaded_file_problems(ex, module, name, kver)
    loaded = ex.read_bytes(f"{sysfs}/srcversion", 4096).decode("ascii", "replace").strip()
    if loaded != wanted:
        return [f"module {name} loaded is not the bundle's (srcversion {loaded}, the bundle's {wanted})"]
    return []


def _loaded_file_problems(ex: Executor, module: ModuleFile, name: str, kver: str) -> list[str]:
    """Without a srcversion, sysfs cannot tell which file was loaded: then the file the kernel loads by this name
    (`modinfo -n`, resolved through modules.dep as modprobe does) must be the bundle's, and that file must still
    have the bundle's bytes (sha256) and a vermagic naming the running kernel."""
    found = run(ex, ["modinfo", "-k", kver, "-n", name], check=False, step=f"modinfo -n {name}")
    path = found.text().strip()
    if not found.ok or not path:
        return [f"module {name}: `modinfo -n` finds no file for it: {found.output_tail(1) or 'no output'}"]
    if posixpath.normpath(path) != posixpath.normpath(module.path):
        return [f"module {name} loaded is {path}, not the bundle's {module.path} (it has no srcversion: the file "
                "the kernel loads by name is checked)"]
    return module_problems(ex, module, kver)
