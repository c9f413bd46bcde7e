"""The script a preseed's late_command runs in the installed guest, and the late_command that runs it.

What the blog's admin did by hand after a d-i install of Ubuntu 12.04 on XenServer, unattended:
- `nobarrier` (`barrier=0` for 2.6.32 kernels) on the ext3/ext4 entries of /etc/fstab
  (toolkit/generate/fstab_awk.py: the same rules as `xenkit fstab nobarrier`);
- Ubuntu: no -generic kernel left beside linux-virtual. The packages linux-virtual depends on (followed
  through every linux-* dependency) are kept, every other installed linux-*generic* package is purged: on
  10.04 and 12.04 that is every -generic one (they have a -virtual flavour), from 14.04 linux-image-virtual
  itself depends on the -generic image, which stays (preseed.toml's virtual_image);
- root's authorized_keys, through a quoted here-document (nothing in a key is expanded);
- optionally the XenServer guest tools, the .deb in Linux/ on the tools ISO (xs-tools.iso) in the VM's CD
  drive, for the installed system's architecture.
d-i reads a preseed value as one line, so the late_command carries the script base64-encoded (only
[A-Za-z0-9+/=]: nothing for the preseed parser, debconf or the shell to reinterpret) and decodes it inside
the installed system, whose coreutils has base64; the preseed shows the script itself in comments above.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from toolkit.generate.fstab import Spelling
from toolkit.generate.fstab_awk import FUNCTION_NAME, nobarrier_function

SCRIPT_PATH = "/root/xenkit-late.sh"  # in the installed system: kept there for the admin to read
KEYS_DELIMITER = "XENKIT_SSH_KEYS"
TOOLS_DEVICES = ("/dev/xvdd", "/dev/cdrom", "/dev/sr0")  # the blog mounts /dev/xvdd

PURGE_GENERIC = """\
# No -generic kernel beside linux-virtual: keep what linux-virtual depends on, purge the other linux-*generic*.
keep=" "
todo="linux-virtual"
while [ -n "$todo" ]; do
    # shellcheck disable=SC2086 # word splitting of the package list is wanted
    set -- $todo
    todo=""
    for pkg in "$@"; do
        case "$keep" in *" $pkg "*) continue ;; esac
        keep="$keep$pkg "
        # shellcheck disable=SC2016 # ${Depends} is dpkg-query's field, not a shell variable
        deps=$(dpkg-query -W -f '${Depends}' "$pkg" 2>/dev/null | tr '|' ',' | tr ',' '\\n' |
            sed -n 's/^ *\\(linux-[^ (]*\\).*/\\1/p')
        todo="$todo $deps"
    done
done
purge=""
# shellcheck disable=SC2016 # ${Package} and ${Status} are dpkg-query's fields
for pkg in $(dpkg-query -W -f '${Package} ${Status}\\n' 'linux-*' 2>/dev/null |
        awk '$NF == "installed" && $1 ~ /generic/ { print $1 }'); do
    case "$keep" in *" $pkg "*) ;; *) purge="$purge $pkg" ;; esac
done
if [ -n "$purge" ]; then
    echo "xenkit: purging$purge (linux-virtual keeps:$keep)"
    # shellcheck disable=SC2086 # one word per package
    apt-get -y purge $purge
    update-grub
fi
"""

_XS_TOOLS = """\
# XenServer guest tools from the tools ISO (xs-tools.iso) in the VM's CD drive, for this architecture.
arch=$(dpkg --print-architecture)
media=$(mktemp -d)
installed=""
for device in DEVICES; do
    [ -b "$device" ] || continue
    mount -o ro "$device" "$media" 2>/dev/null || continue
    for package in "$media"/Linux/*_"$arch".deb; do
        if [ -f "$package" ]; then
            dpkg -i "$package"
            installed="$package"
        fi
    done
    umount "$media"
    [ -z "$installed" ] || break
done
rmdir "$media"
if [ -z "$installed" ]; then
    echo "xenkit: no tools CD with Linux/*_$arch.deb in DEVICES: insert xs-tools.iso and install it by hand" >&2
fi
"""


@dataclass(frozen=True)
class LateInput:
    profile: str
    purge_generic: bool  # Ubuntu: linux-virtual is the kernel
    spelling: Spelling = Spelling.NOBARRIER  # barrier=0 for 2.6.32 kernels
    ssh_keys: tuple[str, ...] = ()
    xs_tools: bool = False


def late_script(data: LateInput) -> str:
    """The POSIX sh script the installed guest runs (checked with sh -n and shellcheck -s sh by the tests)."""
    parts = [
        "#!/bin/sh\n",
        f"# Made by xenkit for profile {data.profile}: run by preseed/late_command in the installed system.\n",
        "set -e\n",
        "export DEBIAN_FRONTEND=noninteractive\n",
        nobarrier_function(data.spelling),
        f"{FUNCTION_NAME} /etc/fstab\n",
    ]
    if data.purge_generic:
        parts.append(PURGE_GENERIC)
    if data.ssh_keys:
        keys = "".join(f"{key}\n" for key in data.ssh_keys)
        parts.append(
            "# root's SSH keys, written as they are (quoted here-document).\n"
            "mkdir -p /root/.ssh\nchmod 0700 /root/.ssh\n"
            f"cat >> /root/.ssh/authorized_keys <<'{KEYS_DELIMITER}'\n{keys}{KEYS_DELIMITER}\n"
            "chmod 0600 /root/.ssh/authorized_keys\n"
        )
    if data.xs_tools:
        parts.append(_XS_TOOLS.replace("DEVICES", " ".join(TOOLS_DEVICES)))
    return "".join(part if part.endswith("\n") else part + "\n" for part in parts)


def late_command(script: str) -> str:
    """The late_command value: write the script into the installed system and run it there."""
    encoded = base64.b64encode(script.encode()).decode()
    return f"in-target sh -c 'echo {encoded} | base64 -d > {SCRIPT_PATH} && sh {SCRIPT_PATH}'"
