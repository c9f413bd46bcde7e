"""`xenkit vm recover`: restart a hung VM the blog's way, printed or run on the host."""

from __future__ import annotations

import click

from toolkit.cli.hostopts import host_options


@click.command("recover")
@host_options
@click.option("--print", "print_only", is_flag=True, help="Print the plan as a bash script (the default).")
@click.option("--name", "vm_name", metavar="NAME", help="The VM, by name-label (it must name exactly one).")
@click.option("--uuid", "vm_uuid", metavar="UUID", help="The VM, by uuid.")
@click.option("--wait", type=click.IntRange(10, 3600), default=180, show_default=True, metavar="S",
              help="How long each step may take before the next is tried (the blog: up to 3 minutes).")
def recover(host: str | None, trust_new_host: bool, print_only: bool, vm_name: str | None, vm_uuid: str | None,
            wait: int) -> None:
    """Restart a hung VM when XenCenter's Reboot and Force Reboot do not work.

    Step by step, each one printed with its result and checked before the next: `xe vm-reboot
    --force`; if the VM's domain is still there (its id from list_domains),
    `/opt/xensource/debug/destroy_domain -domid N` and `vm-reboot --force` again; as the last
    resort `xe vm-reset-powerstate --force` (xapi's record only) and `vm-start`. Each step waits up
    to --wait seconds for the VM to run again in a new domain. Refuses dom0, and a VM that is not
    running or paused.

    \b
    Examples:
      xenkit vm recover --host dom0 --name "web 1"
      xenkit vm recover --print --uuid 8d3c0e52-... > recover.sh
    """
    from toolkit.cli.hostopts import print_or_run_script
    from toolkit.generate.vm_recover import render_recover

    if print_or_run_script(render_recover(vm_uuid, vm_name, wait=wait), host, trust_new_host, print_only,
                           timeout=wait * 8 + 120, what="vm recover") is not None:
        click.echo(f"{host}: the VM runs again")
