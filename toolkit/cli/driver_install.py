"""`xenkit driver install`: a bundle checked here, then installed on dom0 hosts over SSH, canary first."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from toolkit.cli.completion import complete_hosts
from toolkit.errors import UsageError

if TYPE_CHECKING:
    from toolkit.remote.hosts import HostSpec
    from toolkit.rollout.bundle import BundleFacts
    from toolkit.rollout.host_run import RunOptions
    from toolkit.rollout.result import HostResult
    from toolkit.rollout.schedule import Policy

_SAFE = re.compile(r"[^A-Za-z0-9_.@:+-]")


@click.command("install", short_help="Install a driver bundle on hosts over SSH, canary first.")
@click.argument("bundle", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--host", "hosts", multiple=True, metavar="HOST", shell_complete=complete_hosts,
              help="A host to install on (repeat it): [user@]address[:port] or a name from xenkit.toml. Keys only; "
                   "its host key must be known.")
@click.option("--group", metavar="NAME", help="The hosts of [groups] NAME in xenkit.toml, in that order.")
@click.option("--parallel", default=8, show_default=True, type=click.IntRange(min=1), metavar="N",
              help="Hosts worked on at the same time, after the canaries.")
@click.option("--canary", default=1, show_default=True, type=click.IntRange(min=0), metavar="N",
              help="The first N hosts go alone first; the others start only when all of them passed.")
@click.option("--keep-going", is_flag=True, help="Start the remaining hosts even after one failed.")
@click.option("--reboot", is_flag=True,
              help="Reboot each host after the install, wait for SSH, and check the running kernel, the loaded "
                   "module and `multipath -ll` (saved to the log).")
@click.option("--reboot-timeout", default=900.0, show_default=True, type=click.FloatRange(min=1), metavar="SECONDS",
              help="With --reboot: how long to wait for SSH to answer again.")
@click.option("--dry-run", is_flag=True, help="Upload and unpack, then run install.sh --dry-run: nothing is changed.")
@click.option("--json", "as_json", is_flag=True,
              help="Print the summary as JSON: a list of {host, result, step, reason, seconds, log, tail} (tail: "
                   "install.sh's last lines when it failed, else []).")
@click.option("--log-dir", type=click.Path(file_okay=False, path_type=Path), metavar="DIR",
              help="Where each host's log (HOST.log) goes [default: ./xenkit-logs/BUNDLE-TIMESTAMP/].")
def install_cmd(bundle: Path, hosts: tuple[str, ...], group: str | None, parallel: int, canary: int,
                keep_going: bool, reboot: bool, reboot_timeout: float, dry_run: bool, as_json: bool,
                log_dir: Path | None) -> None:
    """Install the driver BUNDLE (from `xenkit driver build`) on each host, and check that it took.

    \b
    Before any connection the bundle is checked as `xenkit driver verify BUNDLE` checks it, against the
    kernel its manifest names: a bad bundle goes nowhere. Then, on each host, each step named:
      connect     known host keys only, as every --host
      kernel      `uname -r` must be the bundle's kernel, else the host is skipped (nothing uploaded)
      check       a host that passes the post-checks already is reported `already installed`
      upload      into /root/xenkit/BUNDLE/, sha256-checked, resumed after a break, reused when intact
      unpack      into a fresh directory there
      install     install.sh (--dry-run: install.sh --dry-run), its output in the host's log
      post-check  `rpm -q`; the module file has the bytes of the .ko in the bundle's RPM (sha256) and its
                  vermagic names the running kernel; the initrd holds the module; /etc/multipath.conf is
                  the bundle's (sha256)
      reboot      with --reboot (below)
      after reboot
    The first --canary hosts go alone first; the others start only when all of those passed, --parallel
    at a time. The first failure stops new hosts from starting (running ones finish) unless --keep-going.
    Ctrl-C stops new hosts and waits for the running ones: install.sh is never killed mid-way (it rolls
    back by itself when it fails); a second Ctrl-C is answered the same way, and the summary follows.
    The new initrd is used from the next boot: without --reboot each host is reported `installed,
    reboot needed`. --reboot reboots each host after its install, waits for SSH
    to answer again with the same host key (up to --reboot-timeout), then checks: `uname -r` unchanged,
    the module loaded (/sys/module/NAME) and the bundle's (its srcversion; a module without one: the
    file `modinfo -n NAME` finds has the bundle's sha256 and vermagic); the raw `multipath -ll` goes to
    the host's log.
    Progress goes to stderr: on a terminal a live table (a row per host: its step and the seconds since it
    started), else a line per host and step.
    Exit codes: 0 every host installed, 1 a host failed, was skipped or not started, 2 bad input.

    \b
    Examples:
      xenkit driver install scsi_dh_alua_CBVTrak-2-1-2.6.32.12-0.7.1.xs6.0.2.542.170665xen.tar.gz --group pool1
      xenkit driver install BUNDLE.tar.gz --host dom0a --host dom0b --canary 1 --parallel 4 --json
    """
    from toolkit.rollout.bundle import check_bundle
    from toolkit.rollout.result import summary_json, summary_lines

    if reboot and dry_run:
        raise UsageError("--reboot and --dry-run: a dry run changes nothing, so there is nothing to reboot into")
    specs = _targets(hosts, group)
    facts = check_bundle(bundle)  # before any connection
    directory = log_dir or Path("xenkit-logs") / f"{facts.stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--log-dir {directory}: cannot be made: {exc.strerror or exc}") from None
    from toolkit.rollout.ctrl_c import CtrlC
    from toolkit.rollout.host_run import RunOptions
    from toolkit.rollout.schedule import Policy

    with CtrlC():  # a Ctrl-C from here on is answered, never raised: the summary is always printed
        results = _roll_out(specs, facts, directory, RunOptions(dry_run, reboot, reboot_timeout),
                            Policy(canary, parallel, keep_going))
        if as_json:
            click.echo(summary_json(results))
        else:
            for line in summary_lines(results):
                click.echo(line)
    if not all(result.ok for result in results):
        raise click.exceptions.Exit(1)


def _targets(hosts: tuple[str, ...], group: str | None) -> list[HostSpec]:
    from toolkit.remote.hosts import resolve_group, resolve_host

    if bool(hosts) == bool(group):
        raise UsageError("give the hosts: --host H (repeated) or --group NAME, not both")
    specs = resolve_group(group) if group else [resolve_host(text) for text in hosts]
    labels = [spec.label for spec in specs]
    twice = sorted({label for label in labels if labels.count(label) > 1})
    if twice:
        raise UsageError(f"--host {twice[0]}: named twice")
    return specs


def _roll_out(specs: list[HostSpec], facts: BundleFacts, directory: Path, options: RunOptions,
              policy: Policy) -> list[HostResult]:
    from toolkit.rollout.host_run import install_on_host
    from toolkit.rollout.progress import progress_for
    from toolkit.rollout.result import NOT_STARTED, SKIPPED, HostResult
    from toolkit.rollout.schedule import run_in_order

    progress = progress_for(sys.stderr, [spec.label for spec in specs])  # a live table on a terminal

    def work(spec: HostSpec) -> HostResult:
        log = directory / f"{_SAFE.sub('_', spec.label)}.log"
        progress.started(spec.label)
        result = install_on_host(spec, facts, options, log, lambda text: progress.step(spec.label, text))
        progress.ended(spec.label, result.shown, result.seconds)
        return result

    def interrupted(running: int, times: int) -> None:
        if not running:
            progress.message("xenkit: Ctrl-C: no new host starts.")
        elif times == 1:
            progress.message(f"xenkit: Ctrl-C: no new host starts; waiting for the {running} running host(s) to "
                             "finish. install.sh is not killed mid-way: it finishes, or rolls back by itself when "
                             "it fails.")
        else:
            progress.message(f"xenkit: Ctrl-C again: still waiting for the {running} running host(s); install.sh "
                             "is not killed mid-way (the summary follows when they end).")

    try:
        outcome = run_in_order(specs, work, policy, passed=lambda r: r.ok,
                               stops=lambda r: r.result != SKIPPED and not r.ok, on_interrupt=interrupted)
    finally:
        progress.close()
    return [result or HostResult(spec.label, NOT_STARTED) for spec, result in zip(specs, outcome.results, strict=True)]
