"""The bundle's install.sh run for real in a throwaway dom0 (tests/support/fake_dom0.py), where it succeeds: a first run
and a second one, a plain cpio initrd, XenServer <= 6.1 without a .cmd file, --dry-run, the forms of the .cmd
file, the kdump initrd, and multipathing turned off. The dom0 fixture checks that the real /boot,
/etc/multipath*, /lib/modules, rpm database and mount table are the same after every test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fake_dom0 import Dom0, initrd_names
from tests.support.fake_dom0_data import (
    KDUMP_KVER,
    KVER,
    MODNAME,
    MODULE_DATA,
    NEW_MULTIPATH,
    OLD_MULTIPATH,
    PACKAGE,
    PAD,
)
from tests.support.install_checks import KDUMP_CALL, MAIN_CALL, backups, check_installed, packed_modules, refused

# --- installing -----------------------------------------------------------------------------------------


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
