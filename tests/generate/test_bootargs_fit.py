"""Boot arguments for the less usual inputs: a NIC given by MAC, a /32 with an on-link gateway, ';' in a URL.

Each installer family either writes what its installer reads or refuses, naming the field and why.
"""

from __future__ import annotations

import pytest

from toolkit.catalog.profiles import BootFamily, BootPrompt, Profile, all_profiles, get_profile
from toolkit.errors import ValidationError
from toolkit.generate.bootargs import BootInput, render_bootargs
from toolkit.generate.installer_fit import misfits
from toolkit.inputs.guest_field_type import option_name
from toolkit.inputs.guest_fields import GATEWAY, INTERFACE, KS, REPO
from toolkit.inputs.network import GuestNetwork, make_network

MAC = "52:54:00:ab:cd:ef"
ALL = list(all_profiles().values())
IDS = [p.name for p in ALL]
KS_URL = {name: "http://192.0.2.5/nocloud/web01/"
          for name in ("ubuntu2004-autoinstall", "ubuntu2204-autoinstall", "ubuntu2404-autoinstall")}


def network(ip: str = "192.0.2.10/24", gateway: str = "192.0.2.1", device: str = "eth0") -> GuestNetwork:
    return make_network("web01.example.org", ip, gateway, ["192.0.2.53"], device, on_link_gateway=True)


def line(profile: Profile, net: GuestNetwork, url: str | None = None, repo: str | None = None) -> str:
    return render_bootargs(profile, BootInput(net, url or KS_URL.get(profile.name, "http://192.0.2.5/ks"), repo))


def refused(profile: Profile, net: GuestNetwork, url: str | None = None) -> ValidationError:
    with pytest.raises(ValidationError) as raised:
        line(profile, net, url)
    return raised.value


# --- the interface as a MAC address ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["fedora17-xenserver", "centos7", "rocky8", "rocky9", "fedora45"])
def test_dracut_names_the_nic_found_by_its_mac(name: str) -> None:
    """ip= takes an interface name: ifname= gives the NIC with that MAC one (not the kernel's eth<N>)."""
    tokens = line(get_profile(name), network(device="52-54-00-AB-CD-EF")).split()
    assert f"ifname=bootnet:{MAC}" in tokens
    assert tokens.index(f"ifname=bootnet:{MAC}") < next(i for i, t in enumerate(tokens) if t.startswith("ip="))
    assert "ip=192.0.2.10::192.0.2.1:255.255.255.0:web01.example.org:bootnet:none" in tokens


def test_old_anaconda_takes_the_mac_as_ksdevice() -> None:
    tokens = line(get_profile("centos6-xenserver"), network(device=MAC)).split()
    assert f"ksdevice={MAC}" in tokens
    assert not any(t.startswith("ifname=") for t in tokens)


@pytest.mark.parametrize(("name", "why"), [("ubuntu1204-di", "netcfg/choose_interface"), ("ubuntu2004-autoinstall",
                                                                                         "casper's ip=")])
def test_installers_that_want_a_name_refuse_a_mac(name: str, why: str) -> None:
    error = refused(get_profile(name), network(device=MAC))
    assert error.field == "interface"
    assert MAC in error.reason and why in error.reason and "give the name" in error.reason


def test_a_name_is_unchanged_everywhere() -> None:
    for profile in ALL:
        text = line(profile, network(device="ens3"))
        assert "ifname=" not in text and "ens3" in text


# --- a /32 address with an on-link gateway ----------------------------------------------------------


@pytest.mark.parametrize("name", [p.name for p in ALL if p.bootargs_family is BootFamily.DRACUT])
def test_dracut_gets_the_on_link_gateway_as_its_peer(name: str) -> None:
    tokens = line(get_profile(name), network("203.0.113.7/32", "203.0.113.1")).split()
    assert "ip=203.0.113.7:203.0.113.1:203.0.113.1:255.255.255.255:web01.example.org:eth0:none" in tokens


