"""The bundle's install.sh: rendered, parsed by bash, and run for real in a throwaway dom0.

The throwaway dom0 is a chroot inside `unshare --mount` (the tests run as root): the host's /usr bound
read-only, everything else (/boot, /etc, /lib/modules, the rpm database under /var/lib/rpm, /tmp) a real
directory under pytest's tmp_path. A fake `uname -r` prints the bundle's kernel and a fake `mkinitrd` (the
command line in /boot/initrd-KVER.img.cmd) packs the module tree as a gzip'ed cpio; rpm, cpio, gzip,
sha256sum and bash are the host's own. A fixture checks that the real /boot, /etc/multipath*, /lib/modules,
rpm database and mount table are the same after every test.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.errors import UsageError, ValidationError
from toolkit.generate.install_script import render_install_script
from toolkit.pipeline.bundle import sha256sums

from .conftest import fails, require_program

KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665xen"  # the seed's XenServer 6.0.2 host
PACKAGE = "xenkit-testdrv"
NVR = f"{PACKAGE}-1.0-1"
RPM = f"{NVR}.noarch.rpm"
MODULE = "xenkit_testdrv.ko"
MODULE_PATH = f"lib/modules/{KVER}/extra/{MODULE}"
BUNDLE = f"{PACKAGE}-1.0-1-{KVER}"
OLD_MULTIPATH = b"# XenServer's own multipath.conf\ndefaults {\n\tuser_friendly_names no\n}\n"
NEW_MULTIPATH = b"# the bundle's multipath.conf\ndevices {\n}\n"
TIMEOUT = 120  # seconds for any one command: a hung script fails the test instead of the run
PAD = 64 * 1024  # incompressible bytes in every fake initrd, so "much smaller" can be told apart

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
"""

FAKE_UNAME = """#!/bin/sh
# uname -r as the bundle's host would answer; anything else from the real uname.
if [ "$1" = -r ]; then cat /opt/fake/uname-r; else exec /usr/bin/uname "$@"; fi
"""

# Packs the .ko files of /lib/modules/KVER flat under lib/ (as RHEL 5's mkinitrd does) plus a pad, as a
# gzip'ed cpio; /opt/fake/mode turns it into the broken builds the tests need.
FAKE_MKINITRD = """#!/bin/sh
set -e
echo "mkinitrd $*" >>/opt/fake/calls
force=0
if [ "$1" = -f ]; then force=1; shift; fi
image=$1 kver=$2
if [ -e "$image" ] && [ $force = 0 ]; then echo "mkinitrd: $image already exists" >&2; exit 1; fi
mode=$(cat /opt/fake/mode)
if [ "$mode" = fail ]; then printf 'half an image' >"$image"; echo "mkinitrd: failing on purpose" >&2; exit 1; fi
if [ "$mode" = interrupt ]; then
    # The admin's Ctrl-C or a dropped ssh session: TERM to install.sh (parent of the sh running the .cmd).
    kill -TERM "$(cut -d ' ' -f 4 /proc/$PPID/stat)"
    printf 'half an image' >"$image"
    exit 1
fi
tree=$(mktemp -d)
mkdir -p "$tree/lib"
if [ "$mode" != small ]; then cp /opt/fake/pad "$tree/pad"; fi
if [ "$mode" != nomodule ]; then find "/lib/modules/$kver" -name '*.ko' -exec cp {} "$tree/lib/" \\;; fi
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


def cpio_archive(files: dict[str, bytes], work: Path) -> bytes:
    """A newc cpio archive holding `files` (relative paths), made by the real cpio."""
    tree = work / "cpio-tree"
    shutil.rmtree(tree, ignore_errors=True)
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


# --- the throwaway dom0 ---------------------------------------------------------------------------------


class Dom0:
    """A chroot that looks enough like a XenServer 6.0.2 dom0 for install.sh."""

    def __init__(self, root: Path, rpm_file: Path) -> None:
        self.root = root
        self.boot_initrd = root / "boot" / f"initrd-{KVER}.img"
        self.link = root / "etc" / "multipath.conf"
        self.target = root / "etc" / "multipath-enabled.conf"
        self.bundle = root / "bundle" / BUNDLE
        self._build(rpm_file)

    def _build(self, rpm_file: Path) -> None:
        root = self.root
        for name in ("usr", "dev", "proc", "boot", "etc/rpm", "var/lib/rpm", "var/tmp", "root", "opt/fake/bin",
                     f"lib/modules/{KVER}/kernel/drivers/scsi", "bundle"):
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
        (root / f"lib/modules/{KVER}/modules.dep").write_text("kernel/drivers/scsi/scsi_dh_alua.ko:\n")
        self.target.write_bytes(OLD_MULTIPATH)
        self.link.symlink_to("/etc/multipath-enabled.conf")  # as XenServer <= 6.1 has it
        pad = os.urandom(PAD)
        (root / "opt/fake/pad").write_bytes(pad)
        self.old_initrd = gzip.compress(cpio_archive({"pad": pad, "lib/scsi_dh_alua.ko": b"old\n"}, root / "var"))
        shutil.rmtree(root / "var" / "cpio-tree")
        self.boot_initrd.write_bytes(self.old_initrd)
        Path(f"{self.boot_initrd}.cmd").write_text(f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}\n")
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

    def set(self, name: str, value: str) -> None:
        (self.root / "opt/fake" / name).write_text(value + "\n")

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


@pytest.fixture(scope="module")
def rpm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real RPM holding /lib/modules/KVER/extra/xenkit_testdrv.ko, built by rpmbuild."""
    rpmbuild = require_program("rpmbuild")
    top = tmp_path_factory.mktemp("rpmbuild")
    (top / "SPECS").mkdir()
    spec = top / "SPECS" / f"{PACKAGE}.spec"
    spec.write_text(SPEC)
    result = run([rpmbuild, "-bb", "--nodeps", "--define", f"_topdir {top}", "--define", f"_tmppath {top}/tmp",
                  "--define", "__os_install_post %{nil}", "--define", "_build_id_links none", str(spec)])
    assert result.returncode == 0, result.stderr
    built = top / "RPMS" / "noarch" / RPM
    assert built.is_file(), result.stdout
    return built


