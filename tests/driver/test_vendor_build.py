"""The vendor path of `xenkit driver build`, for real: the scsi_dh_alua recipe from a vendor zip holding a
source RPM, unpacked with `rpm -ivh --nomd5` and built with `rpmbuild -ba` for the build host's running kernel.

Intel's RHEL6_MPIO_Setup_20110712.zip is not redistributable, so the test makes a stand-in with the same member
and spec names whose module builds with kbuild. The build host is a loopback sshd test host whose `uname -r` (a
script first on its PATH) names the kernel whose headers are installed, as a DDK VM runs the dom0's kernel.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.conftest import Xenkit, require_program
from tests.driver.test_driver_build import DEMO, installed_kernel
from tests.support.remote_helpers import isolate_home, write_hosts_file
from tests.support.sshhosts import SshHostFactory

SPEC = """\
%define kver %(uname -r)
Name: scsi_dh_alua_CBVTrak
Version: 2
Release: 1
Summary: stand-in for Intel's ALUA device handler
License: GPL
Group: System Environment/Kernel
Source0: scsi_dh_alua.c
Source1: Kbuild
BuildRoot: %{_tmppath}/%{name}-%{version}-%{release}-root
%description
stand-in
%prep
%setup -q -c -T
cp %{SOURCE0} %{SOURCE1} .
%build
make -C /lib/modules/%{kver}/build M=$PWD modules
%install
install -D -m 0644 scsi_dh_alua.ko %{buildroot}/lib/modules/%{kver}/extra/scsi_dh_alua.ko
%files
/lib/modules/%{kver}/extra/scsi_dh_alua.ko
"""


def read_member(tar: tarfile.TarFile, name: str) -> bytes:
    handle = tar.extractfile(name)
    assert handle is not None, f"{name} is not a regular file"
    return handle.read()


@pytest.fixture
def vendor_zip(tmp_path: Path) -> Path:
    require_program("rpmbuild")
    src = tmp_path / "vendor-src"
    src.mkdir()
    (src / "scsi_dh_alua.spec").write_text(SPEC)
    shutil.copy(DEMO / "xenkit_demo.c", src / "scsi_dh_alua.c")
    (src / "Kbuild").write_text("obj-m := scsi_dh_alua.o\n")
    made = subprocess.run(["rpmbuild", "-bs", "--define", f"_topdir {src}", "--define", f"_sourcedir {src}",
                           "--define", f"_srcrpmdir {src}", str(src / "scsi_dh_alua.spec")],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    archive = tmp_path / "RHEL6_MPIO_Setup_20110712.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("RHEL6_MPIO_Setup/README.txt", "Intel MPIO setup\n")
        zipped.write(src / "scsi_dh_alua_CBVTrak-2-1.src.rpm", "RHEL6_MPIO_Setup/scsi_dh_alua_CBVTrak-2-1.src.rpm")
    return archive


def test_vendor_zip_built_for_the_running_kernel(xenkit: Xenkit, ssh_host_factory: SshHostFactory, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch, vendor_zip: Path) -> None:
    kver = installed_kernel()
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory()
    write_hosts_file(tmp_path, "ddk", host)
    fake_uname = host.bin_dir / "uname"
    fake_uname.write_text(f"#!/bin/sh\n[ \"$1\" = -r ] && {{ echo {kver}; exit; }}\nexec /bin/uname \"$@\"\n")
    fake_uname.chmod(0o755)

    result = xenkit("driver", "build", "scsi_dh_alua", "--build-host", "ddk", "--kernel", kver,
                    "--source", str(vendor_zip), "--xenserver", "6.0.2", "-o", "bundles")
    assert result.code == 0, result.err
    assert "upload scsi_dh_alua_CBVTrak-2-1.src.rpm" in result.err
    assert "rpm -ivh --nomd5 scsi_dh_alua_CBVTrak-2-1.src.rpm" in result.err
    assert "rpmbuild -bs" not in result.err  # a vendor source RPM is installed as it is
    bundle = Path(result.out.splitlines()[-1])
    top = f"scsi_dh_alua_CBVTrak-2-1-{kver}"
    assert bundle == Path("bundles") / f"{top}.tar.gz"
    with tarfile.open(bundle) as tar:
        manifest = json.loads(read_member(tar, f"{top}/manifest.json"))
        conf = read_member(tar, f"{top}/multipath.conf").decode()
    member = "RHEL6_MPIO_Setup/scsi_dh_alua_CBVTrak-2-1.src.rpm"
    assert manifest["inputs"]["origin"] == f"RHEL6_MPIO_Setup_20110712.zip:{member}"
    assert manifest["rpms"][0]["modules"][0]["path"] == f"/lib/modules/{kver}/extra/scsi_dh_alua.ko"
    assert manifest["multipath"]["dialect"] == "0.4.7"  # XenServer 6.0.2: multipath-tools 0.4.7
    assert re.search(r'^\s*prio_callout\s+"/sbin/mpath_prio_alua /dev/%n"$', conf, re.MULTILINE)

    # A DDK of another release: its kernel is not the one asked for; nothing is uploaded.
    fake_uname.write_text("#!/bin/sh\necho 2.6.32.43-0.4.1.xs1.8.0.835.170778xen\n")
    other = xenkit("driver", "build", "scsi_dh_alua", "--build-host", "ddk", "--kernel", kver, "--no-cache",
                   "--source", str(vendor_zip), "-o", "other")
    assert other.code == 1
    assert f"runs kernel 2.6.32.43-0.4.1.xs1.8.0.835.170778xen, but --kernel is {kver}" in other.err
    assert "upload" not in other.err and not Path("other").exists()


def test_demo_on_a_legacy_host(xenkit: Xenkit, ssh_host_factory: SshHostFactory, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    """The DDK VM's CentOS 5 OpenSSH only takes ssh-rsa (SHA-1) signatures: the build goes through such a host."""
    kver = installed_kernel()
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    host = ssh_host_factory(legacy=True)
    write_hosts_file(tmp_path, "ddk", host)
    result = xenkit("driver", "build", "demo", "--build-host", "ddk", "--kernel", kver, "-o", "out")
    assert result.code == 0, result.err
    assert Path(result.out.splitlines()[-1]).is_file()
    assert "Accepted publickey for root" in host.log_text() and ": RSA SHA256:" in host.log_text()  # ssh-rsa only


def test_recipes_list(xenkit: Xenkit) -> None:
    result = xenkit("driver", "recipes")
    assert result.code == 0
    lines = result.out.splitlines()
    assert [line.split()[0] for line in lines] == ["demo", "scsi_dh_alua"]
    assert "--source RHEL6_MPIO_Setup_20110712.zip" in lines[1]
