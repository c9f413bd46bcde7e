"""A rendered preseed's late_command, run as d-i would run it, in a private mount namespace standing in for the
installed system: /etc and /root are scratch directories, dpkg-query / apt-get / update-grub are stand-ins.
The whole script runs under dash with `set -e`: the fstab partman wrote gets nobarrier (with a backup),
root's key is appended, the -generic kernel packages are purged, and with no tools CD there it says so and
goes on."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from tests.generate.test_preseed import HASH, KEY, NET
from tests.generate.test_preseed_late import FAKE_DPKG_QUERY, PRECISE
from toolkit.catalog.profiles import get_profile
from toolkit.generate.answer_files import AnswerInput
from toolkit.generate.fstab import add_nobarrier
from toolkit.generate.preseed import answer_value, render_preseed

# /etc/fstab as d-i 12.04 writes it for the xenkit-pygrub recipe.
PARTMAN_FSTAB = """\
# /etc/fstab: static file system information.
#
# <file system> <mount point>   <type>  <options>       <dump>  <pass>
proc            /proc           proc    nodev,noexec,nosuid 0       0
# / was on /dev/xvda5 during installation
UUID=0f3a5c1e-6a55-4f0e-9b7c-2d7c3a1f9e01 /               ext4    errors=remount-ro 0       1
# /boot was on /dev/xvda1 during installation
UUID=6d2b1a7e-0c7e-4d1b-8a5e-5f0c2b9d4e11 /boot           ext3    defaults        0       2
# swap was on /dev/xvda2 during installation
UUID=1a9c3e5f-2b4d-4f6a-8c0e-3d5f7b9a1c22 none            swap    sw              0       0
"""

# in-target runs its arguments in the installed system: here, in this namespace. With a tools CD ($3), /dev is
# a scratch one holding null and a block device node /dev/xvdd, whose `mount` copies the CD's files.
NAMESPACE = r"""
set -e
mount --bind "$1/etc" /etc
mount -t tmpfs tmpfs /root
if [ -n "$3" ]; then
    mount -t tmpfs tmpfs /dev
    mknod -m 666 /dev/null c 1 3
    mknod /dev/xvdd b 7 200
fi
export PATH="$1/bin:$PATH" PACKAGES="$1/packages" APT_LOG="$1/apt.log" TOOLS_CD="$3" TMPDIR="$1/tmp"
sh -c "$2"
cp -a /root/. "$1/root-after/"
"""
FAKE_MOUNT = r"""#!/bin/sh
for target; do :; done
[ "$TOOLS_CD" ] && [ "$2" = ro ] && [ "$3" = /dev/xvdd ] || exit 32
cp -r "$TOOLS_CD/." "$target"
"""


@pytest.mark.integration
@pytest.mark.parametrize("tools_cd", [False, True], ids=["no-tools-cd", "tools-cd"])
def test_the_late_command_runs_in_the_installed_system(tmp_path: Path, tools_cd: bool) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root for a private mount namespace")
    unshare = require_program("unshare")
    require_program("base64")
    text = render_preseed(get_profile("ubuntu1204-di"), AnswerInput(NET, HASH, ssh_keys=(KEY,), xs_tools=True))
    command = answer_value(text, "preseed/late_command")
    assert command is not None and command.startswith("in-target ")
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "fstab").write_text(PARTMAN_FSTAB)
    (tmp_path / "root-after").mkdir()
    (tmp_path / "tmp").mkdir()  # mktemp's TMPDIR: the script's mount point for the tools CD
    (tmp_path / "packages").write_text("".join(f"{name}|{deps}\n" for name, deps in PRECISE.items()))
    bindir = tmp_path / "bin"
    bindir.mkdir()
    stubs = {
        "in-target": '#!/bin/sh\nexec "$@"\n',
        "dpkg-query": FAKE_DPKG_QUERY,
        "apt-get": '#!/bin/sh\necho "apt-get $*" >> "$APT_LOG"\n',
        "update-grub": '#!/bin/sh\necho update-grub >> "$APT_LOG"\n',
        "dpkg": ('#!/bin/sh\nif [ "$1" = --print-architecture ]; then echo amd64\n'
                 'else echo "dpkg $*" >> "$APT_LOG"; fi\n'),
        "mount": FAKE_MOUNT,
        "umount": '#!/bin/sh\nfind "$1" -mindepth 1 -delete\n',
    }
    cd = tmp_path / "cd"
    (cd / "Linux").mkdir(parents=True)
    for name in ("xe-guest-utilities_6.0.2-766_amd64.deb", "xe-guest-utilities_6.0.2-766_i386.deb", "README"):
        (cd / "Linux" / name).write_text(name)
    for name, body in stubs.items():
        (bindir / name).write_text(body)
        (bindir / name).chmod(0o755)
    # Debian's awk is a link through /etc/alternatives, which the scratch /etc hides.
    (bindir / "awk").symlink_to(Path(require_program("awk")).resolve())
    done = subprocess.run([unshare, "--mount", "--propagation", "private", "sh", "-c", NAMESPACE, "sh",
                           str(tmp_path), command, str(cd) if tools_cd else ""],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "etc" / "fstab").read_text() == add_nobarrier(PARTMAN_FSTAB).text
    assert (tmp_path / "etc" / "fstab.before-nobarrier").read_text() == PARTMAN_FSTAB
    assert sorted(p.name for p in (tmp_path / "etc").iterdir()) == ["fstab", "fstab.before-nobarrier"]
    assert (tmp_path / "root-after" / ".ssh" / "authorized_keys").read_text() == KEY + "\n"
    assert (tmp_path / "root-after" / ".ssh").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "root-after" / "xenkit-late.sh").is_file()  # left for the admin to read
    apt, grub, *tools = (tmp_path / "apt.log").read_text().splitlines()
    assert sorted(apt.split()[3:]) == ["linux-generic", "linux-headers-3.2.0-126-generic", "linux-headers-generic",
                                       "linux-image-3.2.0-126-generic", "linux-image-generic"]
    assert grub == "update-grub"
    if tools_cd:
        (line,) = tools
        assert line.startswith(f"dpkg -i {tmp_path}/tmp/tmp.")
        assert line.endswith("/Linux/xe-guest-utilities_6.0.2-766_amd64.deb")
        assert "no tools CD" not in done.stderr
    else:
        assert tools == []
        assert "no tools CD with Linux/*_amd64.deb in /dev/xvdd /dev/cdrom /dev/sr0" in done.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # the mount point is removed again