@pytest.mark.parametrize(
    ("name", "why"),
    [("centos6-xenserver", "network scripts"), ("ubuntu1204-di", "point-to-point"), ("ubuntu2004-autoinstall",
                                                                                    "klibc ipconfig")],
)
def test_families_without_an_on_link_gateway_say_why(name: str, why: str) -> None:
    error = refused(get_profile(name), network("203.0.113.7/32", "203.0.113.1"))
    assert (error.field, why in error.reason) == ("gateway", True)
    assert "203.0.113.1 is outside the /32 address 203.0.113.7" in error.reason


def test_a_31_gateway_is_on_its_subnet_and_no_misfit() -> None:
    """Only a gateway outside the address is on-link; a /31's other address is inside it."""
    net = make_network("h.example.org", "192.0.2.0/31", "192.0.2.1", ["192.0.2.53"])
    assert not net.on_link_gateway
    assert all(misfits(profile, net) == [] for profile in ALL)


# --- ';' and '&' in a URL on the boot line ----------------------------------------------------------

URL = "http://192.0.2.5/ks;v=2?a=1&b=2"


@pytest.mark.parametrize("name", [p.name for p in ALL if p.boot_prompt is BootPrompt.NONE])
def test_pv_args_carry_the_url_as_it_is(name: str) -> None:
    """Nothing but the installer's kernel reads PV-args: no escaping."""
    profile = get_profile(name)
    url = URL + ("/" if profile.name in KS_URL else "")
    assert f"={url}" in line(profile, network(), url)


def test_grub_prompt_escapes_semicolon_and_ampersand() -> None:
    """fedora45's install media boots GRUB 2 (BIOS and UEFI), whose command line ends at ';' and '&'."""
    text = line(get_profile("fedora45"), network(), URL, repo="http://192.0.2.5/os;1/")
    assert "inst.ks=http://192.0.2.5/ks\\;v=2?a=1\\&b=2" in text.split()
    assert "inst.repo=http://192.0.2.5/os\\;1/" in text.split()
    assert text.count(";") == text.count("\\;") == 2 and text.count("&") == text.count("\\&") == 1


@pytest.mark.parametrize("name", ["rocky8", "rocky9"])
@pytest.mark.parametrize("url", ["http://192.0.2.5/ks;v=2", "http://192.0.2.5/ks?a=1&b=2"])
def test_isolinux_or_grub_prompt_refuses_what_no_line_suits(name: str, url: str) -> None:
    error = refused(get_profile(name), network(), url)
    assert error.field == "ks" and "isolinux (BIOS)" in error.reason and "GRUB 2 (UEFI)" in error.reason


def test_rocky9_names_the_repository_url_too() -> None:
    found = misfits(get_profile("rocky9"), network(), {KS: "http://192.0.2.5/ks", REPO: "http://192.0.2.5/os;1/"})
    assert [m.field for m in found] == [REPO]
    # rocky8 has no inst.repo=: its repository is not on the boot line.
    assert misfits(get_profile("rocky8"), network(), {KS: "http://192.0.2.5/ks"}) == []


def test_cloud_init_cuts_its_url_at_a_semicolon() -> None:
    error = refused(get_profile("ubuntu2004-autoinstall"), network(), "http://192.0.2.5/nocloud;x/")
    assert error.field == "ks" and "ds=nocloud-net;s=URL" in error.reason


def test_every_misfit_is_named_as_the_user_wrote_it() -> None:
    from toolkit.generate.installer_fit import check_fit

    net = network("203.0.113.7/32", "203.0.113.1", MAC)
    found = misfits(get_profile("ubuntu2004-autoinstall"), net, {KS: "http://x.example/a;b/"})
    assert [m.field for m in found] == [INTERFACE, GATEWAY, KS]
    with pytest.raises(ValidationError) as raised:
        check_fit(get_profile("ubuntu1204-di"), net, spell=option_name)
    assert str(raised.value).startswith("--interface: 52:54:00:ab:cd:ef is a MAC address")
