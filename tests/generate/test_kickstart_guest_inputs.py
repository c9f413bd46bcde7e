"""Kickstarts for guests with the less usual inputs: keys with options and shell text, a NIC given by MAC."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.generate.test_kickstart_profiles import (
    PROFILE_IDS,
    PROFILES,
    parse,
    require,
    run_key_post,
    version_of,
)
from toolkit.catalog.profiles import Profile, get_profile
from toolkit.errors import ValidationError
from toolkit.generate.kickstart import KickstartInput, render_kickstart
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password
from toolkit.inputs.sshkeys import read_public_keys

NET = make_network("web01.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])


@pytest.fixture(scope="module")
def hostile_keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, ...]:
    """authorized_keys lines with options, quotes, `$`, backticks, backslashes and a `%` in them."""
    require("ssh-keygen")
    directory = tmp_path_factory.mktemp("keys")
    lines = []
    for name, options, comment in (
        ("a", 'from="10.0.0.0/8",no-pty', "alice $(reboot) `id` $HOME"),
        ("b", 'command="echo \\"hi\\" > /tmp/x; rm -rf /",restrict', "%post --nochroot \\ 'q' \"d\""),
        ("c", "", "XENKIT_KEYS %end"),
    ):
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(directory / name)],
                       check=True, capture_output=True)
        line = (directory / f"{name}.pub").read_text().strip()
        lines.append(f"{options} {line}" if options else line)
    (directory / "authorized_keys").write_text("\n".join(lines) + "\n")
    keys = tuple(read_public_keys(directory / "authorized_keys"))
    assert keys == tuple(lines)
    return keys


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_keys_with_options_and_shell_text_reach_authorized_keys_byte_for_byte(
    tmp_path: Path, profile: Profile, hostile_keys: tuple[str, ...]
) -> None:
    """pykickstart accepts the kickstart; its %post, run against a scratch home, writes exactly the key lines."""
    text = render_kickstart(profile, KickstartInput(NET, hash_password("x"), ssh_keys=hostile_keys), validate=True)
    handler, errors, warned = parse(text, version_of(profile))
    assert (errors, warned) == ([], [])
    home = run_key_post(handler, tmp_path)
    assert (home / ".ssh/authorized_keys").read_text().splitlines() == list(hostile_keys)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bin", "root"]  # nothing in the keys ran


def test_rocky9_renders_one_key_per_line(hostile_keys: tuple[str, ...]) -> None:
    text = render_kickstart(get_profile("rocky9"), KickstartInput(NET, hash_password("x"), ssh_keys=hostile_keys))
    assert all(text.count(f"\n{key}\n") == 1 for key in hostile_keys)


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_network_device_given_by_mac(profile: Profile) -> None:
    """kickstart's network --device= takes a MAC address; pykickstart of every release accepts it."""
    net = make_network("web01.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"], "52:54:00:AB:CD:EF")
    text = render_kickstart(profile, KickstartInput(net, hash_password("x")), validate=True)
    handler, errors, warned = parse(text, version_of(profile))
    assert (errors, warned) == ([], [])
    (device,) = [n.device for n in handler.network.network]
    assert device == "52:54:00:ab:cd:ef"


@pytest.mark.parametrize("profile", PROFILES, ids=PROFILE_IDS)
def test_32_with_on_link_gateway(profile: Profile) -> None:
    """NetworkManager (in every dracut profile's minimal install) routes to it; CentOS 6's network scripts do not."""
    net = make_network("web01.example.org", "203.0.113.7/32", "203.0.113.1", ["192.0.2.53"], on_link_gateway=True)
    data = KickstartInput(net, hash_password("x"))
    if profile.name == "centos6-xenserver":
        with pytest.raises(ValidationError) as raised:
            render_kickstart(profile, data)
        assert raised.value.field == "gateway" and "network scripts" in raised.value.reason
        return
    handler, errors, warned = parse(render_kickstart(profile, data), version_of(profile))
    assert (errors, warned) == ([], [])
    (entry,) = handler.network.network
    assert (entry.ip, entry.netmask, entry.gateway) == ("203.0.113.7", "255.255.255.255", "203.0.113.1")
