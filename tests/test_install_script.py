"""The bundle's install.sh: rendered, parsed by bash, and run for real in a throwaway dom0 (tests/fake_dom0.py).

A fixture checks that the real /boot, /etc/multipath*, /lib/modules, rpm database and mount table are the
same after every test.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from toolkit.errors import UsageError, ValidationError
from toolkit.generate.install_script import render_install_script

from .conftest import fails, require_program
from .fake_dom0 import (
    BUNDLE,
    KDUMP_KVER,
    KVER,
    MODNAME,
    MODULE,
    MODULE_DATA,
    MODULE_PATH,
    NEW_MULTIPATH,
    NVR,
    OLD_MULTIPATH,
    PACKAGE,
    PAD,
    RPM,
    STOCK_MODULE_DATA,
    STOCK_MODULE_PATH,
    Dom0,
    build_rpm,
    initrd_files,
    initrd_names,
    real_state,
    run,
)

MAIN_CALL = f"mkinitrd -f /boot/initrd-{KVER}.img {KVER} --with={MODNAME}"  # the .cmd's command, plus --with
KDUMP_CALL = f"mkinitrd -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}"  # the kdump .cmd's, as it is
LOCK = "/var/lock/xenkit-install.lock"
# The hint when new-kernel-pkg.py's mkinitrd did not pack the module.
FALLBACK_HINT = f"add the line 'alias scsi_hostadapterN {MODNAME}' to /etc/modprobe.conf"


@pytest.fixture(scope="module")
def rpm_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small real RPM holding /lib/modules/KVER/extra/xenkit_testdrv.ko, built by rpmbuild."""
    return build_rpm(require_program("rpmbuild"), tmp_path_factory.mktemp("rpmbuild"))


@pytest.fixture
def dom0(tmp_path: Path, rpm_file: Path) -> Iterator[Dom0]:
    for program in ("bash", "rpm", "cpio", "unshare", "sha256sum", "chroot", "gzip"):
        require_program(program)
    if os.geteuid() != 0:
        pytest.skip("the throwaway dom0 needs root (mount namespaces and chroot)")
    before = real_state()
    yield Dom0(tmp_path / "dom0", rpm_file)
    assert real_state() == before, "a test changed the real machine"


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


def test_renders_a_script_shellcheck_accepts() -> None:
    shellcheck = require_program("shellcheck")
    script = render_install_script(kver=KVER, rpms=[RPM, "b.rpm"], modules=[MODULE, "b-c.ko"], bundle=BUNDLE)
    checked = run([shellcheck, "--shell=bash", "-"], input=script)
    assert checked.returncode == 0, checked.stdout + checked.stderr


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


def packed_modules(image: bytes) -> list[bytes]:
    """The contents of each member of the initrd `image` named like the test driver's module."""
    return [data for name, data in initrd_files(image).items() if Path(name).name == MODULE]


def check_installed(dom0: Dom0, link: str = "/etc/multipath-enabled.conf") -> None:
    assert dom0.installed()
    assert (dom0.root / MODULE_PATH).read_bytes() == MODULE_DATA
    assert (dom0.root / STOCK_MODULE_PATH).read_bytes() == STOCK_MODULE_DATA  # the kernel's own stays
    assert dom0.link.is_symlink() and os.readlink(dom0.link) == link
    assert dom0.target.read_bytes() == NEW_MULTIPATH
    # The RPM's copy of the module, not the kernel's own of the same name.
    assert packed_modules(dom0.boot_initrd.read_bytes()) == [MODULE_DATA]
    assert not (dom0.root / LOCK.lstrip("/")).exists()  # released


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
    # The fake mkinitrd packs the module only when asked with --with: the run added it to a copy.
    assert dom0.calls() == [MAIN_CALL]
    assert dom0.initrd_cmd.read_text() == f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}\n"
    assert f"lacks --with={MODNAME}: it is run with it added" in result.stdout
    assert f"no /boot/initrd-{KDUMP_KVER}.img.cmd found: the kdump initrd is not rebuilt" in result.stdout
    assert not dom0.kdump_initrd.exists()
    lines = result.stdout.splitlines()
    assert all(line.startswith("install.sh: ") for line in lines if not line.startswith(("Verifying", "Preparing",
                                                                                        "Updating", PACKAGE, " ")))
    assert "never reboots" in lines[-1] and "multipath -ll" in lines[-1]
    assert list((dom0.root / "tmp").iterdir()) == []  # its work directory is gone
    assert list((dom0.root / "var/lock").iterdir()) == []  # and its lock


