"""The bundle's install.sh on a dracut-generation dom0 (tests/support/fake_dom0_dracut.py): the initrd rebuilt by
dracut with the module added and checked in dracut's format (early cpio + gzip or xz), the multipath settings in
the platform's drop-in /etc/multipath/conf.d/custom.conf (the managed main file left alone), a release with a
managed file and no drop-in refused by name, and the rollback of a failing dracut.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.fake_dom0 import Dom0
from tests.support.fake_dom0_data import KDUMP_KVER, KVER, MODNAME, MODULE, MODULE_DATA, NEW_DROPIN, OLD_MULTIPATH
from tests.support.fake_dom0_dracut import (
    ALTERNATIVE,
    DROPIN,
    FAKE_LSINITRD,
    MANAGED,
    MODULE_DIR,
    SM_DROPIN,
    dracut_files,
    dracut_image,
    inventory,
    make_dracut,
)
from tests.support.install_checks import backups, refused

DRACUT_CALL = f"dracut -f --add-drivers {MODNAME} /boot/initrd-{KVER}.img {KVER}"


def check_dracut_installed(dom0: Dom0) -> None:
    assert dom0.installed()
    root = dom0.root
    assert (root / DROPIN).read_bytes() == NEW_DROPIN
    assert (root / MANAGED).read_bytes() == OLD_MULTIPATH  # the platform's file is never written
    assert os.readlink(dom0.link) == f"/{ALTERNATIVE}" and os.readlink(root / ALTERNATIVE) == f"/{MANAGED}"
    assert sorted(p.name for p in (root / DROPIN).parent.iterdir()) == ["custom.conf"]  # no copy is read too
    files = dracut_files(dom0.boot_initrd.read_bytes())
    assert files[f"{MODULE_DIR}/extra/{MODULE}"] == MODULE_DATA
    assert [name for name in files if Path(name).name == MODULE] == [f"{MODULE_DIR}/extra/{MODULE}"]


def test_dracut_dom0_installs_into_the_dropin(dom0: Dom0) -> None:
    make_dracut(dom0)
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    check_dracut_installed(dom0)
    assert dom0.calls() == [DRACUT_CALL]
    [initrd_backup] = backups(dom0.boot_initrd)
    assert initrd_backup.read_bytes() == dom0.old_initrd
    [dropin_backup] = backups(dom0.root / "etc/multipath/custom.conf")  # beside conf.d, not in it
    assert dropin_backup.read_bytes() == SM_DROPIN
    assert "no /boot/initrd-" in result.stdout and "on XCP-ng 8.3.0, but dracut" in result.stdout
    assert "XCP-ng 8.3.0 reads site settings from /etc/multipath/conf.d/custom.conf: the bundle's go there" in \
        result.stdout
    assert "no separate kdump initrd" in result.stdout
    assert list((dom0.root / "tmp").iterdir()) == []


def test_dracut_xz_initrd_and_a_second_run(dom0: Dom0) -> None:
    make_dracut(dom0, brand="XenServer", version="8.4.0")
    dom0.set("mode", "xz")
    first = dom0.install()
    assert first.returncode == 0, first.stdout + first.stderr
    check_dracut_installed(dom0)
    second = dom0.install()
    assert second.returncode == 0, second.stdout + second.stderr
    check_dracut_installed(dom0)
    assert "/etc/multipath/conf.d/custom.conf already is the bundle's multipath-custom.conf" in second.stdout
    assert dom0.calls() == [DRACUT_CALL, DRACUT_CALL]


def test_dracut_dry_run_changes_nothing(dom0: Dom0) -> None:
    make_dracut(dom0)
    before = dom0.state()
    result = dom0.install("--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert dom0.state() == before and dom0.calls() == []
    assert "dry run: would back up and replace /etc/multipath/conf.d/custom.conf" in result.stdout
    assert f"rebuild it with: dracut -f --add-drivers '{MODNAME}' /boot/initrd-{KVER}.img {KVER}" in result.stdout


def test_managed_file_without_dropin_is_refused_by_name(dom0: Dom0) -> None:
    make_dracut(dom0, brand="Citrix Hypervisor", version="8.2.1", dropin=False)
    refused(dom0, "error: Citrix Hypervisor 8.2.1: not supported because its /etc/multipath.conf is the storage "
                  "manager's (-> /etc/multipath.xenserver/multipath.conf, replaced by its updates) and it has no "
                  "/etc/multipath/conf.d/custom.conf", "nothing was changed")
    assert dom0.calls() == [] and not dom0.installed()


def test_without_inventory_the_host_is_named_this_host(dom0: Dom0) -> None:
    make_dracut(dom0, dropin=False)
    (dom0.root / "etc/xensource-inventory").unlink()
    refused(dom0, "error: this host: not supported because")


@pytest.mark.parametrize(("mode", "message"), [
    ("fail", "the initrd build failed"),
    ("small", "less than half the old one's"),
    ("nomodule", f"the new initrd lacks {MODULE}"),
    ("ignorewith", f"the new initrd's {MODULE_DIR}/kernel/drivers/scsi/{MODULE} is not the {MODULE}"),
])
def test_failing_dracut_rolls_back(dom0: Dom0, mode: str, message: str) -> None:
    make_dracut(dom0)
    dom0.set("mode", mode)
    refused(dom0, message, "rolled back: the host is as it was before")
    assert dom0.calls() == [DRACUT_CALL] and not dom0.installed()
    assert (dom0.root / DROPIN).read_bytes() == SM_DROPIN


@pytest.mark.parametrize("mode", ["gzip", "ignorewith"])
def test_lsinitrd_reads_the_new_initrd_where_the_host_has_it(dom0: Dom0, mode: str) -> None:
    make_dracut(dom0)
    dom0.shadow("lsinitrd", FAKE_LSINITRD)
    dom0.set("mode", mode)
    if mode == "gzip":
        result = dom0.install()
        assert result.returncode == 0, result.stdout + result.stderr
        check_dracut_installed(dom0)
    else:  # the kernel's own module of the driver's name, found through lsinitrd's listing
        refused(dom0, f"the new initrd's {MODULE_DIR}/kernel/drivers/scsi/{MODULE} is not the {MODULE}", "rolled back")
    image = f"/boot/initrd-{KVER}.img"
    member = f"{MODULE_DIR}/{'extra' if mode == 'gzip' else 'kernel/drivers/scsi'}/{MODULE}"
    assert dom0.calls()[1:3] == [f"lsinitrd {image}", f"lsinitrd -f {member} {image}"]


def add_dracut_kdump(dom0: Dom0) -> None:
    """A separate kdump initrd, as XenServer 7.0 - 7.4 may have one (7.5 and later have none)."""
    scsi = dom0.root / f"lib/modules/{KDUMP_KVER}/kernel/drivers/scsi"
    scsi.mkdir(parents=True)
    (scsi / "scsi_dh_alua.ko").write_bytes(b"the kdump kernel's own\n")
    dom0.old_kdump = dracut_image({"pad": dom0.pad, "usr/lib/scsi_dh_alua.ko": b"old kdump\n"})
    dom0.kdump_initrd.write_bytes(dom0.old_kdump)


def test_a_separate_kdump_initrd_is_rebuilt_by_dracut_too(dom0: Dom0) -> None:
    make_dracut(dom0, brand="XenServer", version="8.4.0")
    add_dracut_kdump(dom0)
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    check_dracut_installed(dom0)
    assert dom0.calls() == [DRACUT_CALL, f"dracut -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}"]
    assert dom0.kdump_initrd.read_bytes() != dom0.old_kdump
    [kdump_backup] = backups(dom0.kdump_initrd)
    assert kdump_backup.read_bytes() == dom0.old_kdump


def test_a_failing_kdump_dracut_rolls_both_initrds_back(dom0: Dom0) -> None:
    make_dracut(dom0)
    add_dracut_kdump(dom0)
    dom0.set(f"mode.{KDUMP_KVER}", "fail")
    refused(dom0, "the kdump initrd build failed", "rolled back: the host is as it was before")


def test_a_managed_file_on_a_mkinitrd_dom0_is_refused_by_name(dom0: Dom0) -> None:
    # XenServer 6.5: mkinitrd and a .cmd still, but /etc/multipath.conf is already the storage manager's link.
    (dom0.root / "etc/xensource-inventory").write_bytes(inventory("XenServer", "6.5.0"))
    dom0.link.unlink()
    managed = dom0.root / MANAGED
    managed.parent.mkdir(parents=True)
    managed.write_bytes(OLD_MULTIPATH)
    dom0.link.symlink_to(f"/{MANAGED}")
    refused(dom0, "error: XenServer 6.5.0: not supported because its /etc/multipath.conf is the storage manager's")
    assert dom0.calls() == []


def test_a_shipped_dropin_is_used_whatever_the_main_file_is(dom0: Dom0) -> None:
    # sm 4.1 hands /etc/multipath.conf to device-mapper-multipath (a regular file then); custom.conf stays the
    # place for site settings. Here on the mkinitrd dom0: the main file is left alone.
    dropin = dom0.root / DROPIN
    dropin.parent.mkdir(parents=True)
    dropin.write_bytes(SM_DROPIN)
    result = dom0.install()
    assert result.returncode == 0, result.stdout + result.stderr
    assert dropin.read_bytes() == NEW_DROPIN and dom0.target.read_bytes() == OLD_MULTIPATH


def test_a_kdump_initrd_without_its_modules_is_refused(dom0: Dom0) -> None:
    make_dracut(dom0)
    add_dracut_kdump(dom0)
    (dom0.root / f"lib/modules/{KDUMP_KVER}/kernel/drivers/scsi/scsi_dh_alua.ko").unlink()
    for path in ("kernel/drivers/scsi", "kernel/drivers", "kernel", ""):
        (dom0.root / f"lib/modules/{KDUMP_KVER}" / path).rmdir()
    refused(dom0, f"/lib/modules/{KDUMP_KVER} is missing: check /boot by hand", "nothing was changed")
