"""`xenkit driver build`, for real: drivers/demo built with rpmbuild and kbuild against the installed kernel
headers (Debian's linux-headers-amd64, which `make test` installs), over SSH on a loopback sshd test host and
with --local; the bundle's RPM, module vermagic, manifest and checksums read back; the cache; the failures.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import ROOT, CliResult, require_program
from tests.support.remote_helpers import write_hosts_file
from tests.support.sshhosts import SshHostFactory, SshTestHost
from toolkit.driver.elfmodinfo import read_modinfo
from toolkit.errors import UsageError

Xenkit = Callable[..., CliResult]
DEMO = ROOT / "drivers" / "demo"


def installed_kernel() -> str:
    """A kernel release whose headers are installed (/lib/modules/KVER/build): the one to build for."""
    for program in ("rpmbuild", "rpm", "make", "gcc"):
        require_program(program)
    found = sorted(p.parent.name for p in Path("/lib/modules").glob("*/build") if p.is_dir())
    if not found:
        message = "no kernel headers in /lib/modules/*/build (make test installs linux-headers-amd64)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found[-1]


@pytest.fixture
def kver() -> str:
    return installed_kernel()


@pytest.fixture
def build_host(ssh_host_factory: SshHostFactory, workdir: Path) -> SshTestHost:
    host = ssh_host_factory()
    write_hosts_file(workdir, "ddk", host)
    return host


def members(bundle: Path) -> dict[str, bytes]:
    with tarfile.open(bundle) as tar:
        return {m.name: (tar.extractfile(m).read() if m.isfile() else b"")  # type: ignore[union-attr]
                for m in tar.getmembers()}


def module_of(rpm: bytes, tmp: Path) -> bytes:
    """The .ko inside an RPM, unpacked by rpm2cpio + cpio: other tools than the ones xenkit uses."""
    rpm_file = tmp / "m.rpm"
    rpm_file.write_bytes(rpm)
    out = tmp / "unpacked"
    out.mkdir()
    cpio = subprocess.run(f"rpm2cpio {rpm_file} | cpio -idm --quiet", shell=True, cwd=out, capture_output=True,
                          timeout=60)
    assert cpio.returncode == 0, cpio.stderr
    (ko,) = out.rglob("*.ko")
    return ko.read_bytes()


def test_build_over_ssh_then_cached_then_wrong_kernel(xenkit: Xenkit, build_host: SshTestHost, kver: str,
                                                      workdir: Path) -> None:
    first = xenkit("driver", "build", "demo", "--build-host", "ddk", "--kernel", kver, "-o", "out")
    assert first.code == 0, first.err
    bundle = Path(first.out.splitlines()[-1])
    top = f"xenkit-demo-1.0-1-{kver}"
    assert bundle == Path("out") / f"{top}.tar.gz"
    assert "rpm -ivh --nomd5 xenkit-demo-1.0-1.src.rpm" in first.err
    assert "rpmbuild: %build" in first.err and "upload xenkit_demo.c" in first.err

    files = members(bundle)
    rpm_name = "xenkit-demo-1.0-1.x86_64.rpm"
    assert sorted(files) == sorted([top, *(f"{top}/{n}" for n in (
        rpm_name, "multipath.conf", "multipath-custom.conf", "install.sh", "manifest.json", "SHA256SUMS"))])
    modinfo = read_modinfo(module_of(files[f"{top}/{rpm_name}"], workdir))
    assert modinfo.vermagic.split()[0] == kver
    manifest = json.loads(files[f"{top}/manifest.json"])
    assert manifest["kernel"] == kver
    assert manifest["build_host"] == f"{build_host.user}@{build_host.address}:{build_host.port}"
    assert manifest["rpms"][0]["nvra"] == "xenkit-demo-1.0-1.x86_64"
    assert manifest["rpms"][0]["modules"][0]["vermagic"] == modinfo.vermagic
    assert manifest["rpms"][0]["sha256"] == hashlib.sha256(files[f"{top}/{rpm_name}"]).hexdigest()
    assert manifest["inputs"]["files"]["xenkit_demo.c"] == hashlib.sha256((DEMO / "xenkit_demo.c").read_bytes()
                                                                          ).hexdigest()
    assert set(manifest["steps"]) == {"source", "rpmbuild", "bundle"}
    unpacked = workdir / "unpacked-bundle"
    with tarfile.open(bundle) as tar:
        tar.extractall(unpacked, filter="data")
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=unpacked / top, capture_output=True, text=True,
                           timeout=60)
    assert check.returncode == 0, check.stdout + check.stderr
    assert subprocess.run(["bash", "-n", unpacked / top / "install.sh"], timeout=60).returncode == 0
    work = re.search(r"\(into (/tmp/xenkit-build\.\w+)/top\)", first.err)
    assert work is not None and not Path(work.group(1)).exists(), "the build host's work directory was left behind"

    # Same inputs again: no connection, no upload, no rpmbuild; the same bytes.
    before = bundle.read_bytes()
    bundle.unlink()
    second = xenkit("driver", "build", "demo", "--build-host", "ddk", "--kernel", kver, "-o", "out")
    assert second.code == 0, second.err
    assert "rpmbuild: cached" in second.err and "no upload, no rpmbuild" in second.err
    assert "connecting to" not in second.err and "upload" not in second.err.replace("no upload", "")
    assert bundle.read_bytes() == before

    # A kernel the build host has no headers for: an error naming it, no bundle, nothing uploaded.
    wrong = "2.6.32.43-0.4.1.xs1.8.0.835.170778xen"
    third = xenkit("driver", "build", "demo", "--build-host", "ddk", "--kernel", wrong, "-o", "out2")
    assert third.code == 1
    assert f"has no headers for kernel {wrong}" in third.err and kver in third.err
    assert "upload" not in third.err
    assert not Path("out2").exists()


def test_headers_of_another_kernel_fail_vermagic(xenkit: Xenkit, ssh_host_factory: SshHostFactory, kver: str,
                                                 workdir: Path) -> None:
    """--kernel names headers that are really another kernel's: the module's vermagic gives it away."""
    fake = "6.1.0-99-fake"
    host = ssh_host_factory(private_mounts=["/lib/modules"])
    write_hosts_file(workdir, "ddk", host)
    made = host.run_inside(["sh", "-c", f"mkdir /lib/modules/{fake} && ln -s "
                                        f"{os.path.realpath(f'/lib/modules/{kver}/build')} /lib/modules/{fake}/build"])
    assert made.returncode == 0, made.stderr
    assert not Path(f"/lib/modules/{fake}").exists()  # only inside the host's namespace
    (workdir / "recipe").mkdir()
    recipe = workdir / "recipe"
    for name in ("recipe.toml", "xenkit_demo.c", "Kbuild", "xenkit-demo.spec"):
        shutil.copy(DEMO / name, recipe / name)
    spec = recipe / "xenkit-demo.spec"
    spec.write_text(spec.read_text().replace("%global kernel_source /lib/modules/%{kernel_version}/build",
                                             f"%global kernel_source /lib/modules/{fake}/build"))
    result = xenkit("driver", "build", str(recipe), "--build-host", "ddk", "--kernel", fake, "-o", "out")
    assert result.code == 1
    assert f"vermagic says {kver}, expected {fake}" in result.err
    assert not Path("out").exists() or not list(Path("out").iterdir())
    assert not list((workdir / "cache").rglob("*.rpm")), "a build that failed verify was stored"


def demo_copy(workdir: Path) -> Path:
    recipe = workdir / "recipe"
    recipe.mkdir()
    for name in ("recipe.toml", "xenkit_demo.c", "Kbuild", "xenkit-demo.spec"):
        shutil.copy(DEMO / name, recipe / name)
    return recipe


@pytest.mark.integration
def test_local_build_and_no_cache(xenkit: Xenkit, kver: str, workdir: Path) -> None:
    first = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out")
    assert first.code == 0, first.err
    bundle = Path(first.out.splitlines()[-1])
    assert bundle.name == f"xenkit-demo-1.0-1-{kver}.tar.gz"
    assert json.loads(members(bundle)[f"{bundle.name[:-7]}/manifest.json"])["build_host"] == "local"
    again = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out", "--no-cache")
    assert again.code == 0, again.err
    assert "cached" not in again.err and "rpmbuild: %build" in again.err


@pytest.mark.integration
def test_failed_rpmbuild_shows_log_tail_and_keeps_log(xenkit: Xenkit, kver: str, workdir: Path) -> None:
    recipe = demo_copy(workdir)
    (recipe / "xenkit_demo.c").write_text("#include <linux/module.h>\nthis is not C;\n")
    result = xenkit("driver", "build", str(recipe), "--local", "--kernel", kver, "-o", "out")
    assert result.code == 1
    assert "rpmbuild -ba xenkit-demo.spec failed on local" in result.err
    assert "error: unknown type name" in result.err.split("failed on local", 1)[1]
    tail = [line for line in result.err.splitlines() if line.startswith("error: | ")]
    assert 0 < len(tail) <= 40
    log = Path("out") / f"demo-{kver}.rpmbuild.log"
    assert log.is_file() and "this is not C" in log.read_text()
    assert str(log) in result.err
    assert not list(Path("out").glob("*.tar.gz"))


@pytest.mark.integration
def test_spec_that_builds_no_module(xenkit: Xenkit, kver: str, workdir: Path) -> None:
    recipe = demo_copy(workdir)
    spec = recipe / "xenkit-demo.spec"
    text = spec.read_text()
    text = text.replace("make -C %{kernel_source} M=$PWD modules", "echo no module > README")
    text = text.replace("install -D -m 0644 xenkit_demo.ko %{buildroot}/lib/modules/%{kernel_version}/extra/"
                        "xenkit_demo.ko", "install -D -m 0644 README %{buildroot}/usr/share/doc/xenkit-demo/README")
    text = text.replace("/lib/modules/%{kernel_version}/extra/xenkit_demo.ko\n", "/usr/share/doc/xenkit-demo/README\n")
    spec.write_text(text)
    result = xenkit("driver", "build", str(recipe), "--local", "--kernel", kver, "-o", "out")
    assert result.code == 1
    assert "holds no kernel module (.ko)" in result.err
    assert not Path("out").exists() or not list(Path("out").glob("*.tar.gz"))


@pytest.mark.parametrize(("args", "shown"), [
    (["demo", "--kernel", "1.2.3"], "give one of --build-host HOST"),
    (["demo", "--local", "--build-host", "x", "--kernel", "1.2.3"], "give one of --build-host HOST"),
    (["nosuch", "--local", "--kernel", "1.2.3"], 'recipe "nosuch": no such recipe'),
    (["demo", "--local", "--kernel", "bad kernel"], "--kernel"),
    (["demo", "--local", "--kernel", "1.2.3", "--multipath-dialect", "0.5"], 'multipath dialect "0.5": unknown'),
    (["demo", "--local", "--kernel", "1.2.3", "--xenserver", "9.9"], 'XenServer version "9.9": unknown'),
    (["demo", "--local", "--kernel", "1.2.3", "--xenserver", "7.5"],
     "XenServer 7.5: not supported because its /etc/multipath.conf is the storage manager's"),
    (["demo", "--local", "--kernel", "1.2.3", "--xenserver", "8.2.1", "--multipath-dialect", "0.4.9"],
     "XenServer 8.2.1: not supported because"),
    (["scsi_dh_alua", "--local", "--kernel", "1.2.3"], "recipe scsi_dh_alua needs --source"),
])
def test_bad_input_exit_2(xenkit: Xenkit, workdir: Path, args: list[str], shown: str) -> None:
    result = xenkit("driver", "build", *args)
    assert result.code == 2, result.err
    assert shown in result.err
    assert "Traceback" not in result.err


def test_bundle_dialect_from_kernel_release() -> None:
    from toolkit.driver.assemble import choose_dialect

    assert str(choose_dialect(None, None, "2.6.32.12-0.7.1.xs6.0.2.542.170665xen").dialect) == "0.4.7"
    assert str(choose_dialect(None, None, "4.19.0+1").dialect) == "0.4.9"
    assert str(choose_dialect(None, "8.4", "4.19.0+1").dialect) == "0.4.9"
    with pytest.raises(UsageError, match=r"^XenServer 8\.2: not supported because"):  # a managed file, no conf.d
        choose_dialect(None, "8.2", "4.19.0+1")
    assert "conservative" in choose_dialect(None, None, "4.19.0+1").why


@pytest.mark.integration
def test_manifest_names_no_local_paths(xenkit: Xenkit, kver: str, workdir: Path) -> None:
    """The same inputs from another checkout or directory give the same bundle: no local path in it."""
    recipe = demo_copy(workdir)
    first = xenkit("driver", "build", str(recipe), "--local", "--kernel", kver, "-o", "out")
    assert first.code == 0, first.err
    bundle = Path(first.out.splitlines()[-1])
    manifest = members(bundle)[f"{bundle.name[:-7]}/manifest.json"].decode()
    assert str(workdir) not in manifest and "recipe demo's files" in manifest


@pytest.mark.integration
def test_rpmbuild_timeout_keeps_log(xenkit: Xenkit, kver: str, workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that hangs is stopped at the deadline; what it printed so far is shown and kept."""
    import toolkit.driver.rpmbuild as rpmbuild

    monkeypatch.setattr(rpmbuild, "BUILD_TIMEOUT", 3.0)
    recipe = demo_copy(workdir)
    spec = recipe / "xenkit-demo.spec"
    spec.write_text(spec.read_text().replace("make -C %{kernel_source}", "echo hanging now; sleep 31.25; make -C "
                                             "%{kernel_source}"))
    result = xenkit("driver", "build", str(recipe), "--local", "--kernel", kver, "-o", "out")
    assert result.code == 1
    assert "still running after 3 s; stopped" in result.err and "hanging now" in result.err
    log = Path("out") / f"demo-{kver}.rpmbuild.log"
    assert "hanging now" in log.read_text()
    left = subprocess.run(["pgrep", "-f", "sleep 31.25"], capture_output=True, text=True, timeout=30)
    assert left.stdout == "", "the build's processes outlived the timeout"
