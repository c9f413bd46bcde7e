"""The throwaway XenServer 6.0.2 dom0 that tests/test_install_script.py runs the bundle's install.sh in.

It is a chroot inside `unshare --mount` (the tests run as root): the host's /usr bound read-only, everything
else (/boot, /etc, /lib/modules, the rpm database under /var/lib/rpm, /tmp) a real directory under pytest's
tmp_path. A fake `uname -r` prints the bundle's kernel and a fake `mkinitrd` (the command line in
/boot/initrd-KVER.img.cmd) packs modules as a gzip'ed cpio, as RHEL 5's does: only those the root device
needs and those named with --with; rpm, cpio, gzip, sha256sum and bash are the host's own. Like XenServer's
kernel, which ships its own scsi_dh_alua.ko, the kernel's tree holds a stock module of the test driver's
name, which is what gets packed when --with is missing. Dom0.add_kdump gives it the kdump kernel's initrd and
.cmd too. Dom0.set_hook runs a script of the test's from the fake mkinitrd and the test RPM's scriptlets.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from toolkit.generate.install_script import render_install_script
from toolkit.pipeline.bundle import sha256sums

KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665xen"  # the seed's XenServer 6.0.2 host
KDUMP_KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665kdump"  # its kdump kernel, as the seed names its initrd
PACKAGE = "xenkit-testdrv"
NVR = f"{PACKAGE}-1.0-1"
RPM = f"{NVR}.noarch.rpm"
MODULE = "xenkit_testdrv.ko"
MODNAME = "xenkit_testdrv"  # as mkinitrd's --with names it
MODULE_PATH = f"lib/modules/{KVER}/extra/{MODULE}"
BUNDLE = f"{PACKAGE}-1.0-1-{KVER}"
MODULE_DATA = b"not really a kernel module\n"  # what the RPM installs as MODULE_PATH
STOCK_MODULE_PATH = f"lib/modules/{KVER}/kernel/drivers/scsi/{MODULE}"  # the kernel's own, of the same name
STOCK_MODULE_DATA = b"the kernel's own xenkit_testdrv\n"
OLD_MULTIPATH = b"# XenServer's own multipath.conf\ndefaults {\n\tuser_friendly_names no\n}\n"
NEW_MULTIPATH = b"# the bundle's multipath.conf\ndevices {\n}\n"
TIMEOUT = 120  # seconds for any one command: a hung script fails the test instead of the run
PAD = 64 * 1024  # incompressible bytes in every fake initrd, so "much smaller" can be told apart



def _scriptlet(name: str) -> str:
    """The test RPM's scriptlet `name`: it runs the test's hook, if any (Dom0.set_hook), and fails when the hook
    does. Lua, as a shell scriptlet would make the package require /bin/sh, which nothing in the fake dom0's rpm
    database provides."""
    return (f'if not os.execute("[ ! -x /opt/fake/hook ] || /opt/fake/hook {name}") then\n'
            f'    error("the hook failed in the {name} scriptlet", 0)\nend')


SPEC = f"""\
Name: {PACKAGE}
Version: 1.0
Release: 1
Summary: xenkit install.sh test driver
License: MIT
Group: System Environment/Kernel
BuildArch: noarch
AutoReqProv: no

%description
A stand-in driver package: one file where a module would be.

%install
mkdir -p %{{buildroot}}/lib/modules/{KVER}/extra
printf 'not really a kernel module\\n' > %{{buildroot}}/{MODULE_PATH}

%files
/{MODULE_PATH}