def test_plain_cpio_initrd_and_no_multipath_conf_before(dom0: Dom0) -> None:
    dom0.set("mode", "plain")
    dom0.link.unlink()
    dom0.target.unlink()
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    assert not dom0.link.is_symlink() and dom0.link.read_bytes() == NEW_MULTIPATH
    assert dom0.link.stat().st_mode & 0o777 == 0o644
    assert dom0.boot_initrd.read_bytes()[:2] != b"\x1f\x8b"
    assert packed_modules(dom0.boot_initrd.read_bytes()) == [MODULE_DATA]


def test_old_xenserver_without_cmd_file_uses_new_kernel_pkg(dom0: Dom0) -> None:
    dom0.initrd_cmd.unlink()
    # new-kernel-pkg.py gets no --with: here mkinitrd packs the module as the root device's host adapter.
    (dom0.root / "etc/modprobe.conf").write_text(f"alias scsi_hostadapter {MODNAME}\n")
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


@pytest.mark.parametrize("kdump", [False, True])
def test_dry_run_changes_nothing(dom0: Dom0, kdump: bool) -> None:
    if kdump:
        dom0.add_kdump()
    before = dom0.state()
    result = dom0.install("--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing was changed" in result.stdout
    assert dom0.state() == before and dom0.calls() == []
    assert f"would keep /boot/initrd-{KVER}.img aside and rebuild it with: {MAIN_CALL}\n" in result.stdout
    kdump_line = f"would keep /boot/initrd-{KDUMP_KVER}.img aside and rebuild it with: {KDUMP_CALL}\n"
    assert (kdump_line in result.stdout) == kdump
    assert ("the kdump initrd is not rebuilt" in result.stdout) != kdump


def refused(dom0: Dom0, *message: str) -> subprocess.CompletedProcess[str]:
    """Run install.sh, which must fail, say each of `message` on stderr, and leave everything as it was."""
    before = dom0.state()
    result = dom0.install()
    assert result.returncode != 0, result.stdout
    for text in message:
        assert text in result.stderr, result.stderr
    assert "install.sh: error: " in result.stderr
    assert dom0.state() == before
    assert list((dom0.root / "tmp").iterdir()) == []  # its work directory is gone
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


def rollback_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith(("install.sh: erasing", "install.sh: restoring"))]


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", "the initrd build failed"),
    ("nomodule", f"the new initrd lacks {MODULE}"),
    # mkinitrd ignores --with: it packs the kernel's own module of that name. Its name alone would pass.
    ("ignorewith", f"the new initrd's lib/{MODULE} is not the {MODULE} that the RPMs installed as /{MODULE_PATH}"),
    ("small", "less than half the old one's"),
])
def test_broken_initrd_build_is_rolled_back(dom0: Dom0, mode: str, message: str) -> None:
    dom0.set("mode", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")
    assert not dom0.installed() and not (dom0.root / MODULE_PATH).exists()
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd
    assert dom0.target.read_bytes() == OLD_MULTIPATH and os.readlink(dom0.link) == "/etc/multipath-enabled.conf"
    assert backups(dom0.target) == [] and backups(dom0.boot_initrd) == []
    assert not (dom0.root / LOCK.lstrip("/")).exists()
    # The RPMs first (their scripts may rebuild the initrd), then multipath.conf, then the initrd.
    assert rollback_lines(result.stderr) == [f"install.sh: erasing {NVR} (it was not installed before)",
                                             "install.sh: restoring the old /etc/multipath-enabled.conf",
                                             f"install.sh: restoring the old initrd /boot/initrd-{KVER}.img"]
    assert FALLBACK_HINT not in result.stderr  # a .cmd was there: no word of modprobe.conf


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


@pytest.mark.parametrize(("mode", "message"), [
    ("gzip", f"the new initrd's lib/{MODULE} is not the {MODULE} that the RPMs installed"),  # the kernel's own
    ("nomodule", f"the new initrd lacks {MODULE}"),
])
def test_old_xenserver_fallback_gets_no_with(dom0: Dom0, mode: str, message: str) -> None:
    # Without a .cmd the build is new-kernel-pkg.py's as it is: a module mkinitrd leaves out is caught, and the
    # error says how to have it packed.
    dom0.initrd_cmd.unlink()
    dom0.set("mode", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")
    assert dom0.calls()[-1] == f"mkinitrd /boot/initrd-{KVER}.img {KVER}"
    [error] = [line for line in result.stderr.splitlines() if line.startswith("install.sh: error: ")]
    assert "new-kernel-pkg.py runs mkinitrd without --with" in error and FALLBACK_HINT in error


# --- the .cmd file --------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "call"), [
    # Already asks for the module, either way mkinitrd takes it: run as it is, not given it twice.
    (f"mkinitrd -f --with=scsi_dh_alua --with={MODNAME} /boot/initrd-{KVER}.img {KVER}\n",
     f"mkinitrd -f --with=scsi_dh_alua --with={MODNAME} /boot/initrd-{KVER}.img {KVER}"),
    (f"mkinitrd -f --with {MODNAME} /boot/initrd-{KVER}.img {KVER}\n",
     f"mkinitrd -f --with {MODNAME} /boot/initrd-{KVER}.img {KVER}"),
    # Blank lines, blanks and CRs around the line, no final newline, a full path: the one line is run.
    (f"\n\t /opt/fake/bin/mkinitrd -f /boot/initrd-{KVER}.img {KVER} \r\n\r\n",
     f"mkinitrd -f /boot/initrd-{KVER}.img {KVER} --with={MODNAME}"),
    (f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}", MAIN_CALL),
])
def test_cmd_file_is_read_as_one_command_line(dom0: Dom0, text: str, call: str) -> None:
    dom0.initrd_cmd.write_bytes(text.encode())
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    check_installed(dom0)
    assert dom0.calls() == [call]
    assert dom0.initrd_cmd.read_bytes() == text.encode()  # never edited: XenServer's updates reuse it


