"""What the tests that run install.sh in the throwaway dom0 (test_install_run.py and test_install_rollback.py) check
alike: its mkinitrd calls, a complete install, the backups it keeps, and a refusal that leaves everything as it was.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from tests.support.fake_dom0 import Dom0, initrd_files
from tests.support.fake_dom0_data import (
    KDUMP_KVER,
    KVER,
    MODNAME,
    MODULE,
    MODULE_DATA,
    MODULE_PATH,
    NEW_MULTIPATH,
    STOCK_MODULE_DATA,
    STOCK_MODULE_PATH,
)

MAIN_CALL = f"mkinitrd -f /boot/initrd-{KVER}.img {KVER} --with={MODNAME}"  # the .cmd's command, plus --with
KDUMP_CALL = f"mkinitrd -f /boot/initrd-{KDUMP_KVER}.img {KDUMP_KVER}"  # the kdump .cmd's, as it is
LOCK = "/var/lock/xenkit-install.lock"


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
