"""The late_command's kernel clean-up, run with a stand-in dpkg-query over each Ubuntu era's kernel packages."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.generate.preseed_late import PURGE_GENERIC

# dpkg-query -W -f FORMAT PACKAGE... answered from a table "package|Depends" of installed packages.
FAKE_DPKG_QUERY = r"""#!/bin/sh
format=$3
shift 3
if [ "$format" = '${Depends}' ]; then
    line=$(grep "^$1|" "$PACKAGES") || exit 1
    printf '%s' "${line#*|}"
    exit 0
fi
cut -d'|' -f1 "$PACKAGES" | while read -r name; do
    case "$name" in $1) echo "$name install ok installed" ;; esac
done
"""

# Ubuntu 12.04: linux-virtual pulls a -virtual image and headers; the -generic set is separate.
PRECISE = {
    "linux-virtual": "linux-image-virtual (= 3.2.0.126.141), linux-headers-virtual (= 3.2.0.126.141)",
    "linux-image-virtual": "linux-image-3.2.0-126-virtual",
    "linux-headers-virtual": "linux-headers-3.2.0-126-virtual",
    "linux-image-3.2.0-126-virtual": "initramfs-tools, coreutils | fileutils (>= 4.0), module-init-tools",
    "linux-headers-3.2.0-126-virtual": "linux-headers-3.2.0-126, libc6 (>= 2.14)",
    "linux-headers-3.2.0-126": "",
    "linux-generic": "linux-image-generic (= 3.2.0.126.141), linux-headers-generic (= 3.2.0.126.141)",
    "linux-image-generic": "linux-image-3.2.0-126-generic, linux-firmware",
    "linux-headers-generic": "linux-headers-3.2.0-126-generic",
    "linux-image-3.2.0-126-generic": "initramfs-tools (>= 0.36ubuntu6)",
    "linux-headers-3.2.0-126-generic": "linux-headers-3.2.0-126",
    "linux-firmware": "",
}
# Ubuntu 18.04: linux-image-virtual depends on the -generic image (without linux-modules-extra), and
# linux-virtual on linux-headers-generic.
BIONIC = {
    "linux-virtual": "linux-image-virtual (= 4.15.0.20.23), linux-headers-generic (= 4.15.0.20.23)",
    "linux-image-virtual": "linux-image-4.15.0-20-generic",
    "linux-image-4.15.0-20-generic": "linux-modules-4.15.0-20-generic, intel-microcode | amd64-microcode",
    "linux-modules-4.15.0-20-generic": "",
    "linux-headers-generic": "linux-headers-4.15.0-20-generic",
    "linux-headers-4.15.0-20-generic": "linux-headers-4.15.0-20",
    "linux-headers-4.15.0-20": "",
    "linux-generic": "linux-image-generic (= 4.15.0.20.23), linux-headers-generic (= 4.15.0.20.23)",
    "linux-image-generic": "linux-image-4.15.0-20-generic, linux-modules-extra-4.15.0-20-generic",
    "linux-modules-extra-4.15.0-20-generic": "linux-image-4.15.0-20-generic | linux-image-unsigned-4.15.0-20-generic",
}

# What d-i leaves with base-installer/kernel/override-image=linux-virtual: -generic names, all needed.
BIONIC_VIRTUAL_ONLY = {name: deps for name, deps in BIONIC.items()
                       if name not in ("linux-generic", "linux-image-generic", "linux-modules-extra-4.15.0-20-generic")}


@pytest.mark.parametrize(("packages", "purged"), [
    (PRECISE, ["linux-generic", "linux-headers-3.2.0-126-generic", "linux-headers-generic",
               "linux-image-3.2.0-126-generic", "linux-image-generic"]),
    (BIONIC, ["linux-generic", "linux-image-generic", "linux-modules-extra-4.15.0-20-generic"]),
    (BIONIC_VIRTUAL_ONLY, []),
], ids=["12.04", "18.04", "18.04-nothing-to-purge"])
def test_only_what_linux_virtual_needs_stays(packages: dict[str, str], purged: list[str], tmp_path: Path) -> None:
    table = tmp_path / "packages"
    table.write_text("".join(f"{name}|{deps}\n" for name, deps in packages.items()))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "apt.log"
    (bin_dir / "dpkg-query").write_text(FAKE_DPKG_QUERY)
    (bin_dir / "apt-get").write_text(f'#!/bin/sh\necho "$@" >> {log}\n')
    (bin_dir / "update-grub").write_text(f"#!/bin/sh\necho update-grub >> {log}\n")
    for tool in bin_dir.iterdir():
        tool.chmod(0o755)
    script = tmp_path / "purge.sh"
    script.write_text(f"set -e\n{PURGE_GENERIC}")
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "PACKAGES": str(table)}
    subprocess.run([require_program("sh"), str(script)], check=True, env=env, capture_output=True)
    if not purged:
        assert not log.exists()
        return
    apt, grub = log.read_text().splitlines()
    assert apt.split()[:2] == ["-y", "purge"] and sorted(apt.split()[2:]) == purged
    assert grub == "update-grub"
