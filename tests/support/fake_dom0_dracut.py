"""The dracut generation of the throwaway dom0 (XenServer 7.x and later, Citrix Hypervisor 8.x, XenServer 8, XCP-ng):
`make_dracut(dom0)` turns a fresh tests/support/fake_dom0.py dom0 into one, for the install.sh tests of that
generation.

What changes: no .cmd file, mkinitrd and new-kernel-pkg.py gone, a fake `dracut` instead (its initrds are
an uncompressed early microcode cpio archive, then the main cpio archive gzip'ed, or xz'ed in mode "xz", as
dracut writes them), an /etc/xensource-inventory naming the platform, and /etc/multipath.conf as the
storage manager's alternatives link (-> /etc/alternatives/multipath.conf -> /etc/multipath.xenserver/
multipath.conf) with, where the platform reads one, the drop-in /etc/multipath/conf.d/custom.conf it ships.
The kernel keeps the fake dom0's name: install.sh tells the generations apart by what it finds, not by it.
"""

from __future__ import annotations

import gzip
import lzma

from tests.support.fake_dom0 import Dom0, cpio_archive, initrd_files
from tests.support.fake_dom0_data import KVER, OLD_MULTIPATH, SLOW_INITRD

MANAGED = "etc/multipath.xenserver/multipath.conf"  # the storage manager's file, replaced by its updates
ALTERNATIVE = "etc/alternatives/multipath.conf"
DROPIN = "etc/multipath/conf.d/custom.conf"
SM_DROPIN = b"# Custom multipath configuration goes here (shipped empty by the storage manager)\n"
EARLY = {"kernel/x86/microcode/GenuineIntel.bin": b"microcode\n"}
MODULE_DIR = f"usr/lib/modules/{KVER}"  # where dracut packs the modules (CentOS 7: /lib -> usr/lib)

# dracut as far as install.sh cares: -f/--force, --add-drivers "LIST" (or =LIST), then IMAGE and KVER. It
# packs the kernel's scsi_dh_alua.ko (what the host needs) and each added driver, found under updates/, then
# extra/, then kernel/ (as depmod ranks them). /opt/fake/mode(.KVER) gives the broken builds the tests need, as
# the fake mkinitrd does ("ignorewith" packs the kernel's own module of the driver's name instead); it waits
# XENKIT_FAKE_MKINITRD_SECONDS as the fake mkinitrd does.
FAKE_DRACUT = """#!/bin/sh
set -e
echo "dracut $*" >>/opt/fake/calls
force=0 image="" kver="" drivers=""
while [ $# -gt 0 ]; do
    case $1 in
        -f | --force) force=1 ;;
        --add-drivers) drivers="$drivers $2"; shift ;;
        --add-drivers=*) drivers="$drivers ${1#--add-drivers=}" ;;
        -*) ;;
        *) if [ -z "$image" ]; then image=$1; else kver=$1; fi ;;
    esac
    shift
done
[ -n "$kver" ] || { echo "usage: dracut [options] IMAGE KVER" >&2; exit 1; }
if [ -x /opt/fake/hook ]; then /opt/fake/hook mkinitrd "$kver"; fi
SLOW_INITRD
[ -d "/lib/modules/$kver" ] || { echo "dracut: Cannot find module directory /lib/modules/$kver" >&2; exit 1; }
if [ -e "$image" ] && [ $force = 0 ]; then
    echo "dracut: Will not override existing initramfs ($image) without --force" >&2; exit 1
fi
mode=$(cat "/opt/fake/mode.$kver" 2>/dev/null || cat /opt/fake/mode)
if [ "$mode" = fail ]; then printf 'half an image' >"$image"; echo "dracut: failing on purpose" >&2; exit 1; fi
tree=$(mktemp -d) early=$(mktemp -d)
mkdir -p "$early/kernel/x86/microcode" "$tree/usr/lib/modules/$kver"
printf 'microcode\\n' >"$early/kernel/x86/microcode/GenuineIntel.bin"
if [ "$mode" != small ]; then cp /opt/fake/pad "$tree/pad"; fi
pack() {  # a module file of /lib/modules/KVER, at its place under usr/lib/modules/KVER
    mkdir -p "$tree/usr$(dirname "$1")"
    cp "$1" "$tree/usr$1"
}
if [ "$mode" != nomodule ]; then
    pack "/lib/modules/$kver/kernel/drivers/scsi/scsi_dh_alua.ko"
    for module in $drivers; do
        path=""
        for dir in updates extra kernel; do
            if [ "$mode" = ignorewith ] && [ "$dir" != kernel ]; then continue; fi
            if [ -z "$path" ] && [ -d "/lib/modules/$kver/$dir" ]; then
                path=$(find "/lib/modules/$kver/$dir" -name "$module.ko" | sort | head -n 1)
            fi
        done
        [ -n "$path" ] || { echo "dracut: Failed to install module $module" >&2; exit 1; }
        pack "$path"
    done
fi
(cd "$early" && find . | cpio -o -H newc --quiet) >"$image"
if [ "$mode" = xz ]; then
    (cd "$tree" && find . | cpio -o -H newc --quiet) | xz --check=crc32 >>"$image"
else
    (cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -9 >>"$image"
fi
rm -rf "$tree" "$early"
""".replace("SLOW_INITRD", SLOW_INITRD)

