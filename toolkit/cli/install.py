"""`xenkit bootargs` and `xenkit vm install`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

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
from toolkit.errors import UsageError
from toolkit.inputs.guest_fields import (
    DISK,
    ISO,
    KS,
    MAC,
    MEMORY,
    NAME,
    NETWORK,
    REPO,
    SEED,
    SEED_ISO,
    TEMPLATE,
    VCPUS,
    XENSERVER,
)

if TYPE_CHECKING:
    from toolkit.generate.vm_install_hvm import HvmInstallInput
    from toolkit.plan.model import Plan


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
    KS, NETWORK, TEMPLATE, MEMORY, VCPUS, DISK, XENSERVER, MAC, ISO, SEED_ISO, SEED,
)
@guest_network_options
@output_option
@print_option
@host_options
def vm_install(
    profile_name: str, name: str, repo: str | None, ks_url: str, network_name: str, template: str | None,
    memory: str, vcpus: int, disk: str, xenserver: str | None, mac: str | None, iso: str | None,
    seed_iso: str | None, seed: Path | None, hostname: str, ip: str, gateway: str, nameservers: tuple[str, ...],
    interface: str, output: Path | None, print_only: bool, host: str | None, trust_new_host: bool,
) -> None:
    """Print a bash script (set -euo pipefail) that creates and starts a VM with xe, or run it (--host).

    It finds the network and template, refuses an existing VM of that name, runs vm-install, sets
    memory, vCPUs, grows the system disk, adds a VIF; for a PV template it sets
    other-config:install-repository and PV-args (see xenkit bootargs); then it starts the VM. If a step
    fails, the VM it created is uninstalled. --xenserver VERSION names the pool's release, which names the
    template and whether it installs PV or HVM (xenkit profile list); without it the plan tries each name
    the template has had, newest first. Every xe command is checked against xe's command table of that
    release (without one: against 6.0's and today's) before the script is printed. The script prints the
    new VM's uuid, and only that, on stdout. With --host dom0 the same steps run there over SSH.
    PROFILE is any profile of `xenkit profile list`. The VIF gets --mac, by default 00:16:3e plus 3
    bytes derived from --name (what `xenkit seed-volume --name` pins the NIC to).

    An HVM template (every EL7+, Rocky, Fedora and Ubuntu 14.04+ one) ignores PV-args and
    install-repository: it needs --iso, the install ISO, and a seed volume (xenkit seed-volume), both
    looked up by name in the pool's ISO SRs and attached as CD drives 3 and 1, CD first in the boot
    order. The seed volume is --seed-iso (default NAME-seed.iso); with --host and --seed FILE the image
    is uploaded there first. When the installer has powered the VM off, `xenkit vm finish-install`
    boots it from its disk.

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
    from toolkit.inputs.mac import mac_for_vm, pinned_by_mac

    profile = get_profile(profile_name)
    network = make_guest_network(hostname, ip, gateway, nameservers, interface, on_link_gateway=True)
    vm_name = NAME.from_cli(name)
    hvm = _hvm_input(vm_name, iso, seed_iso, seed, host)
    vm_mac = MAC.from_cli_optional(mac) or network.mac or mac_for_vm(vm_name)
    if hvm is not None or mac is not None:  # the seed's kickstart finds its NIC by this MAC
        network = pinned_by_mac(network, vm_mac)
    data = VmInstallInput(
        name=vm_name,
        network_name=NETWORK.from_cli(network_name),
        network=network,
        ks_url=KS.from_cli(ks_url),
        repo=REPO.from_cli_optional(repo),
        template=TEMPLATE.from_cli_optional(template),
        memory=MEMORY.from_cli(memory),
        vcpus=VCPUS.from_cli(vcpus),
        disk=DISK.from_cli(disk),
        xenserver=XENSERVER.from_cli_optional(xenserver),
        mac=vm_mac,
        hvm=hvm,
    )
    check_profile_fit(profile, network, data.ks_url, data.repo)
    choice = choose_template(profile, data)
    if choice.mode is BootMode.HVM and data.repo is not None:
        raise ValidationError(REPO.option_name, f"template {choice.shown} is HVM: it ignores "
                              "other-config:install-repository and PV-args, so --repo would do nothing",
                              hint="leave --repo out; an HVM install takes its repository from the answer file")
    plan = build_vm_install_plan(profile, data)
    if choice.hint and choice.release is not None:
        click.echo(f"warning: {choice.hint}", err=True)
    if hvm is not None and seed is not None and host is not None and not print_only:
        _install_with_upload(plan, hvm, seed, host, trust_new_host, output)
        return
    if hvm is not None and host is None:
        plan.notes.append(f'The seed volume must already be in an ISO SR as "{hvm.seed_iso}" (xenkit seed-volume '
                          "writes it; copy it into the ISO library and `xe sr-scan` the SR): this script cannot "
                          "upload it.")
    print_or_run(plan, host, print_only, trust_new_host, output)


def _hvm_input(name: str, iso: str | None, seed_iso: str | None, seed: Path | None,
               host: str | None) -> HvmInstallInput | None:
    """--iso makes an HVM install (build_vm_install_plan refuses it for a PV template); --seed-iso and --seed
    belong to it, and --seed needs --host."""
    from toolkit.generate.vm_install_hvm import HvmInstallInput, seed_iso_name

    if iso is None:
        for given, option in ((seed_iso, SEED_ISO), (seed, SEED)):
            if given is not None:
                raise UsageError(f"{option.option_name}: only with --iso (an HVM install from an ISO)")
        return None
    if seed is not None and host is None:
        raise UsageError("--seed: only with --host (a printed script cannot upload; copy the image into an ISO SR "
                         "and give --seed-iso)")
    return HvmInstallInput(ISO.from_cli(iso), SEED_ISO.from_cli(seed_iso) if seed_iso else seed_iso_name(name))


def _install_with_upload(plan: Plan, hvm: HvmInstallInput, seed: Path, host: str, trust_new_host: bool,
                         output: Path | None) -> None:
    from toolkit.cli.hostopts import open_host
    from toolkit.generate.seed_upload import SeedUpload, upload_seed_and_run
    from toolkit.inputs.userfile import read_user_bytes

    if output is not None:
        raise UsageError("-o/--output: only with --print (with --host the plan runs and prints its result)")
    image = read_user_bytes(seed, SEED.option_name)
    with open_host(host, trust_new_host) as executor:
        result = upload_seed_and_run(executor, plan, hvm, SeedUpload(image, str(seed)))
    if result:
        click.echo(result)


def _register_finish_install() -> None:
    from toolkit.cli.vm_finish import finish_install

    vm.add_command(finish_install)


_register_finish_install()


def _add_vm_commands() -> None:
    """Day-2 VM plans live in their own modules."""
    from toolkit.cli.vm_recover import recover

    vm.add_command(recover)


_add_vm_commands()
