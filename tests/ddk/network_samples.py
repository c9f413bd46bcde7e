"""The DDK VM's network files as a test finds them and as `xenkit ddk network` should leave them, shared by
tests/ddk/test_ddk_network_files.py (rendering, merging, the CLI without --host) and test_ddk_network.py (over SSH)."""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import CliResult
from toolkit.inputs.network import make_network

Xenkit = Callable[..., CliResult]
IFCFG_PATH = "/etc/sysconfig/network-scripts/ifcfg-eth0"
ARGS = ["--ip", "192.0.2.30/24", "--gateway", "192.0.2.1", "--nameserver", "192.0.2.53",
        "--nameserver", "192.0.2.54", "--hostname", "ddk.example.com"]
NET = make_network("ddk.example.com", "192.0.2.30/24", "192.0.2.1", ["192.0.2.53", "192.0.2.54"])

# As the DDK VM might have them: DHCP set up by the installer, a hand edit with a PREFIX, a gateway in ifcfg.
IFCFG = ("# Xen Virtual Ethernet\n"
         "DEVICE=eth0\n"
         'BOOTPROTO="dhcp"\n'
         "HWADDR=2E:4A:11:22:33:44\n"
         "UUID=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\n"
         "IPADDR=10.0.0.5\n"
         "PREFIX=8\n"
         "GATEWAY=10.0.0.1\n"
         "ONBOOT=no\n"
         "TYPE=Ethernet\n")
IFCFG_DONE = ("# Xen Virtual Ethernet\n"
              "DEVICE=eth0\n"
              "BOOTPROTO=static\n"
              "HWADDR=2E:4A:11:22:33:44\n"
              "UUID=5fb06bd0-0bb0-7ffb-45f1-d6edd65f3e03\n"
              "IPADDR=192.0.2.30\n"
              "ONBOOT=yes\n"
              "TYPE=Ethernet\n"
              "NETMASK=255.255.255.0\n"
              "PEERDNS=no\n")
NETWORK = "NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=localhost.localdomain\n"
NETWORK_DONE = "NETWORKING=yes\nNETWORKING_IPV6=no\nHOSTNAME=ddk.example.com\nGATEWAY=192.0.2.1\n"
RESOLV = "# by hand\nsearch example.com\nnameserver 10.0.0.1\noptions timeout:2\nnameserver 10.0.0.2\n"
RESOLV_DONE = "# by hand\nsearch example.com\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions timeout:2\n"
