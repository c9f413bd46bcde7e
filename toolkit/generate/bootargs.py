"""The install boot arguments ("Advanced OS boot parameters", the VM's PV-args) per installer family.

Each family has its own syntax (old anaconda, dracut, debian-installer, casper); the comments below
say why each part is there. What a family cannot take is refused first (toolkit/generate/installer_fit.py),
and a line typed at a GRUB 2 prompt is escaped for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.catalog.profiles import BootFamily, Profile
from toolkit.errors import ValidationError
from toolkit.generate.installer_fit import boot_line_urls, check_fit, escape_for_prompt
from toolkit.inputs.network import GuestNetwork

MAX_CMDLINE = 1024  # Xen's MAX_GUEST_CMDLINE: a longer PV command line is cut off, silently
CONSOLE = "console=hvc0"  # the Xen PV console; without it a PV installer's output goes nowhere
# The name dracut's ifname= gives the NIC found by its MAC: dracut's documentation asks for one outside the
# kernel's eth<N>, which the kernel may be handing out at the same time.
MAC_NAMED_NIC = "bootnet"
# Which dracut reads each dracut profile's boot arguments (the release's own; ifname=<name>:<MAC> and the
# ip=<ip>::<gw>:<mask>:<host>:<iface>:none form are read by all of them). An HVM install from a seed volume
# has no boot arguments: there the kickstart's `network --device=MAC` is what anaconda's dracut module reads.
DRACUT_OF_PROFILE = {
    "fedora17-xenserver": "dracut 018 (Fedora 17)",
    "centos7": "dracut 033 (CentOS 7)",
    "rocky8": "dracut 049 (EL 8)",
    "rocky9": "dracut 057 (EL 9)",
    "fedora45": "dracut-ng 10x (Fedora 41 and later ship dracut-ng)",
}


@dataclass(frozen=True)
class BootInput:
    network: GuestNetwork
    ks_url: str  # kickstart, preseed file, or NoCloud directory URL, by family
    repo: str | None = None  # where the family needs inst.repo=; None: the profile's default


def render_bootargs(profile: Profile, data: BootInput) -> str:
    """One line of kernel arguments for `profile`'s installer."""
    check_fit(profile, data.network, boot_line_urls(profile, data.ks_url, data.repo))
    builder = _FAMILIES[profile.bootargs_family]
    line = escape_for_prompt(profile, " ".join(builder(profile, data)))
    if len(line.encode()) > MAX_CMDLINE:
        raise ValidationError(
            "bootargs", f"the boot arguments are {len(line.encode())} bytes; Xen passes at most {MAX_CMDLINE}",
            hint="shorten the --ks or --repo URL or the host name",
        )
    return line


def _anaconda_legacy(profile: Profile, data: BootInput) -> list[str]:
    # RHEL 5/6 loader: separate ip/netmask/gateway options, comma-separated dns, ksdevice names the NIC.
    net = data.network
    return [
        CONSOLE,
        *profile.extra_bootargs,
        f"ip={net.address}",
        f"netmask={net.netmask}",
        f"gateway={net.gateway}",
        f"dns={','.join(net.nameserver_list)}",
        f"ksdevice={net.device}",
        f"{profile.ks_option}={data.ks_url}",
    ]


def _dracut(profile: Profile, data: BootInput) -> list[str]:
    # ip=<ip>:<peer>:<gw>:<mask>:<host>:<iface>:none; one nameserver= per server, since the :dns1:dns2
    # suffix is newer than Fedora 17's dracut. ip= wants an interface name: a NIC given by its MAC is named
    # with ifname= first. The peer is empty, except that an on-link gateway of a /32 address is the peer.
    net = data.network
    args = [CONSOLE, *profile.extra_bootargs]
    device = net.device
    if net.mac is not None:
        device = MAC_NAMED_NIC
        args.append(f"ifname={device}:{net.mac}")
    peer = str(net.gateway) if net.on_link_gateway else ""
    args.append(f"ip={net.address}:{peer}:{net.gateway}:{net.netmask}:{net.hostname}:{device}:none")
    args += [f"nameserver={ns}" for ns in net.nameserver_list]
    if profile.inst_repo:
        # eliloader passes the install repository as the legacy method= (not repo=), which Fedora 34+ and RHEL 9+
        # no longer read: these releases get it as inst.repo= (and on HVM templates nothing passes it at all).
        args.append(f"inst.repo={data.repo or profile.repo}")
    args.append(f"{profile.ks_option}={data.ks_url}")
    return args


def _debian_installer(profile: Profile, data: BootInput) -> list[str]:
    # d-i preseeding: eliloader adds no arguments for Debian, so the whole line is ours. Arguments after
    # the final "--" are copied into the installed system's bootloader config.
    # The netcfg question that turns DHCP off has the release's name (kickstarts/preseed.toml).
    from toolkit.catalog.preseed_releases import di_release

    net = data.network
    servers = " ".join(net.nameserver_list)
    nameservers = f'"{servers}"' if len(net.nameserver_list) > 1 else servers
    return [
        "auto=true",
        "priority=critical",
        f"url={data.ks_url}",
        f"interface={net.device}",
        f"{di_release(profile).static_network}=true",
        f"netcfg/get_ipaddress={net.address}",
        f"netcfg/get_netmask={net.netmask}",
        f"netcfg/get_gateway={net.gateway}",
        f"netcfg/get_nameservers={nameservers}",
        "netcfg/confirm_static=true",
        f"hostname={net.short_hostname}",
        f"domain={net.domain}",
        *profile.extra_bootargs,
        "--",
        "quiet",
        CONSOLE,
    ]


def _ubuntu_autoinstall(profile: Profile, data: BootInput) -> list[str]:
    # casper's initramfs-tools ip= takes at most two DNS servers in its last fields (installer_fit checks).
    net = data.network
    dns = ":".join(net.nameserver_list)
    return [
        "autoinstall",
        # nocloud-net: cloud-init up to 23.x (Ubuntu 20.04, 22.04) takes an http seedfrom only under this name
        # ("with ds=nocloud the seedfrom value must start with / or file://", its NoCloud docs); 24.x, which
        # unified the two, still reads it.
        f"ds=nocloud-net;s={data.ks_url}",
        f"ip={net.address}::{net.gateway}:{net.netmask}:{net.hostname}:{net.device}:off:{dns}",
        *profile.extra_bootargs,
        CONSOLE,
    ]


_FAMILIES = {
    BootFamily.ANACONDA_LEGACY: _anaconda_legacy,
    BootFamily.DRACUT: _dracut,
    BootFamily.DEBIAN_INSTALLER: _debian_installer,
    BootFamily.UBUNTU_AUTOINSTALL: _ubuntu_autoinstall,
}