def _real_state() -> dict[str, object]:
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


@pytest.fixture
def dom0(tmp_path: Path, rpm_file: Path) -> Iterator[Dom0]:
    for program in ("bash", "rpm", "cpio", "unshare", "sha256sum", "chroot", "gzip"):
        require_program(program)
    if os.geteuid() != 0:
        pytest.skip("the throwaway dom0 needs root (mount namespaces and chroot)")
    before = _real_state()
    yield Dom0(tmp_path / "dom0", rpm_file)
    assert _real_state() == before, "a test changed the real machine"


# --- rendering ------------------------------------------------------------------------------------------


def test_renders_a_script_bash_accepts() -> None:
    bash = require_program("bash")
    # The seed's own RPM name: underscores are plain too.
    seed_rpm = "scsi_dh_alua_intelmodular_cbvtrak.i386.rpm"
    script = render_install_script(kver=KVER, rpms=[RPM, seed_rpm], modules=[MODULE, "b-c.ko"], bundle=BUNDLE)
    assert script.startswith("#!/bin/bash\n") and "set -euo pipefail\n" in script
    assert f"kver={KVER}\n" in script
    assert f"rpms=( {RPM} scsi_dh_alua_intelmodular_cbvtrak.i386.rpm )\n" in script
    assert f"modules=( {MODULE} b-c.ko )\n" in script
    checked = run([bash, "-n"], input=script)
    assert checked.returncode == 0, checked.stderr
    # bash 3.2 (CentOS 5) has none of these.
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    for newer in ("declare -A", "mapfile", "readarray", ",,}", "^^}", "@Q}", "|&", "&>>", "coproc", "local -n"):
        assert newer not in code, newer


@pytest.mark.parametrize(("kwargs", "field", "shown"), [
    ({"kver": "2.6.32 xen"}, "kver", "not a kernel release"),
    ({"kver": "../../etc"}, "kver", "not a kernel release"),
    ({"kver": "$(reboot)"}, "kver", "not a kernel release"),
    ({"kver": "2." + "1" * 70}, "kver", "not a kernel release"),
    ({"rpms": []}, "rpms", "at least one"),
    ({"rpms": RPM}, "rpms", "not one string"),
    ({"rpms": ["../x.rpm"]}, "rpms", "not a plain RPM file name"),
    ({"rpms": ["-x.rpm"]}, "rpms", "not a plain"),
    ({"rpms": ["a b.rpm"]}, "rpms", "not a plain"),
    ({"rpms": ["x.tar.gz"]}, "rpms", "not a plain"),
    ({"rpms": [RPM, RPM]}, "rpms", "more than once"),
    ({"rpms": ["x-1.0-1.src.rpm"]}, "rpms", "source RPMs"),
    ({"modules": []}, "modules", "at least one"),
    ({"modules": ["extra/x.ko"]}, "modules", "not a plain kernel module"),
    ({"modules": ["x.o"]}, "modules", "not a plain"),
    ({"modules": ["x';reboot;'.ko"]}, "modules", "not a plain"),
    ({"bundle": ""}, "bundle", "not a plain bundle name"),
    ({"bundle": "a/b"}, "bundle", "not a plain bundle name"),
])
def test_bad_inputs_are_refused(kwargs: dict[str, object], field: str, shown: str) -> None:
    values: dict[str, object] = {"kver": KVER, "rpms": [RPM], "modules": [MODULE], "bundle": BUNDLE, **kwargs}
    err = fails(lambda: render_install_script(**values), field, shown)  # type: ignore[arg-type]
    assert isinstance(err, UsageError)


