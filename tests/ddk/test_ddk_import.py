"""`xenkit ddk import`: the DDK tree streamed from an ISO into an ISO SR's mount over SFTP, then xe vm-import.

The host is a real sshd whose /var/run/sr-mount is a throwaway tmpfs in a private mount namespace, with the xe
simulator (tests/support/xe_sim/xe_sim.py, whose vm-import reads the export on that disk as xe does) as `xe`.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ddk.import_samples import BASE, DDK, DISK, LABEL, MOUNT, Xenkit, errors
from tests.support.remote_helpers import POOLS, XeHost, isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory, require_sshd
from tests.support.xe_sim.xe_sim_state import ISO_LIBRARY, NETWORK_ETH0, stock_uuid
from toolkit.ddk.iso import DdkIso


@pytest.fixture(scope="module")
def sr_mount_root() -> Iterator[Path]:
    """The test host makes /var/run/sr-mount private; the directory must exist here for that (root only)."""
    require_sshd(private_mounts=True)
    root = Path(os.path.realpath("/var/run/sr-mount"))
    made = not root.exists()
    root.mkdir(mode=0o755, exist_ok=True)
    yield root
    if made:
        root.rmdir()  # empty: everything the tests wrote was in the hosts' own tmpfs


@pytest.fixture(params=sorted(POOLS))
def dom0(ssh_host_factory: SshHostFactory, sr_mount_root: Path, tmp_path: Path,
         monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> XeHost:
    """A test host `dom0` in ./xenkit.toml: xe simulator on its PATH, the ISO library's mount directory made;
    once per simulated pool (the import plan's xe commands suit XenServer 6.0's table and today's)."""
    isolate_home(monkeypatch, tmp_path / "home")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    host = ssh_host_factory(private_mounts=["/var/run/sr-mount"])
    write_hosts_file(work, "dom0", host)
    xe_host = XeHost(host, tmp_path, str(request.param))
    inside(xe_host, f"mkdir {MOUNT}")
    return xe_host


def inside(dom0: XeHost, script: str) -> str:
    """Run a shell script in the host's mount namespace (no SSH): what sessions wrote there."""
    result = dom0.host.run_inside(["sh", "-c", script])
    assert result.returncode == 0, result.stderr
    return result.stdout


def tree_on_host(dom0: XeHost, path: str = MOUNT) -> dict[str, str]:
    """Every file under path (hidden ones too) -> its sha256."""
    out = inside(dom0, f"cd {path} && find . -type f -exec sha256sum {{}} +")
    return dict(sorted((name.removeprefix("./"), digest) for digest, name in (line.split(None, 1) for line in
                                                                              out.splitlines())))


def uploaded(directory: str = "XenServer-6.0.2-DDK") -> dict[str, str]:
    return {f"{directory}/{name}": hashlib.sha256(data).hexdigest() for name, data in DDK.items()
            if name.startswith("ddk/")}


def vms(dom0: XeHost) -> list[str]:
    return [v for v in dom0.xe("vm-list", "is-control-domain=false", "--minimal").split(",") if v]


# --- the plan, printed, run by hand in dom0 ------------------------------------------------------------------

def test_the_printed_plan_imports_a_tree_put_there_by_hand(xenkit: Xenkit, iso: Path, dom0: XeHost,
                                                           tmp_path: Path) -> None:
    extracted = xenkit("ddk", "extract", str(iso), str(tmp_path / "ddk-6.0.2"))
    assert extracted.code == 0, extracted.err
    inside(dom0, f"cp -r {tmp_path}/ddk-6.0.2 {MOUNT}/ddk-6.0.2")
    printed = xenkit(*BASE, str(iso), "--dir", "ddk-6.0.2")
    run = subprocess.run(dom0.host.ssh_argv("bash", "-s"), input=printed.out, capture_output=True, text=True,
                         timeout=60)
    assert run.returncode == 0, run.stderr
    assert vms(dom0) == [run.stdout.strip()]


# --- over SSH -------------------------------------------------------------------------------------------------

def test_import_streams_the_tree_and_starts_the_vm(xenkit: Xenkit, iso: Path, dom0: XeHost) -> None:
    result = xenkit(*BASE, str(iso), "--host", "dom0")
    assert result.code == 0, result.err
    vm = result.out.splitlines()[-1]
    assert tree_on_host(dom0) == uploaded()  # byte for byte, only ddk/, and no temp file or directory left
    assert vms(dom0) == [vm]
    assert dom0.xe("vm-param-get", f"uuid={vm}", "param-name=name-label") == LABEL
    assert dom0.xe("vm-param-get", f"uuid={vm}", "param-name=power-state") == "running"
    network = dom0.xe("network-list", f"name-label={NETWORK_ETH0}", "--minimal")
    assert dom0.xe("vif-list", f"vm-uuid={vm}", "params=network-uuid", "--minimal") == network
    vdi = dom0.xe("vbd-list", f"vm-uuid={vm}", "params=vdi-uuid", "--minimal")
    assert dom0.xe("vdi-param-get", f"uuid={vdi}", "param-name=virtual-size") == str(len(DISK))
    assert dom0.xe("vdi-param-get", f"uuid={vdi}", "param-name=sr-uuid") == stock_uuid("sr", "Local storage")
    imports = [c for c in dom0.calls() if c[1] == "vm-import"]
    assert imports == [["xe", "vm-import", f"filename={MOUNT}/XenServer-6.0.2-DDK/ddk/ova.xml"]]


def test_disk_sr_and_name_label(xenkit: Xenkit, iso: Path, dom0: XeHost) -> None:
    result = xenkit(*BASE, str(iso), "--host", "dom0", "--disk-sr", "Local storage", "--name-label", "DDK",
                    "--dir", "ddk-6")
    assert result.code == 0, result.err
    vm = result.out.strip()
    assert dom0.xe("vm-list", "name-label=DDK", "--minimal") == vm
    local = stock_uuid("sr", "Local storage")
    assert next(c for c in dom0.calls() if c[1] == "vm-import")[3] == f"sr-uuid={local}"
    assert sorted(tree_on_host(dom0)) == sorted(uploaded("ddk-6"))


@pytest.mark.parametrize(("options", "shown"), [
    (["--sr-name", "No such SR"], 'SR "No such SR": none found; nothing uploaded'),
    (["--sr-uuid", "01234567-89ab-cdef-0123-456789abcdef"], "SR 01234567-89ab-cdef-0123-456789abcdef: none found"),
    (["--sr-name", ISO_LIBRARY, "--network", "No such network"], 'network named "No such network": none found'),
    (["--sr-name", "DVD drives"], "is not a file-based SR mounted in dom0; nothing uploaded"),  # ISO, not mounted
])
def test_nothing_is_uploaded_for_a_wrong_sr_or_network(xenkit: Xenkit, iso: Path, dom0: XeHost,
                                                       options: list[str], shown: str) -> None:
    result = xenkit("ddk", "import", str(iso), "--host", "dom0", *options)
    assert result.code in (1, 2)
    assert len(errors(result)) == 1 and shown in errors(result)[0], result.err
    assert tree_on_host(dom0) == {} and vms(dom0) == []


def test_an_sr_that_is_not_an_iso_sr_is_refused_though_mounted(xenkit: Xenkit, iso: Path, dom0: XeHost) -> None:
    local = stock_uuid("sr", "Local storage")
    inside(dom0, f"mkdir /var/run/sr-mount/{local}")  # as an ext SR's is: the tree would land in VM storage
    for option, label in ((["--sr-name", "Local storage"], 'SR "Local storage"'),
                          (["--sr-uuid", local], f"SR {local}")):
        result = xenkit("ddk", "import", str(iso), "--host", "dom0", *option)
        assert result.code == 2 and len(errors(result)) == 1, result.err
        assert errors(result)[0].endswith(
            f"{label} is not an ISO SR (content-type user); give the ISO library SR; nothing uploaded")
    assert inside(dom0, f"ls -A /var/run/sr-mount/{local}") == "" and vms(dom0) == []


def test_a_timed_out_import_keeps_the_tree(xenkit: Xenkit, iso: Path, dom0: XeHost,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("toolkit.ddk.importer.STEP_TIMEOUT", 2.0)
    dom0.host.set_env({"XE_STATE": str(dom0.state), "XE_LOG": str(dom0.log), "XE_SLOW_ON": "vm-import:5"})
    result = xenkit(*BASE, str(iso), "--host", "dom0")
    tree = f"{MOUNT}/XenServer-6.0.2-DDK"
    assert result.code == 1 and "step 5/7 failed: Import the DDK VM" in result.err and "still running" in result.err
    assert f"kept the uploaded tree {tree}" in result.err and f"remove the tree: rm -rf -- {tree}" in result.err
    assert tree_on_host(dom0) == uploaded()
    deadline = time.monotonic() + 30  # the import xenkit gave up on goes on in dom0, from the tree left there
    while not vms(dom0) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert len(vms(dom0)) == 1


def test_a_failed_import_removes_the_tree(xenkit: Xenkit, iso: Path, dom0: XeHost) -> None:
    dom0.fail_on("vm-import")
    result = xenkit(*BASE, str(iso), "--host", "dom0")
    assert result.code == 1
    assert "step 5/7 failed: Import the DDK VM" in result.err and "internal error" in result.err
    assert f"removed the uploaded tree {MOUNT}/XenServer-6.0.2-DDK" in result.err
    assert tree_on_host(dom0) == {} and vms(dom0) == []


def test_a_failed_start_uninstalls_the_vm_and_keep_keeps_the_tree(xenkit: Xenkit, iso: Path, dom0: XeHost) -> None:
    disks = dom0.xe("vdi-list", "--minimal")
    dom0.fail_on("vm-start")
    failed = xenkit(*BASE, str(iso), "--host", "dom0", "--keep")
    assert failed.code == 1 and "undone: Import the DDK VM" in failed.err and "--reuse" in failed.err
    assert vms(dom0) == [] and dom0.xe("vdi-list", "--minimal") == disks  # the imported disk went with it
    assert tree_on_host(dom0) == uploaded()
    dom0.fail_on(None)
    refused = xenkit(*BASE, str(iso), "--host", "dom0")
    assert refused.code == 2 and "already there; nothing uploaded" in refused.err
    reused = xenkit(*BASE, str(iso), "--host", "dom0", "--reuse")
    assert reused.code == 0, reused.err
    assert "importing it as it is" in reused.err and vms(dom0) == [reused.out.strip()]


def test_ctrl_c_during_the_upload_leaves_nothing(xenkit: Xenkit, iso: Path, dom0: XeHost,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    real = DdkIso.copy_to

    def interrupted(self: DdkIso, name: str, out: object, progress: object = None) -> int:
        if name.endswith("chunk-000000001.gz"):
            out.write(b"half")  # type: ignore[attr-defined]
            raise KeyboardInterrupt
        return real(self, name, out)  # type: ignore[arg-type]

    monkeypatch.setattr(DdkIso, "copy_to", interrupted)
    result = xenkit(*BASE, str(iso), "--host", "dom0")
    assert result.code in (1, 130) and "FAILED" in result.err  # click reports Ctrl-C as "error: aborted"
    assert inside(dom0, f"ls -A {MOUNT}") == "" and vms(dom0) == []
    assert not [c for c in dom0.calls() if c[1] == "vm-import"]
