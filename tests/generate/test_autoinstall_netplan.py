"""The autoinstall network section through netplan, which the installer and the installed system run on it.

Subiquity applies the section in the live system and writes it as the installed system's
/etc/netplan/00-installer-config.yaml (under a `network:` key). `netplan generate --root-dir` (Debian's
netplan.io) reads it there and writes the systemd-networkd files, as it does on the guest; a section
netplan cannot read fails here. Debian 12's netplan (0.106) is newer than 20.04's (0.99 to 0.104): the
keys used (match driver/macaddress, addresses, routes with on-link, nameservers) are in all of them.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import require_program
from toolkit.catalog.profiles import InstallerKind, all_profiles
from toolkit.generate.autoinstall import AutoinstallInput, autoinstall_section
from toolkit.inputs.network import GuestNetwork, make_network
from toolkit.inputs.password import hash_password

PROFILE = next(p for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL)


def netplan_generate(root: Path, network: object) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run netplan on `network` as the installed system's config; its output and the .network file(s) it wrote."""
    config = root / "etc" / "netplan" / "00-installer-config.yaml"
    config.parent.mkdir(parents=True)
    config.write_text(json.dumps({"network": network}))  # JSON is YAML
    config.chmod(0o600)  # netplan warns about files others can read
    done = subprocess.run([require_program("netplan"), "generate", "--root-dir", str(root)],
                          capture_output=True, text=True, check=False)
    written = "".join(p.read_text() for p in sorted((root / "run" / "systemd" / "network").glob("*.network"))) \
        if done.returncode == 0 else ""
    return done, written


def network_of(net: GuestNetwork) -> Any:
    return autoinstall_section(PROFILE, AutoinstallInput(net, hash_password("x")))["network"]


# networkd's [Match] key for a MAC address: MACAddress= up to netplan 0.105, PermanentMACAddress= from 0.106.
@pytest.mark.parametrize(("device", "match_lines"), [
    ("eth0", {"Driver=vif"}),
    ("52:54:00:AB:CD:EF", {"MACAddress=52:54:00:ab:cd:ef", "PermanentMACAddress=52:54:00:ab:cd:ef"}),
])
def test_netplan_reads_the_section(tmp_path: Path, device: str, match_lines: set[str]) -> None:
    net = make_network("web1.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53", "192.0.2.54"], device)
    done, written = netplan_generate(tmp_path, network_of(net))
    assert done.returncode == 0, done.stderr
    assert match_lines & set(written.splitlines())
    for line in ("Address=192.0.2.10/24", "Gateway=192.0.2.1", "DNS=192.0.2.53", "DNS=192.0.2.54",
                 "Domains=example.org"):
        assert line in written.splitlines()


def test_netplan_routes_a_32_to_its_on_link_gateway(tmp_path: Path) -> None:
    net = make_network("web1.example.org", "203.0.113.7/32", "203.0.113.1", ["192.0.2.53"],
                       on_link_gateway=True)
    done, written = netplan_generate(tmp_path, network_of(net))
    assert done.returncode == 0, done.stderr
    assert {"Address=203.0.113.7/32", "Gateway=203.0.113.1", "GatewayOnLink=true"} <= set(written.splitlines())


def test_netplan_refuses_a_broken_section(tmp_path: Path) -> None:
    network = network_of(make_network("web1.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"]))
    [nic] = network["ethernets"].values()
    nic["addresses"] = ["192.0.2.10"]  # no prefix
    done, _ = netplan_generate(tmp_path, network)
    assert done.returncode != 0
    assert "prefix" in done.stderr