def test_values_are_shell_quoted() -> None:
    # The patterns keep shell syntax out; quoting is the second fence. "+" and "~" are legal and harmless.
    script = render_install_script(kver="4.19.0+1", rpms=["a~b-1.0-1.x86_64.rpm"], modules=[MODULE], bundle="b")
    assignments = [line for line in script.splitlines() if line.startswith(("bundle=", "kver=", "rpms=", "modules="))]
    assert len(assignments) == 4
    show = 'printf "%s\\n" "$bundle" "$kver" "${rpms[@]}" "${modules[@]}"'
    shown = run(["bash", "-c", "\n".join([*assignments, show])])
    assert shown.stdout.splitlines() == ["b", "4.19.0+1", "a~b-1.0-1.x86_64.rpm", MODULE]
    with pytest.raises(ValidationError):
        render_install_script(kver=KVER, rpms=["`id`.rpm"], modules=[MODULE], bundle="b")


def test_bad_arguments_and_shells_stop_it_first(tmp_path: Path) -> None:
    # Both stop before the script looks at anything, so they are safe to run on the real machine.
    bash, sh = require_program("bash"), require_program("sh")
    script = tmp_path / "install.sh"
    script.write_text(render_install_script(kver=KVER, rpms=[RPM], modules=[MODULE], bundle=BUNDLE))
    wrong = run([bash, str(script), "--reboot"])
    assert wrong.returncode == 1 and "install.sh: error: unknown argument '--reboot'" in wrong.stderr
    helped = run([bash, str(script), "--help"])
    assert helped.returncode == 0 and "--dry-run" in helped.stdout
    if Path(sh).resolve().name != "bash":
        plain = run([sh, str(script)])
        assert plain.returncode == 1 and "run it with bash" in plain.stderr


# --- running it in the throwaway dom0 ------------------------------------------------------------------


def check_installed(dom0: Dom0) -> None:
    assert dom0.installed()
    assert (dom0.root / MODULE_PATH).read_bytes() == b"not really a kernel module\n"
    assert dom0.link.is_symlink() and os.readlink(dom0.link) == "/etc/multipath-enabled.conf"
    assert dom0.target.read_bytes() == NEW_MULTIPATH
    assert MODULE in {Path(name).name for name in initrd_names(dom0.boot_initrd.read_bytes())}


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.xenkit-*"))


def test_installs_everything(dom0: Dom0) -> None:
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    check_installed(dom0)
    [mp_backup] = backups(dom0.target)
    assert mp_backup.read_bytes() == OLD_MULTIPATH
    assert backups(dom0.link) == []  # beside the target, not the link
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
    assert dom0.calls() == [f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}"]
    lines = result.stdout.splitlines()
    assert all(line.startswith("install.sh: ") for line in lines if not line.startswith(("Verifying", "Preparing",
                                                                                        "Updating", PACKAGE, " ")))
    assert "never reboots" in lines[-1] and "multipath -ll" in lines[-1]
    assert list((dom0.root / "tmp").iterdir()) == []  # its work directory is gone


def test_plain_cpio_initrd_and_no_multipath_conf_before(dom0: Dom0) -> None:
    dom0.set("mode", "plain")
    dom0.link.unlink()
    dom0.target.unlink()
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    assert not dom0.link.is_symlink() and dom0.link.read_bytes() == NEW_MULTIPATH
    assert dom0.link.stat().st_mode & 0o777 == 0o644
    assert dom0.boot_initrd.read_bytes()[:2] != b"\x1f\x8b"
    assert MODULE in {Path(name).name for name in initrd_names(dom0.boot_initrd.read_bytes())}