# dracut's lsinitrd as install.sh calls it: `lsinitrd IMAGE` lists the main archive in `ls -l` form,
# `lsinitrd -f FILE IMAGE` prints a member; gzip'ed main archives only. Each call is logged.
FAKE_LSINITRD = """
echo "lsinitrd $*" >>/opt/fake/calls
member=""
if [ "$1" = -f ]; then member=$2; shift 2; fi
blocks=$(cpio -i --only-verify-crc <"$1" 2>&1 | sed -n 's/^\\([0-9]*\\) blocks*$/\\1/p')
main() { tail -c +$((blocks * 512 + 1)) "$1" | gzip -dc; }
if [ -n "$member" ]; then main "$1" | cpio -i --quiet --to-stdout "$member"; else main "$1" | cpio -itv --quiet; fi
"""


def dracut_image(files: dict[str, bytes]) -> bytes:
    """An initrd as dracut writes one: the early cpio archive, then the main one gzip'ed."""
    return cpio_archive(EARLY) + gzip.compress(cpio_archive(files))


def dracut_files(image: bytes) -> dict[str, bytes]:
    """The regular files of the main (compressed) archive of a dracut initrd, by their names in it."""
    for offset in range(0, len(image), 512):
        part = image[offset:]
        if part[:2] == b"\x1f\x8b":
            return initrd_files(gzip.decompress(part))
        if part[:6] == b"\xfd7zXZ\x00":
            return initrd_files(lzma.decompress(part))
    raise AssertionError("no compressed archive after the early one")


def inventory(brand: str, version: str) -> bytes:
    return f"PRODUCT_BRAND='{brand}'\nPRODUCT_VERSION='{version}'\nBUILD_NUMBER='release/xs8'\n".encode()


def make_dracut(dom0: Dom0, *, brand: str = "XCP-ng", version: str = "8.3.0", dropin: bool = True) -> None:
    """Turn `dom0` (fresh) into a dracut-generation dom0 of `brand` `version`; `dropin`: the platform ships
    /etc/multipath/conf.d/custom.conf (XenServer 8, XCP-ng 8.3) or not (Citrix Hypervisor 8.2)."""
    root = dom0.root
    dom0.initrd_cmd.unlink()
    for name in ("mkinitrd", "new-kernel-pkg.py"):
        (root / "opt/fake/bin" / name).unlink()
    script = root / "opt/fake/bin/dracut"
    script.write_text(FAKE_DRACUT)
    script.chmod(0o755)
    dom0.old_initrd = dracut_image({"pad": dom0.pad, f"{MODULE_DIR}/kernel/drivers/scsi/scsi_dh_alua.ko": b"old\n"})
    dom0.boot_initrd.write_bytes(dom0.old_initrd)
    (root / "etc/xensource-inventory").write_bytes(inventory(brand, version))
    dom0.link.unlink()
    dom0.target.unlink()
    for path, data in ((MANAGED, OLD_MULTIPATH), *(((DROPIN, SM_DROPIN),) if dropin else ())):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    (root / ALTERNATIVE).parent.mkdir(parents=True)
    (root / ALTERNATIVE).symlink_to(f"/{MANAGED}")
    dom0.link.symlink_to(f"/{ALTERNATIVE}")
