"""`xenkit bootargs` and `xenkit vm install`."""

from __future__ import annotations

from pathlib import Path

import click

from toolkit.cli.completion import complete_profiles
from toolkit.cli.hostopts import host_options, print_option, print_or_run
from toolkit.cli.options import (
    check_profile_fit,
    emit,
    guest_network_options,
    guest_options,
    make_guest_network,
    output_option,
)
from toolkit.inputs.guest_fields import DISK, KS, MEMORY, NAME, NETWORK, REPO, TEMPLATE, VCPUS, XENSERVER


@click.command()
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_profiles)
@guest_network_options
@guest_options(
    KS.with_help("Kickstart URL (d-i: preseed URL; autoinstall: NoCloud directory URL ending in /)."),
    REPO.with_help("Install repository, where the installer needs inst.repo= (default: the profile's)."),
)
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

    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    data = BootInput(network, KS.from_cli(ks_url), REPO.from_cli_optional(repo))
    check_profile_fit(profile, network, data.ks_url, data.repo)
    emit(render_bootargs(profile, data) + "\n", output)


@click.group()
def vm() -> None:
    """Plans that create guests with xe."""


@vm.command("install")
@click.argument("profile_name", metavar="PROFILE", shell_complete=complete_profiles)
@guest_options(
    NAME, REPO.with_help("Install repository (other-config:install-repository; default: the profile's)."),
    KS, NETWORK, TEMPLATE, MEMORY, VCPUS, DISK, XENSERVER,
)
@guest_network_options
@output_option
@print_option
@host_options
def vm_install(
    profile_name: str, name: str, repo: str | None, ks_url: str, network_name: str, template: str | None,
    memory: str, vcpus: int, disk: str, xenserver: str | None, hostname: str, ip: str, gateway: str,
    nameservers: tuple[str, ...], interface: str, output: Path | None, print_only: bool, host: str | None,
    trust_new_host: bool,
) -> None:
    """Print a bash script (set -euo pipefail) that creates and starts a VM with xe, or run it (--host).

    It finds the network and template, refuses an existing VM of that name, runs vm-install, sets
    memory, vCPUs, grows the system disk, adds a VIF; for a PV template it sets
    other-config:install-repository and PV-args (see xenkit bootargs) and starts the VM. If a step fails,
    the VM it created is uninstalled. --xenserver VERSION names the pool's release, which names the
    template and whether it installs PV or HVM (xenkit profile list); without it the plan tries each name
    the template has had, newest first. Every xe command is checked against xe's command table of that
    release (without one: against 6.0's and today's) before the script is printed. The script prints the
    new VM's uuid, and only that, on stdout. With --host dom0 the same steps run there over SSH.
    PROFILE is any profile of `xenkit profile list`.

    \b
    Example:
      xenkit vm install fedora17-xenserver --xenserver 6.0.2 --name web1 \\
        --ks http://192.0.2.2/ks/web1.cfg --network "Pool-wide network associated with eth0" \\
        --hostname web1.example.com --ip 192.0.2.10/24 --gateway 192.0.2.1 --nameserver 192.0.2.53 \\
        -o web1-install.sh
    """
    from toolkit.catalog.profiles import BootMode, get_profile
    from toolkit.errors import ValidationError
    from toolkit.generate.vm_install import VmInstallInput, build_vm_install_plan, choose_template

    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    data = VmInstallInput(
        name=NAME.from_cli(name),
        network_name=NETWORK.from_cli(network_name),
        network=network,
        ks_url=KS.from_cli(ks_url),
        repo=REPO.from_cli_optional(repo),
        template=TEMPLATE.from_cli_optional(template),
        memory=MEMORY.from_cli(memory),
        vcpus=VCPUS.from_cli(vcpus),
        disk=DISK.from_cli(disk),
        xenserver=XENSERVER.from_cli_optional(xenserver),
    )
    check_profile_fit(profile, network, data.ks_url, data.repo)
    choice = choose_template(profile, data)
    if choice.mode is BootMode.HVM and data.repo is not None:
        raise ValidationError(REPO.option_name, f"template {choice.shown} is HVM: it ignores "
                              "other-config:install-repository and PV-args, so --repo would do nothing",
                              hint="leave --repo out; an HVM install takes its repository from the answer file")
    if choice.hint and choice.release is not None:
        click.echo(f"warning: {choice.hint}", err=True)
    plan = build_vm_install_plan(profile, data)
    print_or_run(plan, host, print_only, trust_new_host, output)
