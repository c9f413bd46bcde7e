"""`xenkit bootargs` and `xenkit vm install`."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.hostopts import host_options, print_option, print_or_run
from toolkit.cli.options import emit, make_guest_network, network_options, output_option


@click.command()
@click.argument("profile_name", metavar="PROFILE")
@network_options
@click.option("--ks", "ks_url", required=True, metavar="URL",
              help="Kickstart URL (d-i: preseed URL; autoinstall: NoCloud directory URL ending in /).")
@click.option("--repo", metavar="URL",
              help="Install repository, where the installer needs inst.repo= (default: the profile's).")
@output_option
def bootargs(
    profile_name: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...], interface: str,
    ks_url: str, repo: str | None, output: Path | None,
) -> None:
    """Print the install boot arguments (XenServer's PV-args, "Advanced OS boot parameters").

    The syntax follows PROFILE's installer: old anaconda (ip= netmask= gateway= dns= ksdevice=),
    dracut (ip=ADDR::GW:MASK:HOST:IFACE:none, one nameserver= each), debian-installer preseed, or
    Ubuntu autoinstall. console=hvc0 is always there. PROFILE is any profile of
    `xenkit kickstart list --all`.

    \b
    Example:
      xenkit bootargs fedora17-xenserver --hostname web1.example.com --ip 192.0.2.10/24 \\
        --gateway 192.0.2.1 --nameserver 192.0.2.53 --ks http://192.0.2.2/ks/web1.cfg
    """
    from toolkit.catalog.profiles import get_profile
    from toolkit.generate.bootargs import BootInput, render_bootargs
    from toolkit.inputs.safetext import check_url

    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface)
    data = BootInput(network, check_url("--ks", ks_url), None if repo is None else check_url("--repo", repo))
    emit(render_bootargs(profile, data) + "\n", output)


@click.group()
def vm() -> None:
    """Plans that create guests with xe."""


@vm.command("install")
@click.argument("profile_name", metavar="PROFILE")
@click.option("--name", required=True, help="Name (name-label) of the new VM.")
@click.option("--repo", metavar="URL",
              help="Install repository (other-config:install-repository; default: the profile's).")
@click.option("--ks", "ks_url", required=True, metavar="URL",
              help="Kickstart (or preseed / NoCloud) URL for the boot arguments.")
@click.option("--network", "network_name", required=True, metavar="NETWORK-NAME",
              help="name-label of the XenServer network for the VIF.")
@click.option("--template", metavar="NAME", help="Template to install from (default: the profile's).")
@click.option("--memory", default="2GiB", show_default=True, help="Memory (static and dynamic), e.g. 2GiB, 512MiB.")
@click.option("--vcpus", default=2, show_default=True, type=int, help="Number of vCPUs (1-64).")
@click.option("--disk", default="20GiB", show_default=True, help="System disk size (grown after vm-install).")
@network_options
@output_option
@print_option
@host_options
def vm_install(
    profile_name: str, name: str, repo: str | None, ks_url: str, network_name: str, template: str | None,
    memory: str, vcpus: int, disk: str, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...],
    interface: str, output: Path | None, print_only: bool, host: str | None, trust_new_host: bool,
) -> None:
    """Print a bash script (set -euo pipefail) that creates and starts a VM with xe, or run it (--host).

    It finds the network and template, refuses an existing VM of that name, runs vm-install, sets
    other-config:install-repository, PV-args (see xenkit bootargs), memory, vCPUs, grows the
    system disk, adds a VIF and starts the VM. If a step fails, the VM it created is uninstalled.
    Every xe command is checked against xe's own command table before the script is printed.
    With --host dom0 the same steps run there over SSH and the new VM's uuid is printed.
    PROFILE is any profile of `xenkit kickstart list --all`.

    \b
    Example:
      xenkit vm install fedora17-xenserver --name web1 --ks http://192.0.2.2/ks/web1.cfg \\
        --network "Pool-wide network associated with eth0" --hostname web1.example.com \\
        --ip 192.0.2.10/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 -o web1-install.sh
    """
    from toolkit.catalog.profiles import get_profile
    from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan, hvm_warning
    from toolkit.inputs.safetext import check_label, check_url
    from toolkit.inputs.sizes import parse_disk, parse_memory, parse_vcpus

    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface)
    data = VmInstallInput(
        name=check_label("--name", name),
        network_name=check_label("--network", network_name),
        network=network,
        ks_url=check_url("--ks", ks_url),
        repo=None if repo is None else check_url("--repo", repo),
        template=None if template is None else check_label("--template", template),
        memory=parse_memory("--memory", memory),
        vcpus=parse_vcpus("--vcpus", vcpus),
        disk=parse_disk("--disk", disk),
    )
    plan = build_vm_install_plan(profile, data)
    warning = hvm_warning(profile, data.template or profile.template)
    if warning:
        click.echo(f"warning: {warning}", err=True)
    print_or_run(plan, host, print_only, trust_new_host, output)