@pytest.mark.parametrize(("kdump", "text", "message"), [
    (False, f"mkinitrd -f /boot/initrd-{KVER}.img {KVER}\nreboot\n", "holds 2 lines, not the one mkinitrd"),
    (False, f"rm -f /boot/initrd-{KVER}.img; mkinitrd /boot/initrd-{KVER}.img {KVER}\n",
     "does not start with a mkinitrd command (it starts with 'rm')"),
    (False, "\n \n", "is empty"),
    (True, f"mkinitrd -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}\n\nmkinitrd -f /x {KVER}\n", "holds 2 lines"),
])
def test_unexpected_cmd_file_changes_nothing(dom0: Dom0, kdump: bool, text: str, message: str) -> None:
    if kdump:
        dom0.add_kdump()
    (dom0.kdump_cmd if kdump else dom0.initrd_cmd).write_text(text)
    refused(dom0, message, "nothing was changed")
    assert not dom0.installed() and dom0.calls() == []


# --- the kdump initrd -----------------------------------------------------------------------------------


def test_kdump_initrd_is_rebuilt_too(dom0: Dom0) -> None:
    dom0.add_kdump()
    for run_number in (1, 2):
        result = dom0.install()
        assert result.returncode == 0, result.stdout + result.stderr
        check_installed(dom0)
        kdump = dom0.kdump_initrd.read_bytes()
        assert kdump != dom0.old_kdump and len(kdump) > PAD // 2
        # The xen kernel's module is not the kdump kernel's: that initrd holds only its own.
        assert [Path(name).name for name in initrd_names(kdump) if name.endswith(".ko")] == ["scsi_dh_alua.ko"]
        # The originals stay kept, once: a second run leaves no second backup (and no temporary one).
        [initrd_backup] = backups(dom0.boot_initrd)
        assert initrd_backup.read_bytes() == dom0.old_initrd
        [kdump_backup] = backups(dom0.kdump_initrd)
        assert kdump_backup.read_bytes() == dom0.old_kdump
        assert [p.name for p in (dom0.root / "boot").iterdir() if p.name.startswith(".")] == []
        assert dom0.calls() == [MAIN_CALL, KDUMP_CALL] * run_number
        assert f"and a new kdump initrd /boot/initrd-{KDUMP_KVER}.img" in result.stdout
    assert f"kept the old kdump initrd as /boot/initrd-{KDUMP_KVER}.img.xenkit-" not in result.stdout


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", f"the kdump initrd build failed (exit 1): {KDUMP_CALL}"),
    ("small", "the new kdump initrd is"),
    ("interrupt", "stopped (exit 143) while rebuilding /boot/initrd-" + KDUMP_KVER),
])
def test_broken_kdump_build_rolls_back_both_initrds(dom0: Dom0, mode: str, message: str) -> None:
    dom0.add_kdump()
    dom0.set(f"mode.{KDUMP_KVER}", mode)
    result = refused(dom0, message, "rolled back: the host is as it was before")  # the state as before
    assert dom0.calls() == [MAIN_CALL, KDUMP_CALL]  # the main initrd was built, and is restored all the same
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and dom0.kdump_initrd.read_bytes() == dom0.old_kdump
    assert dom0.target.read_bytes() == OLD_MULTIPATH and not dom0.installed()
    assert backups(dom0.boot_initrd) == [] and backups(dom0.kdump_initrd) == []
    # The RPMs first, then multipath.conf, then the initrds, newest first.
    assert rollback_lines(result.stderr) == [
        f"install.sh: erasing {NVR} (it was not installed before)",
        "install.sh: restoring the old /etc/multipath-enabled.conf",
        f"install.sh: restoring the old kdump initrd /boot/initrd-{KDUMP_KVER}.img",
        f"install.sh: restoring the old initrd /boot/initrd-{KVER}.img"]