def test_old_xenserver_without_cmd_file_uses_new_kernel_pkg(dom0: Dom0) -> None:
    Path(f"{dom0.boot_initrd}.cmd").unlink()
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    check_installed(dom0)
    assert dom0.calls() == [f"new-kernel-pkg.py --install --package=kernel-xen --mkinitrd {KVER}",
                            f"mkinitrd /boot/initrd-{KVER}.img {KVER}"]


def test_second_run_keeps_the_original_backups(dom0: Dom0) -> None:
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    after_first = dom0.boot_initrd.read_bytes()
    second = dom0.install()
    assert second.returncode == 0, second.stdout + second.stderr
    check_installed(dom0)
    assert "already is the bundle's multipath.conf" in second.stdout
    [mp_backup] = backups(dom0.target)
    assert mp_backup.read_bytes() == OLD_MULTIPATH
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
    assert dom0.boot_initrd.read_bytes() != dom0.old_initrd and len(dom0.boot_initrd.read_bytes()) > PAD // 2
    assert after_first[:2] == b"\x1f\x8b"
    assert sorted(p.name for p in (dom0.root / "boot").iterdir() if p.name.startswith(".")) == []


def test_dry_run_changes_nothing(dom0: Dom0) -> None:
    before = dom0.state()
    result = dom0.install("--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing was changed" in result.stdout
    assert dom0.state() == before and dom0.calls() == []


def refused(dom0: Dom0, *message: str) -> subprocess.CompletedProcess[str]:
    """Run install.sh, which must fail, say each of `message` on stderr, and leave everything as it was."""
    before = dom0.state()
    result = dom0.install()
    assert result.returncode != 0, result.stdout
    for text in message:
        assert text in result.stderr, result.stderr
    assert "install.sh: error: " in result.stderr
    assert dom0.state() == before
    return result


def test_wrong_kernel_changes_nothing(dom0: Dom0) -> None:
    dom0.set("uname-r", "2.6.32.43-0.4.1.xs1.8.0.835.170778xen")
    refused(dom0, f"this bundle is for kernel {KVER} but this host runs 2.6.32.43-0.4.1.xs1.8.0.835.170778xen")
    assert not dom0.installed() and dom0.calls() == []


@pytest.mark.parametrize("member", ["multipath.conf", RPM, "install.sh"])
def test_tampered_bundle_changes_nothing(dom0: Dom0, member: str) -> None:
    path = dom0.bundle / member
    data = path.read_bytes()
    # install.sh must stay runnable to report anything: append a comment line to it.
    path.write_bytes(data + b"\n# changed\n" if member == "install.sh" else data[:-1] + bytes([data[-1] ^ 1]))
    refused(dom0, "do not match SHA256SUMS", f"{member}: FAILED")
    assert not dom0.installed()


def test_sums_not_covering_a_file_changes_nothing(dom0: Dom0) -> None:
    sums = dom0.bundle / "SHA256SUMS"
    sums.write_text("".join(line for line in sums.read_text().splitlines(True) if "multipath.conf" not in line))
    refused(dom0, "SHA256SUMS does not cover multipath.conf")


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", "the initrd build failed"),
    ("nomodule", f"the new initrd lacks {MODULE}"),
    ("small", "less than half the old one's"),
])
def test_broken_initrd_build_is_rolled_back(dom0: Dom0, mode: str, message: str) -> None:
    dom0.set("mode", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")
    assert f"erasing {NVR}" in result.stderr
    assert not dom0.installed() and not (dom0.root / MODULE_PATH).exists()
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd
    assert dom0.target.read_bytes() == OLD_MULTIPATH and os.readlink(dom0.link) == "/etc/multipath-enabled.conf"
    assert backups(dom0.target) == [] and backups(dom0.boot_initrd) == []


def test_terminated_run_is_rolled_back(dom0: Dom0) -> None:
    dom0.set("mode", "interrupt")
    result = refused(dom0, "stopped (exit 143) while rebuilding", "rolled back: the host is as it was before")
    assert result.returncode == 143
    assert not dom0.installed() and dom0.boot_initrd.read_bytes() == dom0.old_initrd


def test_failed_rerun_keeps_the_first_install(dom0: Dom0) -> None:
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    dom0.set("mode", "fail")
    result = refused(dom0, "the initrd build failed", "rolled back")
    assert "was installed before" in result.stderr
    check_installed(dom0)
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
