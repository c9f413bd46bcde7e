"""The autoinstall late-command that adds nobarrier: the shared sh/awk edit, run as subiquity runs it.

The command is `curtin in-target --target=/target -- sh -c SCRIPT NAME /etc/fstab`; here its `sh -c`
part runs on an fstab like the one curtin writes for the layout, and must give what `xenkit fstab
nobarrier` gives (toolkit/generate/fstab.py). The script comes from toolkit/generate/fstab_awk.py, the
one the d-i preseed profiles' late_command uses too.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.catalog.profiles import InstallerKind, Profile, all_profiles
from toolkit.generate.autoinstall import AutoinstallInput, autoinstall_section
from toolkit.generate.fstab import add_nobarrier
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password

PROFILES = [p for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL]
NET = make_network("web1.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
# What curtin writes for the UEFI layout (by-uuid specs; swap as `none swap sw`).
CURTIN_FSTAB = """\
/dev/disk/by-uuid/0b4b3c5e-1f0a-4c59-9d55-2f5c1f7c8e01 / ext4 defaults 0 1
/dev/disk/by-uuid/7d6f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b /boot ext4 defaults 0 1
/dev/disk/by-uuid/ABCD-1234 /boot/efi vfat defaults 0 1
/dev/disk/by-uuid/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9 none swap sw 0 0
"""


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_late_command_adds_nobarrier_as_xenkit_fstab_does(tmp_path: Path, profile: Profile) -> None:
    late_commands = autoinstall_section(profile, AutoinstallInput(NET, hash_password("x")))["late-commands"]
    assert isinstance(late_commands, list)
    [command] = late_commands
    assert isinstance(command, list)
    assert command[:5] == ["curtin", "in-target", "--target=/target", "--", "sh"]
    assert command[-1] == "/etc/fstab"
    fstab = tmp_path / "fstab"
    fstab.write_text(CURTIN_FSTAB)
    done = subprocess.run([require_program("sh"), *command[5:-1], str(fstab)], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr
    edited = fstab.read_text()
    assert edited == add_nobarrier(CURTIN_FSTAB).text
    assert "/ ext4 defaults,nobarrier 0 1" in edited and "/boot ext4 defaults,nobarrier 0 1" in edited
    assert "/boot/efi vfat defaults 0 1" in edited  # vfat and swap take no barrier option