def test_kdump_cmd_without_its_initrd_changes_nothing(dom0: Dom0) -> None:
    dom0.add_kdump()
    dom0.kdump_initrd.unlink()
    refused(dom0, f"initrd-{KDUMP_KVER}.img.cmd is there but /boot/initrd-{KDUMP_KVER}.img is missing")


# --- the multipath.conf link ----------------------------------------------------------------------------

DISABLED_MULTIPATH = b"# XenServer's multipath-disabled.conf\nblacklist {\n\tdevnode \"*\"\n}\n"


@pytest.mark.parametrize(("mode", "enabled_there"), [("gzip", True), ("gzip", False), ("fail", True), ("fail", False)])
def test_multipath_off_gets_the_config_into_the_enabled_file(dom0: Dom0, mode: str, enabled_there: bool) -> None:
    # XenServer <= 6.1 with multipathing off: the link points at multipath-disabled.conf. The bundle's config
    # goes into multipath-enabled.conf, where the link points once multipathing is turned on.
    disabled = dom0.root / "etc/multipath-disabled.conf"
    disabled.write_bytes(DISABLED_MULTIPATH)
    dom0.link.unlink()
    dom0.link.symlink_to("/etc/multipath-disabled.conf")
    if not enabled_there:
        dom0.target.unlink()
    note = ("install.sh: multipath is off now (/etc/multipath.conf -> /etc/multipath-disabled.conf): the bundle's"
            " multipath.conf goes into /etc/multipath-enabled.conf instead, and takes effect when multipath is"
            " enabled (/etc/multipath.conf is left as it is)\n")
    if mode == "fail":
        dom0.set("mode", mode)
        result = refused(dom0, "the initrd build failed", "rolled back: the host is as it was before")
        restored = ("restoring the old /etc/multipath-enabled.conf" if enabled_there
                    else "removing /etc/multipath-enabled.conf (there was none before)")
        assert f"install.sh: {restored}\n" in result.stderr
    else:
        result = dom0.install()
        assert result.returncode == 0, result.stdout + result.stderr
        check_installed(dom0, link="/etc/multipath-disabled.conf")
        assert [p.read_bytes() for p in backups(dom0.target)] == ([OLD_MULTIPATH] if enabled_there else [])
        assert dom0.target.stat().st_mode & 0o777 == 0o644
    assert note in result.stdout
    assert disabled.read_bytes() == DISABLED_MULTIPATH and backups(disabled) == []
    assert os.readlink(dom0.link) == "/etc/multipath-disabled.conf"


