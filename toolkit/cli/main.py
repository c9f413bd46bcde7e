"""The `xenkit` command: click parses, generators do the work, errors are rendered once here.

`main(argv) -> int` never raises: a ToolkitError becomes `error: ...` (plus `hint: ...`) with exit 2
for bad input and 1 for a failed operation; a traceback only with --debug. Command modules import
their heavy libraries (jinja2, pykickstart, paramiko) inside the command, so `xenkit --help` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from toolkit import __version__
from toolkit.cli.cmdline import DEBUG, CommandLine, missing_parameters, read_command_line
from toolkit.cli.lazy import LazyGroup
from toolkit.errors import ToolkitError

EPILOG = """\b
Examples:
  xenkit profile list [--xenserver 6.0.2]
  xenkit kickstart render fedora17-xenserver --hostname web1.example.com --ip 192.0.2.10/24 \\
      --gateway 192.0.2.1 --nameserver 192.0.2.53 --root-password-file pw.txt -o ks.cfg
  xenkit preseed render ubuntu1204-di --hostname web2.example.com ... --root-password-file pw.txt -o preseed.cfg
  xenkit bootargs fedora17-xenserver ... --ks http://web.example.com/ks/web1.cfg
  xenkit vm install fedora17-xenserver --name web1 --network "Pool-wide network associated with eth0" ...
  xenkit render examples/site.toml -o out/
  xenkit template releases
  xenkit template clone precise --host root@xenserver1
  xenkit fstab nobarrier --host root@guest1 --diff
  xenkit ddk import XenServer-6.0.2-DDK.iso --host root@xenserver1 --sr-name "NFS ISO library" --network ...
  xenkit driver build scsi_dh_alua --build-host root@ddk --kernel KVER --source RHEL6_MPIO_Setup_20110712.zip
"""


# Each command's module is imported only when that command runs (toolkit/cli/lazy.py).
COMMANDS = {
    "kickstart": "toolkit.cli.kickstart:kickstart",
    "profile": "toolkit.cli.profile:profile",
    "autoinstall": "toolkit.cli.autoinstall:autoinstall",
    "preseed": "toolkit.cli.preseed:preseed",
    "fstab": "toolkit.cli.fstab:fstab",
    "bootargs": "toolkit.cli.install:bootargs",
    "vm": "toolkit.cli.install:vm",
    "seed-volume": "toolkit.cli.seed_volume:seed_volume",
    "render": "toolkit.cli.site:render",
    "template": "toolkit.cli.template:template",
    "host": "toolkit.cli.host:host",
    "driver": "toolkit.cli.driver:driver",
    "ddk": "toolkit.cli.ddk:ddk",
    "multipath": "toolkit.cli.multipath:multipath",
    "lvm": "toolkit.cli.lvm:lvm",
    "bond": "toolkit.cli.bond:bond",
    "bench": "toolkit.cli.bench:bench",
    "sr": "toolkit.cli.sr:sr",
    "pool": "toolkit.cli.pool:pool",
    "completion": "toolkit.cli.completion:completion",
}


@click.group(cls=LazyGroup, lazy=COMMANDS, epilog=EPILOG,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="xenkit", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show a full traceback when a command fails (also after the command).")
def cli(debug: bool) -> None:
    """Kickstarts, boot arguments, templates and xe plans for XenServer / Citrix Hypervisor / XCP-ng.

    Generators print to standard output (or -o FILE, written atomically). Plans print as bash
    scripts to review and run in dom0, or run there over SSH with --host (keys only, known host
    keys only; see `xenkit host --help`). Exit codes: 0 success, 1 a failed operation, 2 bad input.
    """


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    line: CommandLine | None = None
    debug = DEBUG in args[: args.index("--") if "--" in args else None]  # until the line is read (it loads modules)
    try:
        line = read_command_line(cli, args)
        debug = line.debug
        result = cli.main(args=line.args, prog_name="xenkit", standalone_mode=False)
        if isinstance(result, int):  # a command's click.exceptions.Exit(code), returned in this mode
            return result
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.Abort:
        click.echo("error: aborted", err=True)
        return 1
    except click.UsageError as exc:
        if type(exc).__name__ == "NoArgsIsHelpError" and exc.ctx is not None:
            # A group run without a command: its help is the answer (click >= 8.2 raises for this).
            click.echo(exc.ctx.get_help(), err=True)
            return 2
        command = exc.ctx.command_path if exc.ctx else "xenkit"
        _print_error(_usage_problems(exc, line), f"see '{command} --help'", debug)
        return 2
    except click.ClickException as exc:
        _print_error([exc.format_message()], None, debug)
        return exc.exit_code
    except ToolkitError as exc:
        _print_error(exc.lines(), exc.hint, debug)
        return exc.exit_code
    except KeyboardInterrupt:
        click.echo("error: interrupted", err=True)
        return 130
    except BrokenPipeError:
        return 1
    except Exception as exc:  # a bug of ours: still one line, unless the user asked for the traceback
        hint = "run again with --debug and report the traceback"
        _print_error([f"internal error: {type(exc).__name__}: {exc}"], hint, debug)
        return 1
    return 0


def _usage_problems(exc: click.UsageError, line: CommandLine | None) -> list[str]:
    """click's message; for a missing parameter, one line for each parameter missing (click stops at the first)."""
    if not isinstance(exc, click.MissingParameter) or exc.ctx is None or line is None:
        return [exc.format_message()]
    if exc.ctx.command is not line.command:
        return [exc.format_message()]
    missing = missing_parameters(line)
    if exc.param not in missing:  # not what the scan saw: click's own message is the safe one
        return [exc.format_message()]
    return [click.MissingParameter(ctx=exc.ctx, param=param).format_message() for param in missing]


def _print_error(lines: list[str], hint: str | None, debug: bool) -> None:
    """One `error:` line per problem; a newline inside a value is shown escaped, never split."""
    if debug:
        import traceback  # only here: importing it would slow every start

        traceback.print_exc()
    for line in lines or [""]:
        click.echo(f"error: {_one_line(line)}", err=True)
    if hint:
        click.echo(f"hint: {_one_line(hint)}", err=True)


def _one_line(text: str) -> str:
    return text.strip().replace("\r", "\\r").replace("\n", "\\n")


def run() -> None:
    sys.exit(main())
