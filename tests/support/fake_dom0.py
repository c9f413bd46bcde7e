"""The throwaway XenServer 6.0.2 dom0 that tests/driver/test_install_run.py and test_install_rollback.py run the
bundle's install.sh in (a pytest plugin, loaded by tests/conftest.py: the fixtures rpm_file and dom0).

It is a chroot inside `unshare --mount` (the tests run as root): the host's /usr bound read-only, everything
else (/boot, /etc, /lib/modules, the rpm database under /var/lib/rpm, /tmp) a real directory under pytest's
tmp_path. A fake `uname -r` prints the bundle's kernel and a fake `mkinitrd` (the command line in
/boot/initrd-KVER.img.cmd) packs modules as a gzip'ed cpio, as RHEL 5's does: only those the root device
needs and those named with --with; rpm, cpio, gzip, sha256sum and bash are the host's own. Like XenServer's
kernel, which ships its own scsi_dh_alua.ko, the kernel's tree holds a stock module of the test driver's
name, which is what gets packed when --with is missing. Dom0.add_kdump gives it the kdump kernel's initrd and
.cmd too. Dom0.set_hook runs a script of the test's from the fake mkinitrd and the test RPM's scriptlets.
Its names, file contents and fake programs are in tests/support/fake_dom0_data.py.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.support.fake_dom0_data import (
    BUNDLE,
    FAKE_MKINITRD,
    FAKE_NEW_KERNEL_PKG,
    FAKE_UNAME,
    KDUMP_KVER,
    KVER,
    MODULE,
    NEW_DROPIN,
    NEW_MULTIPATH,
    NVR,
    OLD_MULTIPATH,
    PACKAGE,
    PAD,
    RPM,
    SPEC,
    STOCK_MODULE_DATA,
    STOCK_MODULE_PATH,
)
from toolkit.driver.bundle_write import sha256sums
from toolkit.generate.install_script import render_install_script

TIMEOUT = 120  # seconds for any one command: a hung script fails the test instead of the run


def run(argv: list[str], input: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, input=input, capture_output=True, text=True, timeout=TIMEOUT)


def cpio_archive(files: dict[str, bytes]) -> bytes:
    """A newc cpio archive holding `files` (relative paths), made by the real cpio."""
    with tempfile.TemporaryDirectory() as tmp:
        tree = Path(tmp)
        for name, data in files.items():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            (tree / name).write_bytes(data)
        names = "\n".join(sorted(files)) + "\n"
        result = subprocess.run(["cpio", "-o", "-H", "newc", "--quiet"], input=names.encode(), cwd=tree,
                                capture_output=True, timeout=TIMEOUT, check=True)
    return result.stdout


def initrd_names(image: bytes) -> list[str]:
    data = gzip.decompress(image) if image[:2] == b"\x1f\x8b" else image
    result = subprocess.run(["cpio", "-it", "--quiet"], input=data, capture_output=True, timeout=TIMEOUT, check=True)
    return result.stdout.decode().split()


def initrd_files(image: bytes) -> dict[str, bytes]:
    """The regular files in an initrd (gzip'ed or plain cpio), by their names in it ("lib/x.ko")."""
    data = gzip.decompress(image) if image[:2] == b"\x1f\x8b" else image
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["cpio", "-i", "-d", "--quiet", "--no-absolute-filenames"], input=data, cwd=tmp,
                       capture_output=True, timeout=TIMEOUT, check=True)
        return {str(path.relative_to(tmp)): path.read_bytes() for path in sorted(Path(tmp).rglob("*"))
                if path.is_file() and not path.is_symlink()}


def build_rpm(rpmbuild: str, top: Path) -> Path:
    """A small real RPM holding /lib/modules/KVER/extra/xenkit_testdrv.ko, built by rpmbuild under `top`."""
    (top / "SPECS").mkdir()
    spec = top / "SPECS" / f"{PACKAGE}.spec"
    spec.write_text(SPEC)
    result = run([rpmbuild, "-bb", "--nodeps", "--define", f"_topdir {top}", "--define", f"_tmppath {top}/tmp",
                  "--define", "__os_install_post %{nil}", "--define", "_build_id_links none", str(spec)])
    assert result.returncode == 0, result.stderr
    built = top / "RPMS" / "noarch" / RPM
    assert built.is_file(), result.stdout
    return built