# --- the lock -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("lock_dir", ["/var/lock", "/var/run"])
def test_second_run_is_refused_while_the_lock_is_held(dom0: Dom0, lock_dir: str) -> None:
    if lock_dir == "/var/run":  # no /var/lock: the lock goes to /var/run
        (dom0.root / "var/lock").rmdir()
        (dom0.root / "var/run").mkdir()
    lock = dom0.root / lock_dir.lstrip("/") / "xenkit-install.lock"
    lock.mkdir()
    (lock / "pid").write_text("4242\n")
    refused(dom0, f"another install.sh (process 4242) holds the lock {lock_dir}/xenkit-install.lock",
            f"remove the lock (rm -rf {lock_dir}/xenkit-install.lock)", "nothing was changed")
    assert (lock / "pid").read_text() == "4242\n"  # the other run's: left alone
    assert not dom0.installed() and dom0.calls() == []
    # Once the lock is gone, a run takes it and gives it back.
    shutil.rmtree(lock)
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(lock.parent.iterdir()) == []


# --- failures in and around the rollback ----------------------------------------------------------------


def test_closed_output_pipe_does_not_stop_the_rollback(dom0: Dom0) -> None:
    # `bash install.sh 2>&1 | tee log`, and tee gone (a Ctrl-C stops it too) before the build fails: every
    # message after that meets a pipe without a reader. bash must not die of SIGPIPE: the rollback has to run.
    dom0.set("mode", "fail")
    # The reader stops reading at once and goes when the build starts; the build waits until it has gone.
    wait = 'n=0; while [ ! -e /opt/fake/{0} ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n + 1)); done'
    dom0.set_hook(f'if [ "$1" = mkinitrd ]; then : >/opt/fake/building; {wait.format("reader-gone")}; fi\n')
    before = dom0.state()
    reader = f"{{ head -c 1 >/dev/null; {wait.format('building')}; exec 0<&-; : >/opt/fake/reader-gone; }}"
    result = dom0.sh(f'cd / && /bundle/{BUNDLE}/install.sh 2>&1 | {reader}; echo "exit ${{PIPESTATUS[0]}}"')
    assert result.stdout.splitlines() == ["exit 1"], result.stdout + result.stderr
    assert (dom0.root / "opt/fake/reader-gone").exists()
    assert dom0.calls() == [MAIN_CALL]  # it got as far as the build
    assert dom0.state() == before and not dom0.installed()
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and backups(dom0.boot_initrd) == []
    assert list((dom0.root / "tmp").iterdir()) == [] and list((dom0.root / "var/lock").iterdir()) == []


@pytest.mark.parametrize("mode", ["gzip", "fail"])
def test_rpm_scripts_that_rebuild_the_initrd_spoil_no_copy(dom0: Dom0, mode: str) -> None:
    # A driver RPM whose %post and %postun rebuild the initrd: the copy of the original is taken before
    # rpm -ivh, and the rollback erases the RPM before it puts the initrd back.
    dom0.set_hook(f'case $1 in post | postun) echo "built by %$1" >/boot/initrd-{KVER}.img ;; esac\n')
    if mode == "fail":
        dom0.set("mode", mode)
        refused(dom0, "the initrd build failed", "rolled back: the host is as it was before")
        assert dom0.boot_initrd.read_bytes() == dom0.old_initrd
    else:
        result = dom0.install()
        assert result.returncode == 0, result.stdout + result.stderr
        check_installed(dom0)
    assert [p.read_bytes() for p in backups(dom0.boot_initrd)] == ([dom0.old_initrd] if mode == "gzip" else [])


