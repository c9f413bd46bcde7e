"""`xenkit host`: check a host, run a command on it, copy files to and from it (sha256-checked)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from toolkit.cli.completion import complete_hosts
from toolkit.cli.hostopts import HOST_HELP, open_host
from toolkit.errors import UsageError

_trust = click.option("--trust-new-host", is_flag=True,
                      help="Accept and record the key of a host not yet in known_hosts (a changed key is refused).")
_host = click.option("--host", "host", required=True, metavar="HOST", help=HOST_HELP, shell_complete=complete_hosts)


@click.group()
def host() -> None:
    """Reach a host the way every --host command does: keys only, known host keys only.

    \b
    Examples:
      xenkit host check --host root@192.0.2.5 --trust-new-host
      xenkit host run --host dom0 -- xe host-list --minimal
      xenkit host put bundle.tar.gz /root/bundle.tar.gz --host dom0
      xenkit host list
    """


@host.command("list")
@click.option("--json", "as_json", is_flag=True,
              help="Print them as JSON: the file, its hosts (name, user, address, port, identity, known_hosts, "
                   "legacy) and its groups.")
def list_cmd(as_json: bool) -> None:
    """Show the hosts and groups of the hosts file (xenkit.toml here, else ~/.config/xenkit/xenkit.toml)."""
    from toolkit.remote.hosts import list_hosts

    path, specs, groups = list_hosts()
    if as_json:
        click.echo(json.dumps({
            "file": str(path) if path else None,
            "hosts": [{"name": s.label, "user": s.user, "address": s.address, "port": s.port,
                       "identity": str(s.identity) if s.identity else None,
                       "known_hosts": str(s.known_hosts) if s.known_hosts else None, "legacy": s.legacy}
                      for s in specs],
            "groups": groups}, indent=2))
        return
    if path is None:
        click.echo("no xenkit.toml here or in ~/.config/xenkit/: no hosts or groups defined", err=True)
        return
    click.echo(f"# {path}")
    for spec in specs:
        click.echo(f"{spec.label:20} {spec}{'  (legacy)' if spec.legacy else ''}")
    for name, members in groups.items():
        click.echo(f"group {name}: {' '.join(members)}")


@host.command("check")
@_host
@_trust
def check_cmd(host: str, trust_new_host: bool) -> None:
    """Log in, run `true`, and say so: checks the address, the host key and the login key."""
    with open_host(host, trust_new_host) as executor:
        from toolkit.remote.executor import run

        run(executor, ["true"], timeout=30, step="running true", what=f"{executor.name}: `true`")
        click.echo(f"{executor.name}: ok")


@host.command("run", context_settings={"ignore_unknown_options": True})
@_host
@_trust
@click.option("--timeout", default=600.0, show_default=True, metavar="SECONDS", type=click.FloatRange(min=0.1),
              help="Stop waiting (and close the channel) after this long.")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run_cmd(host: str, trust_new_host: bool, timeout: float, command: tuple[str, ...]) -> None:
    """Run COMMAND (argv, after --) on the host; its output streams here, its exit status is ours."""
    def relay(stream: str, chunk: bytes) -> None:
        target = sys.stdout if stream == "stdout" else sys.stderr
        target.buffer.write(chunk)
        target.flush()

    with open_host(host, trust_new_host) as executor:
        result = executor.run(list(command), timeout=timeout, on_output=relay, step=" ".join(command))
    if result.status:
        raise click.exceptions.Exit(result.status)


@host.command("put")
@click.argument("local", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.argument("remote")
@_host
@_trust
def put_cmd(local: Path, remote: str, host: str, trust_new_host: bool) -> None:
    """Upload LOCAL to REMOTE (an absolute path on the host).

    The file goes to REMOTE.xenkit-part first; the host's sha256sum must match ours before it is
    renamed over REMOTE. Run again after an interrupted upload: it goes on where it stopped.
    """
    from toolkit.remote.progress import TransferProgress

    _absolute(remote)
    with open_host(host, trust_new_host) as executor:
        bar = TransferProgress(f"{local.name} -> {executor.name}:{remote}")
        try:
            sent = executor.put(local, remote, progress=bar)
        except BaseException:
            bar.finish("FAILED")  # end the bar's line so the error starts on its own
            raise
        bar.finish(f"sha256 ok{f', resumed at {sent.resumed_from} bytes' if sent.resumed_from else ''}")
    click.echo(f"{sent.sha256}  {remote}")


@host.command("get")
@click.argument("remote")
@click.argument("local", type=click.Path(path_type=Path))
@_host
@_trust
def get_cmd(remote: str, local: Path, host: str, trust_new_host: bool) -> None:
    """Download REMOTE (an absolute path on the host) to LOCAL (a file or a directory).

    LOCAL is replaced only once the sha256 of what arrived matches the host's sha256sum.
    """
    from toolkit.remote.progress import TransferProgress

    _absolute(remote)
    if local.is_dir():
        local = local / remote.rsplit("/", 1)[-1]
    with open_host(host, trust_new_host) as executor:
        bar = TransferProgress(f"{executor.name}:{remote} -> {local}")
        try:
            got = executor.get(remote, local, progress=bar)
        except BaseException:
            bar.finish("FAILED")
            raise
        bar.finish("sha256 ok")
    click.echo(f"{got.sha256}  {local}")


def _absolute(remote: str) -> None:
    if not remote.startswith("/") or "\0" in remote:
        raise UsageError(f'remote path "{remote}": give an absolute path on the host, e.g. /root/file')


@host.command("doctor")
@_host
@_trust
@click.option("--json", "as_json", is_flag=True, help="Print {host, ok, findings: [{level, check, detail, fix}]}.")
@click.option("--bundle", type=click.Path(dir_okay=False, path_type=Path), metavar="FILE",
              help="Also compare the installed driver with this bundle's exact bytes (as `driver install` checks).")
def doctor(host: str, trust_new_host: bool, as_json: bool, bundle: Path | None) -> None:
    """Check a dom0 against everything xenkit knows can go wrong, read-only: OK / WARN / FAIL, with the fix.

    Release and kernel; multipathing against the paths of each SR's LUN (a multipathed SR with one
    usable path is WARN, none FAIL); the lvm.conf filter; SRs with unplugged PBDs and network SRs
    whose server does not answer (5 s each); HA; bonds whose active member has no link; VMs that are
    running or paused without a domain; with --bundle the driver RPMs, module bytes and vermagic,
    initrd and multipath configuration. One SSH connection; everything but --bundle's checks is read
    in one round trip. Exit 0 when nothing FAILs, 1 otherwise.

    \b
    Examples:
      xenkit host doctor --host dom0
      xenkit host doctor --host dom0 --bundle bundles/scsi_dh_alua-<kver>.tar.gz --json
    """
    from toolkit.doctor.checks import FAIL
    from toolkit.doctor.run import examine, worst

    with open_host(host, trust_new_host) as executor:
        findings = examine(executor, host, bundle)
    ok = worst(findings) != FAIL
    if as_json:
        click.echo(json.dumps({"host": host, "ok": ok, "findings": [f.as_json() for f in findings]}, indent=2))
    else:
        for finding in findings:
            click.echo(f"{finding.level:<4}  {finding.check:<10}  {finding.detail}")
            if finding.fix and finding.level != "OK":
                click.echo(f"      {'':<10}  fix: {finding.fix}")
    if not ok:
        raise click.exceptions.Exit(1)
