"""One host's roll-out, step by step, each step named in the output and the log: connect (known host keys only),
kernel (`uname -r` must be the bundle's, else the host is skipped with nothing uploaded), check (a host that
passes the post-checks already is `already installed`: no second initrd rebuild), upload (sha256-checked and
resumable, into /root/xenkit/<bundle>/, reused when intact), unpack (into a fresh directory), install
(install.sh, its output streamed to the host's log), post-check; with --reboot then reboot and after reboot
(reboot.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from toolkit.errors import ToolkitError
from toolkit.remote.executor import Executor, run
from toolkit.remote.hosts import HostSpec
from toolkit.report import reporting_to
from toolkit.rollout.bundle import BundleFacts
from toolkit.rollout.postcheck import post_check_problems
from toolkit.rollout.reboot import after_reboot_problems, request_reboot, wait_for_ssh
from toolkit.rollout.result import ALREADY, DRY_RUN_OK, FAILED, INSTALLED, REBOOT_NEEDED, SKIPPED, HostResult

REMOTE_BASE = "/root/xenkit"
INSTALL_TIMEOUT = 3600.0  # install.sh rebuilds initrds: minutes on an old dom0, never an hour
TAIL_LINES = 10
# One command each where two would do: every command is a round trip and a new session (a fork) on the host.
# The bundle's directory made, and the sha256 of a copy already there (nothing printed when there is none).
PREPARE = 'mkdir -p "$1" && { sha256sum "$2" 2>/dev/null || true; }'
# A fresh directory under the bundle's, the bundle unpacked into it; its path printed.
UNPACK = 'd=$(mktemp -d "$1/run.XXXXXX") && tar -xzf "$2" -C "$d" && echo "$d"'

Note = Callable[[str], None]  # one progress line about this host


@dataclass(frozen=True)
class RunOptions:
    dry_run: bool = False
    reboot: bool = False
    reboot_timeout: float = 900.0


class StepFailed(ToolkitError):
    """A step found a problem: the host failed at that step (the message says why)."""

    def __init__(self, message: str, tail: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.tail = tail


class Skipped(ToolkitError):
    """The host is not one the bundle is for; nothing was changed on it."""


def install_on_host(spec: HostSpec, bundle: BundleFacts, options: RunOptions, log_path: Path,
                    note: Note) -> HostResult:
    """Every step on one host; the outcome, never an exception (but KeyboardInterrupt, which threads never get)."""
    from toolkit.remote.ssh import connect

    started = time.monotonic()
    step = "connect"
    with log_path.open("ab") as log, reporting_to(note):
        def enter(name: str, doing: str) -> None:
            nonlocal step
            step = name
            note(doing)
            log.write(f"xenkit: {doing}\n".encode())
            log.flush()

        def ended(result: str, reason: str | None = None, tail: tuple[str, ...] = ()) -> HostResult:
            failed_step = step if result == FAILED else None
            log.write(f"xenkit: {result}{f' at {failed_step}' if failed_step else ''}"
                      f"{f': {reason}' if reason else ''}\n".encode())
            return HostResult(spec.label, result, failed_step, reason, time.monotonic() - started, log_path, tail)

        try:
            enter("connect", f"connect: {spec}")
            executor = connect(spec)
            try:
                result = _steps(executor, bundle, options, enter, log)
                if result != REBOOT_NEEDED or not options.reboot:
                    return ended(result)
                enter("reboot", "reboot: rebooting the host")
                request_reboot(executor)
            finally:
                executor.close()
            enter("reboot", f"reboot: waiting for SSH to answer again (up to {options.reboot_timeout:g} s)")
            back = wait_for_ssh(spec, options.reboot_timeout)
            try:
                enter("after reboot", "after reboot: uname -r, the module loaded, multipath -ll (saved to the log)")
                problems = after_reboot_problems(back, bundle, log)
            finally:
                back.close()
            if problems:
                raise StepFailed("; ".join(problems))
            return ended(INSTALLED)
        except Skipped as exc:
            return ended(SKIPPED, exc.message)
        except StepFailed as exc:
            return ended(FAILED, exc.message, exc.tail)
        except ToolkitError as exc:
            return ended(FAILED, exc.message)
        except OSError as exc:
            return ended(FAILED, str(exc) or type(exc).__name__)


def _steps(ex: Executor, bundle: BundleFacts, options: RunOptions, enter: Callable[[str, str], None],
           log: BinaryIO) -> str:
    enter("kernel", "kernel: uname -r")
    running = run(ex, ["uname", "-r"], step="uname -r").text().strip()
    if running != bundle.kernel:
        raise Skipped(f"runs kernel {running}, the bundle is for {bundle.kernel}")
    if not options.dry_run:
        enter("check", "check: is the bundle installed already?")
        if not post_check_problems(ex, bundle, running):
            return ALREADY
    enter("upload", f"upload: {bundle.path.name} to {REMOTE_BASE}/{bundle.stem}/")
    remote = _upload(ex, bundle, log)
    enter("unpack", "unpack: into a fresh directory")
    directory = run(ex, ["sh", "-c", UNPACK, "sh", f"{REMOTE_BASE}/{bundle.stem}", remote],
                    step="unpacking the bundle (mktemp -d, tar -xzf)").text().strip()
    script = f"{directory}/{bundle.stem}/install.sh"
    enter("install", f"install: bash {script}{' --dry-run' if options.dry_run else ''}")
    _install(ex, script, options, log)
    if options.dry_run:
        return DRY_RUN_OK
    enter("post-check", "post-check: rpm -q, the module's sha256 and vermagic, the initrd, multipath.conf")
    problems = post_check_problems(ex, bundle, running)
    if problems:
        raise StepFailed("; ".join(problems))
    return REBOOT_NEEDED


def _upload(ex: Executor, bundle: BundleFacts, log: BinaryIO) -> str:
    """The bundle's path on the host: the copy already there when its sha256 is right, else a new (or resumed)
    upload, sha256-checked by put()."""
    directory = f"{REMOTE_BASE}/{bundle.stem}"
    remote = f"{directory}/{bundle.path.name}"
    there = run(ex, ["sh", "-c", PREPARE, "sh", directory, remote], step=f"mkdir -p {directory}")
    if there.text().split()[:1] == [bundle.sha256]:
        log.write(f"xenkit: {remote} is already there, sha256 ok: not uploaded again\n".encode())
        return remote
    sent = ex.put(bundle.path, remote)
    resumed = f", resumed at {sent.resumed_from} bytes" if sent.resumed_from else ""
    log.write(f"xenkit: uploaded {remote}, sha256 {sent.sha256} ok{resumed}\n".encode())
    return remote


def _install(ex: Executor, script: str, options: RunOptions, log: BinaryIO) -> None:
    def to_log(_stream: str, chunk: bytes) -> None:
        log.write(chunk)
        log.flush()

    argv = ["bash", script, *(["--dry-run"] if options.dry_run else [])]
    result = ex.run(argv, timeout=INSTALL_TIMEOUT, on_output=to_log, step="install.sh")
    if not result.ok:
        tail = tuple(result.output_tail(TAIL_LINES).splitlines())
        raise StepFailed(f"install.sh failed (exit {result.status}); its log says why", tail)