# The hook's way to reach install.sh: up the chain of parents (sh, rpm) to the bash running it.
SIGNAL_INSTALL_SH = """\
pid=$$
while [ "$pid" -gt 1 ]; do
    pid=$(sed -n 's/^PPid:[[:space:]]*//p' "/proc/$pid/status")
    case $(tr '\\0' ' ' <"/proc/$pid/cmdline") in
        *install.sh*) for sig in INT TERM HUP PIPE INT; do kill -"$sig" "$pid"; done; exit 0 ;;
    esac
done
echo "hook: no install.sh above me" >&2
exit 1
"""


def test_signals_during_the_rollback_do_not_cut_it_short(dom0: Dom0) -> None:
    # Ctrl-C, a dropped ssh session and more, while the rollback's rpm -e runs: it carries on to the end.
    dom0.set("mode", "fail")
    dom0.set_hook(f'[ "$1" = preun ] || exit 0\n{SIGNAL_INSTALL_SH}')
    result = refused(dom0, "the initrd build failed", "rolled back: the host is as it was before")
    assert result.returncode == 1
    assert "rollback step failed" not in result.stderr and not dom0.installed()


def test_failed_rollback_keeps_the_work_dir(dom0: Dom0) -> None:
    # rpm -e fails in the rollback (the package's %preun): the rest is still undone, and the copies of the
    # original files stay where the message says, for the admin who now has to check by hand.
    dom0.set("mode", "fail")
    dom0.set_hook('[ "$1" != preun ] || { echo "preun: failing on purpose" >&2; exit 1; }\n')
    modules_dep = (dom0.root / f"lib/modules/{KVER}/modules.dep").read_text()
    result = dom0.install()
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"install.sh: error: rollback step failed: rpm -e --nodeps --allmatches {NVR}" in result.stderr
    assert "THE ROLLBACK IS INCOMPLETE" in result.stderr and "as it was before" not in result.stderr
    [workdir] = (dom0.root / "tmp").iterdir()
    assert f"install.sh: the copies this run saved of the original files are kept in /tmp/{workdir.name}\n" in (
        result.stderr)
    assert (workdir / "modules-index/modules.dep").read_text() == modules_dep
    assert dom0.installed()  # what rpm -e could not undo
    assert dom0.boot_initrd.read_bytes() == dom0.old_initrd and dom0.target.read_bytes() == OLD_MULTIPATH
    assert not (dom0.root / LOCK.lstrip("/")).exists()


def test_failure_after_the_point_of_no_return_rolls_nothing_back(dom0: Dom0) -> None:
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    # The second run cannot remove its temporary copy of the initrd it replaced (say, /boot went read-only):
    # by then the install is complete, and a rollback would only undo part of it.
    dom0.shadow("rm", 'case "$*" in\n'
                      '    *.xenkit-tmp.*) echo "rm: cannot remove: Read-only file system" >&2; exit 1 ;;\n'
                      'esac\n'
                      'exec /usr/bin/rm "$@"\n')
    result = dom0.install()
    assert result.returncode == 1, result.stdout + result.stderr
    [leftover] = (dom0.root / "boot").glob(f".initrd-{KVER}.img.xenkit-tmp.*")
    assert """install.sh: error: 'rm -f "${image_backups[i]}"' failed (exit 1) while finishing""" in result.stderr
    assert "nothing was rolled back" in result.stderr
    assert f"the temporary copy /boot/{leftover.name} of the old initrd is left: remove it" in result.stderr
    for claim in ("rolling back", "restoring", "as it was before", "nothing was changed"):
        assert claim not in result.stderr
    check_installed(dom0)
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
    assert list((dom0.root / "tmp").iterdir()) == []