class Dom0:
    """A chroot that looks enough like a XenServer 6.0.2 dom0 for install.sh."""

    def __init__(self, root: Path, rpm_file: Path) -> None:
        self.root = root
        self.boot_initrd = root / "boot" / f"initrd-{KVER}.img"
        self.initrd_cmd = root / "boot" / f"initrd-{KVER}.img.cmd"
        self.kdump_initrd = root / "boot" / f"initrd-{KDUMP_KVER}.img"
        self.kdump_cmd = root / "boot" / f"initrd-{KDUMP_KVER}.img.cmd"
        self.link = root / "etc" / "multipath.conf"
        self.target = root / "etc" / "multipath-enabled.conf"
        self.bundle = root / "bundle" / BUNDLE
        self.pad = os.urandom(PAD)
        self.old_initrd = gzip.compress(cpio_archive({"pad": self.pad, "lib/scsi_dh_alua.ko": b"old\n"}))
        self.old_kdump = b""  # add_kdump's
        self._build(rpm_file)

    def _build(self, rpm_file: Path) -> None:
        root = self.root
        for name in ("usr", "dev", "proc", "boot", "etc/rpm", "var/lib/rpm", "var/tmp", "var/lock", "root",
                     "opt/fake/bin", f"lib/modules/{KVER}/kernel/drivers/scsi", "bundle"):
            (root / name).mkdir(parents=True, exist_ok=True)
        for name in ("tmp", "var/tmp"):
            (root / name).mkdir(parents=True, exist_ok=True)
            (root / name).chmod(0o1777)
        # usrmerge: bin, sbin and lib64 point into the read-only /usr. lib is a real directory of links
        # into /usr/lib so that lib/modules can be a writable directory of this root.
        for name in ("bin", "sbin", "lib64"):
            if Path("/", name).exists():
                (root / name).symlink_to(f"usr/{name}")
        usr_lib = Path("/lib").resolve()
        assert usr_lib == Path("/usr/lib"), "the throwaway dom0 assumes a usrmerge'd host (/lib -> usr/lib)"
        for entry in usr_lib.iterdir():
            if entry.name != "modules":
                (root / "lib" / entry.name).symlink_to(entry)
        for name in ("null", "zero", "random", "urandom"):
            (root / "dev" / name).touch()
        for name in ("passwd", "group", "ld.so.cache", "nsswitch.conf"):
            if Path("/etc", name).exists():
                shutil.copy(Path("/etc", name), root / "etc" / name)
        # Debian's rpm keeps its database in ~/.rpmdb; a dom0's is /var/lib/rpm, inside this root.
        (root / "etc/rpm/macros").write_text("%_dbpath /var/lib/rpm\n")
        (root / f"lib/modules/{KVER}/kernel/drivers/scsi/scsi_dh_alua.ko").write_bytes(b"the kernel's own\n")
        (root / STOCK_MODULE_PATH).write_bytes(STOCK_MODULE_DATA)
        (root / f"lib/modules/{KVER}/modules.dep").write_text(
            f"kernel/drivers/scsi/scsi_dh_alua.ko:\nkernel/drivers/scsi/{MODULE}:\n")
        self.target.write_bytes(OLD_MULTIPATH)
        self.link.symlink_to("/etc/multipath-enabled.conf")  # as XenServer <= 6.1 has it
        (root / "opt/fake/pad").write_bytes(self.pad)
        self.boot_initrd.write_bytes(self.old_initrd)
        self.initrd_cmd.write_text(f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}\n")
        self.set("uname-r", KVER)
        self.set("mode", "gzip")
        for name, text in (("uname", FAKE_UNAME), ("mkinitrd", FAKE_MKINITRD),
                           ("new-kernel-pkg.py", FAKE_NEW_KERNEL_PKG)):
            script = root / "opt/fake/bin" / name
            script.write_text(text)
            script.chmod(0o755)
        self.write_bundle(rpm_file)
        init = self.sh("rpm --initdb")
        assert init.returncode == 0, init.stderr

    def add_kdump(self) -> None:
        """The kdump kernel of XenServer 6.0.2: its module tree, its initrd and the .cmd that builds it."""
        scsi = self.root / f"lib/modules/{KDUMP_KVER}/kernel/drivers/scsi"
        scsi.mkdir(parents=True)
        (scsi / "scsi_dh_alua.ko").write_bytes(b"the kdump kernel's own\n")
        self.old_kdump = gzip.compress(cpio_archive({"pad": self.pad, "lib/scsi_dh_alua.ko": b"old kdump\n"}))
        self.kdump_initrd.write_bytes(self.old_kdump)
        self.kdump_cmd.write_text(f"mkinitrd -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}\n")

    def set(self, name: str, value: str) -> None:
        """A setting of the fakes: uname-r, mode (the fake mkinitrd's), mode.KVER (for that kernel only)."""
        (self.root / "opt/fake" / name).write_text(value + "\n")

    def set_hook(self, script: str) -> None:
        """A sh script run (as /opt/fake/hook EVENT [KVER]) by the fake mkinitrd before it builds (EVENT
        "mkinitrd") and by the test RPM's %post, %preun and %postun (EVENT "post", "preun", "postun"); the
        scriptlet fails when it does."""
        hook = self.root / "opt/fake/hook"
        hook.write_text("#!/bin/sh\n" + script)
        hook.chmod(0o755)

    def shadow(self, name: str, script: str) -> None:
        """A sh script in /opt/fake/bin, ahead of the real `name` on install.sh's PATH."""
        path = self.root / "opt/fake/bin" / name
        path.write_text("#!/bin/sh\n" + script)
        path.chmod(0o755)

    def calls(self) -> list[str]:
        path = self.root / "opt/fake/calls"
        return path.read_text().splitlines() if path.exists() else []

    def write_bundle(self, rpm_file: Path) -> None:
        self.bundle.mkdir(parents=True, exist_ok=True)
        members = {
            RPM: rpm_file.read_bytes(),
            "multipath.conf": NEW_MULTIPATH,
            "multipath-custom.conf": NEW_DROPIN,
            "install.sh": render_install_script(kver=KVER, rpms=[RPM], modules=[MODULE], bundle=BUNDLE).encode(),
            "manifest.json": b'{"name": "xenkit-testdrv"}\n',
        }
        for name, data in members.items():
            (self.bundle / name).write_bytes(data)
        (self.bundle / "install.sh").chmod(0o755)
        (self.bundle / "SHA256SUMS").write_bytes(sha256sums(members))

    def sh(self, command: str) -> subprocess.CompletedProcess[str]:
        """`command` run by bash inside the chroot, in a mount namespace of its own."""
        setup = (
            'set -e; r="$1"; shift\n'
            'mount --bind /usr "$r/usr"; mount -o remount,ro,bind "$r/usr"\n'
            'for d in null zero random urandom; do mount --bind "/dev/$d" "$r/dev/$d"; done\n'
            'mount -t proc proc "$r/proc"\n'
            'exec chroot "$r" /usr/bin/env -i PATH=/opt/fake/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root '
            'LC_ALL=C /bin/bash -c "$1"\n'
        )
        return run(["unshare", "--mount", "--propagation", "private", "bash", "-c", setup, "setup",
                    str(self.root), command])

    def install(self, *args: str) -> subprocess.CompletedProcess[str]:
        # Run from elsewhere: install.sh must cd to its own directory.
        return self.sh(f"cd / && /bundle/{BUNDLE}/install.sh {' '.join(args)}")

    def installed(self) -> bool:
        query = self.sh(f"rpm -q --qf '%{{NAME}}-%{{VERSION}}-%{{RELEASE}}' {PACKAGE}")
        return query.returncode == 0 and query.stdout.strip() == NVR

    def state(self) -> dict[str, object]:
        """Everything install.sh may change, to compare before and after a failed run."""
        files: dict[str, object] = {}
        for top in ("boot", "etc", "lib/modules"):
            for path in sorted((self.root / top).rglob("*")):
                key = str(path.relative_to(self.root))
                if path.is_symlink():
                    files[key] = ("link", os.readlink(path))
                elif path.is_file():
                    stat = path.stat()
                    files[key] = (hashlib.sha256(path.read_bytes()).hexdigest(), stat.st_mode, stat.st_mtime_ns)
                else:
                    files[key] = "dir"
        files["rpm -qa"] = self.sh("rpm -qa").stdout
        return files