%post -p <lua>
{_scriptlet("post")}
%preun -p <lua>
{_scriptlet("preun")}
%postun -p <lua>
{_scriptlet("postun")}
"""

FAKE_UNAME = """#!/bin/sh
# uname -r as the bundle's host would answer; anything else from the real uname.
if [ "$1" = -r ]; then cat /opt/fake/uname-r; else exec /usr/bin/uname "$@"; fi
"""

# RHEL 5's mkinitrd as far as install.sh cares: options anywhere on the line (-f; --with=MOD and --with MOD ask
# for MOD; others are ignored), then IMAGE and KVER. It packs flat under lib/, as a gzip'ed cpio with a pad:
# the modules the root device needs (here: every one under /lib/modules/KVER/kernel, the kernel's own, as they
# are there), then those /etc/modprobe.conf aliases as scsi_hostadapter and those named with --with, found
# under updates/, then extra/, then kernel/ (as depmod ranks them), each replacing a packed one of its name.
# It runs /opt/fake/hook mkinitrd KVER first, if there is one. /opt/fake/mode.KVER, or else /opt/fake/mode,
# turns it into the broken builds the tests need ("ignorewith" ignores --with and modprobe.conf).
FAKE_MKINITRD = """#!/bin/sh
set -e
echo "mkinitrd $*" >>/opt/fake/calls
force=0 image="" kver="" with=""
while [ $# -gt 0 ]; do
    case $1 in
        -f) force=1 ;;
        --with=*) with="$with ${1#--with=}" ;;
        --with) with="$with $2"; shift ;;
        -*) ;;
        *) if [ -z "$image" ]; then image=$1; else kver=$1; fi ;;
    esac
    shift
done
[ -n "$kver" ] || { echo "usage: mkinitrd [options] IMAGE KVER" >&2; exit 1; }
if [ -x /opt/fake/hook ]; then /opt/fake/hook mkinitrd "$kver"; fi
[ -d "/lib/modules/$kver" ] || { echo "mkinitrd: no modules for kernel $kver" >&2; exit 1; }
if [ -e "$image" ] && [ $force = 0 ]; then echo "mkinitrd: $image already exists" >&2; exit 1; fi
mode=$(cat "/opt/fake/mode.$kver" 2>/dev/null || cat /opt/fake/mode)
if [ "$mode" = fail ]; then printf 'half an image' >"$image"; echo "mkinitrd: failing on purpose" >&2; exit 1; fi
if [ "$mode" = interrupt ]; then
    # The admin's Ctrl-C or a dropped ssh session: TERM to install.sh (parent of the sh running the command).
    kill -TERM "$(cut -d ' ' -f 4 /proc/$PPID/stat)"
    printf 'half an image' >"$image"
    exit 1
fi
tree=$(mktemp -d)
mkdir -p "$tree/lib"
if [ "$mode" != small ]; then cp /opt/fake/pad "$tree/pad"; fi
if [ "$mode" != nomodule ]; then
    if [ -d "/lib/modules/$kver/kernel" ]; then
        find "/lib/modules/$kver/kernel" -name '*.ko' -exec cp {} "$tree/lib/" \\;
    fi
    if [ "$mode" = ignorewith ]; then
        with=""
    elif [ -f /etc/modprobe.conf ]; then
        with="$with $(sed -n 's/^alias scsi_hostadapter[0-9]* //p' /etc/modprobe.conf)"
    fi
    for module in $with; do
        path=""
        for dir in updates extra kernel; do
            if [ -z "$path" ] && [ -d "/lib/modules/$kver/$dir" ]; then
                path=$(find "/lib/modules/$kver/$dir" -name "$module.ko" | sort | head -n 1)
            fi
        done
        [ -n "$path" ] || { echo "No module $module found for kernel $kver, aborting." >&2; exit 1; }
        cp "$path" "$tree/lib/"
    done
fi
if [ "$mode" = plain ]; then
    (cd "$tree" && find . | cpio -o -H newc --quiet) >"$image"
else
    (cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -9 >"$image"
fi
rm -rf "$tree"
"""

FAKE_NEW_KERNEL_PKG = f"""#!/bin/sh
# XenServer <= 6.1's way: exactly the form the field notes give, or fail.
echo "new-kernel-pkg.py $*" >>/opt/fake/calls
[ "$*" = "--install --package=kernel-xen --mkinitrd {KVER}" ] || {{ echo "bad arguments: $*" >&2; exit 2; }}
exec mkinitrd /boot/initrd-{KVER}.img {KVER}
"""


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
