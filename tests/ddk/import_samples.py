"""The DDK ISO the `ddk import` tests build (a two-chunk disk and its ova.xml), where the xe simulator's ISO
library is mounted, and the error lines of a run: shared by test_ddk_import.py and test_ddk_import_print.py."""

from __future__ import annotations

import gzip
from collections.abc import Callable

from tests.conftest import CliResult
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0, stock_uuid

Xenkit = Callable[..., CliResult]
LABEL = "XenServer DDK 6.0.2"
DISK = bytes(range(256)) * 10_000 + b"tail"  # 2.4 MiB: two chunks
CUT = 2 << 20
OVA = f"""<?xml version="1.0" ?>
<appliance version="0.1">
  <vm name="vm">
    <label>{LABEL}</label>
    <shortdesc>Driver Development Kit</shortdesc>
    <config mem_set="536870912" vcpus="1"/>
    <hacks is_hvm="false" kernel_boot_cmdline="console=hvc0"/>
    <vbd device="xvda" function="root" mode="w" vdi="vdi_xvda"/>
  </vm>
  <vdi name="vdi_xvda" size="{len(DISK)}" source="file://xvda" type="dir-gzipped-chunks" variety="system"/>
</appliance>
""".encode()
DDK = {
    "ddk/ova.xml": OVA,
    "ddk/xvda/chunk-000000000.gz": gzip.compress(DISK[:CUT], mtime=0),
    "ddk/xvda/chunk-000000001.gz": gzip.compress(DISK[CUT:], mtime=0),
    "README.txt": b"not part of the VM: not copied\n",
}
ISO_SR = stock_uuid("sr", ISO_LIBRARY)
MOUNT = f"/var/run/sr-mount/{ISO_SR}"
BASE = ["ddk", "import", "--sr-name", ISO_LIBRARY, "--network", NETWORK_ETH0]



def errors(result: CliResult) -> list[str]:
    assert "Traceback" not in result.err
    return [line for line in result.err.splitlines() if line.startswith("error:")]