def real_state() -> dict[str, object]:
    """The real machine's files that a leaking test would touch, its rpm database and its mount table."""
    state: dict[str, object] = {}
    for top in ("/boot", "/etc/multipath.conf", "/etc/multipath-enabled.conf", "/etc/multipath", "/lib/modules",
                "/var/lib/rpm"):
        base = Path(top)
        paths = [base, *sorted(base.rglob("*"))] if base.is_dir() and not base.is_symlink() else [base]
        for path in paths:
            try:
                stat = path.lstat()
            except FileNotFoundError:
                state[str(path)] = None
                continue
            state[str(path)] = (stat.st_mode, stat.st_size, stat.st_mtime_ns)
    # Debian's rpm database (~/.rpmdb): its packages, not its files' times, which any rpm query on the
    # machine bumps. Queried only when it exists: a query must not create it.
    dbpath = Path(run(["rpm", "--eval", "%_dbpath"]).stdout.strip())
    state["rpmdb"] = sorted(run(["rpm", "-qa"]).stdout.split()) if dbpath.is_dir() else None
    state["mounts"] = sorted(line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines())
    return state


# --- fixtures -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def rpm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real RPM holding /lib/modules/KVER/extra/xenkit_testdrv.ko, built by rpmbuild."""
    return build_rpm(require_program("rpmbuild"), tmp_path_factory.mktemp("rpmbuild"))


@pytest.fixture
def dom0(tmp_path: Path, rpm_file: Path) -> Iterator[Dom0]:
    """A fresh throwaway dom0; checks that the real /boot, /etc/multipath*, /lib/modules, rpm database and
    mount table are the same after the test."""
    for program in ("bash", "rpm", "cpio", "unshare", "sha256sum", "chroot", "gzip"):
        require_program(program)
    if os.geteuid() != 0:
        pytest.skip("the throwaway dom0 needs root (mount namespaces and chroot)")
    before = real_state()
    yield Dom0(tmp_path / "dom0", rpm_file)
    assert real_state() == before, "a test changed the real machine"
