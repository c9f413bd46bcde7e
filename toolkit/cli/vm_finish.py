"""`xenkit vm finish-install`: after an HVM install from ISO and seed volume, boot the VM from its disk."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.hostopts import host_options, print_option, print_or_run
from toolkit.cli.options import output_option
from toolkit.inputs.guest_fields import NAME


@click.command("finish-install")
@click.option("--name", "name", required=True, metavar="NAME", help="Name (name-label) of the installed VM.")
@click.option("--no-start", "no_start", is_flag=True, help="Leave the VM halted.")
@output_option
@print_option
@host_options
def finish_install(name: str, no_start: bool, output: Path | None, print_only: bool, host: str | None,
                   trust_new_host: bool) -> None:
    """End an HVM install started by `xenkit vm install --iso`: seed volume out, disk first, start.

    The installer powers the VM off when it is done (the seed volume's kickstart says so). Then
    this plan removes the seed volume's CD drive, ejects the install ISO (its drive stays, empty),
    sets the boot order to disk first (HVM-boot-params:order=cd) and starts the VM. It refuses a
    VM that is still running. Printed as a bash script, or run with --host; prints the VM's uuid.

    \b
    Example:
      xenkit vm finish-install --host root@xenserver1 --name web1
    """
    from toolkit.generate.vm_finish_install import FinishInput, build_finish_install_plan

    plan = build_finish_install_plan(FinishInput(NAME.from_cli(name), start=not no_start))
    print_or_run(plan, host, print_only, trust_new_host, output)
