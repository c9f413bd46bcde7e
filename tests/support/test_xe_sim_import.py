"""The xe simulator's parts that `xenkit ddk import` relies on: vm-import of the DDK's directory export (read as
xe reads it), sr-list's content-type filter, and XE_SLOW_ON (a slow command, for timeouts)."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.ddk.import_samples import DDK, ISO_SR, LABEL, OVA
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, stock_uuid

SIM = ROOT / "tests" / "support" / "xe_sim" / "xe_sim.py"
LOCAL = stock_uuid("sr", "Local storage")


def sim(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XE_")}
    return subprocess.run([sys.executable, "-I", "-S", str(SIM), *args], capture_output=True, text=True,
                          env={**clean, "XE_STATE": str(tmp_path / "state.json"), **env}, timeout=60)


def export(tmp_path: Path, files: dict[str, bytes] = DDK) -> Path:
    for name, data in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    return tmp_path / "ddk"


@pytest.mark.parametrize(("change", "shown"), [
    ({"ddk/xvda/chunk-000000001.gz": gzip.compress(b"short")}, "I count only 2097157 bytes out of 2560004"),
    ({"ddk/ova.xml": OVA.replace(b'"0.1"', b'"0.2"')}, "Version mismatch"),
    ({"ddk/ova.xml": OVA.replace(b"<label>", b"<name>").replace(b"</label>", b"</name>")},
     "Failed to find element: label"),
    ({"ddk/ova.xml": OVA.replace(b"dir-gzipped-chunks", b"raw")}, "Cannot handle directory XVA disk encoding: raw"),
    ({"ddk/ova.xml": b"<appliance"}, "Failed to parse"),
])
def test_sim_vm_import_reads_the_export_as_xe_does(tmp_path: Path, change: dict[str, bytes], shown: str) -> None:
    ddk = export(tmp_path, {**DDK, **change})
    result = sim(tmp_path, "vm-import", f"filename={ddk}/ova.xml")
    assert result.returncode == 1 and shown in result.stderr
    assert not (tmp_path / "state.json").exists() or LABEL not in (tmp_path / "state.json").read_text()


def test_sim_vm_import_honours_sr_uuid_and_refuses_iso_srs(tmp_path: Path) -> None:
    ddk = export(tmp_path)
    missing = sim(tmp_path, "vm-import", f"filename={tmp_path}/none/ova.xml")
    assert missing.returncode == 1 and "No such file or directory" in missing.stderr
    iso_sr = sim(tmp_path, "vm-import", f"filename={ddk}", f"sr-uuid={ISO_SR}")
    assert iso_sr.returncode == 1 and "does not support the operation" in iso_sr.stderr
    failing = sim(tmp_path, "vm-import", f"filename={ddk}", XE_FAIL_ON="vm-import")
    assert failing.returncode == 1 and "XE_FAIL_ON=vm-import" in failing.stderr
    done = sim(tmp_path, "vm-import", f"filename={ddk}/ova.xml", f"sr-uuid={LOCAL}")
    assert done.returncode == 0, done.stderr
    vm = done.stdout.strip()
    vdi = sim(tmp_path, "vbd-list", f"vm-uuid={vm}", "params=vdi-uuid", "--minimal").stdout.strip()
    assert sim(tmp_path, "vdi-param-get", f"uuid={vdi}", "param-name=sr-uuid").stdout.strip() == LOCAL
    assert sim(tmp_path, "vm-param-get", f"uuid={vm}", "param-name=PV-bootloader").stdout.strip() == "pygrub"


def test_sim_sr_list_filters_on_content_type(tmp_path: Path) -> None:
    def minimal(*args: str) -> str:
        result = sim(tmp_path, "sr-list", *args, "--minimal")
        assert result.returncode == 0, result.stderr
        return result.stdout.strip()

    assert minimal(f"name-label={ISO_LIBRARY}", "content-type=iso") == ISO_SR
    assert minimal("name-label=Local storage", "content-type=iso") == ""
    assert minimal("name-label=Local storage", "params=content-type") == "user"
    assert minimal(f"uuid={LOCAL}", "content-type=iso") == ""


def test_sim_xe_slow_on_delays_only_that_command(tmp_path: Path) -> None:
    start = time.monotonic()
    assert sim(tmp_path, "sr-list", "--minimal", XE_SLOW_ON="vm-import:5").returncode == 0
    assert time.monotonic() - start < 4
    start = time.monotonic()
    slow = sim(tmp_path, "vm-import", f"filename={export(tmp_path)}", XE_SLOW_ON="vm-import:1")
    assert slow.returncode == 0, slow.stderr
    assert time.monotonic() - start >= 1
