"""What the throwaway dom0 of tests/support/fake_dom0.py is made of: the names of its kernel and of the test driver, the
contents of its files, the test RPM's spec and the fake programs (uname, mkinitrd, new-kernel-pkg.py) that it runs
in place of the real ones.
"""

from __future__ import annotations

KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665xen"  # the seed's XenServer 6.0.2 host
KDUMP_KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665kdump"  # its kdump kernel, as the seed names its initrd
PACKAGE = "xenkit-testdrv"
NVR = f"{PACKAGE}-1.0-1"
RPM = f"{NVR}.noarch.rpm"
MODULE = "xenkit_testdrv.ko"
MODNAME = "xenkit_testdrv"  # as mkinitrd's --with names it
MODULE_PATH = f"lib/modules/{KVER}/extra/{MODULE}"
BUNDLE = f"{PACKAGE}-1.0-1-{KVER}"
MODULE_DATA = b"not really a kernel module\n"  # what the RPM installs as MODULE_PATH
STOCK_MODULE_PATH = f"lib/modules/{KVER}/kernel/drivers/scsi/{MODULE}"  # the kernel's own, of the same name
STOCK_MODULE_DATA = b"the kernel's own xenkit_testdrv\n"
OLD_MULTIPATH = b"# XenServer's own multipath.conf\ndefaults {\n\tuser_friendly_names no\n}\n"
NEW_MULTIPATH = b"# the bundle's multipath.conf\ndevices {\n}\n"
NEW_DROPIN = b"# the bundle's multipath-custom.conf\ndevices {\n}\n"  # for /etc/multipath/conf.d/custom.conf
PAD = 64 * 1024  # incompressible bytes in every fake initrd, so "much smaller" can be told apart


def _scriptlet(name: str) -> str:
    """The test RPM's scriptlet `name`: it runs the test's hook, if any (Dom0.set_hook), and fails when the hook
    does. Lua, as a shell scriptlet would make the package require /bin/sh, which nothing in the fake dom0's rpm
    database provides."""
    return (f'if not os.execute("[ ! -x /opt/fake/hook ] || /opt/fake/hook {name}") then\n'
            f'    error("the hook failed in the {name} scriptlet", 0)\nend')


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

%post -p <lua>
{_scriptlet("post")}
%preun -p <lua>
{_scriptlet("preun")}
%postun -p <lua>
{_scriptlet("postun")}
"""

FAKE_UNAME = """#!/bin/sh
# uname -r as the bundle's host would answer; anything else from the real uname.
if [ "$1" = -r ]; then cat /opt/fake/uname-r; else exec /usr/bin/uname "$@"; fi
"""

# The time a real initrd build takes, as a wait: the benchmark's model of a real dom0 (benchmarks/bench_rollout.py
# says why and how long); unset or 0 in the tests. The fake dracut waits the same.
FAKE_MKINITRD_SECONDS = "XENKIT_FAKE_MKINITRD_SECONDS"
SLOW_INITRD = f'''seconds=${{{FAKE_MKINITRD_SECONDS}:-0}}
case $seconds in 0 | 0.0 | "") ;; *) sleep "$seconds" ;; esac'''

# RHEL 5's mkinitrd as far as install.sh cares: options anywhere on the line (-f; --with=MOD and --with MOD ask
# for MOD; others are ignored), then IMAGE and KVER. It packs flat under lib/, as a gzip'ed cpio with a pad:
# the modules the root device needs (here: every one under /lib/modules/KVER/kernel, the kernel's own, as they
# are there), then those /etc/modprobe.conf aliases as scsi_hostadapter and those named with --with, found
# under updates/, then extra/, then kernel/ (as depmod ranks them), each replacing a packed one of its name.
# It runs /opt/fake/hook mkinitrd KVER first, if there is one, then waits XENKIT_FAKE_MKINITRD_SECONDS.
# /opt/fake/mode.KVER, or else /opt/fake/mode, turns it into the broken builds the tests need ("ignorewith"
# ignores --with and modprobe.conf).
FAKE_MKINITRD = """#!/bin/sh
set -e
echo "mkinitrd $*" >>/opt/fake/calls
force=0 image="" kver="" with=""
while [ $# -gt 0 ]; do
    case $1 in
        -f) force=1 ;;
        --with=*) with="$with ${1#--with=}" ;;
        --with) with="$with $2"; shift ;;
        -*) ;;
        *) if [ -z "$image" ]; then image=$1; else kver=$1; fi ;;
    esac
    shift
done
[ -n "$kver" ] || { echo "usage: mkinitrd [options] IMAGE KVER" >&2; exit 1; }
if [ -x /opt/fake/hook ]; then /opt/fake/hook mkinitrd "$kver"; fi
SLOW_INITRD
[ -d "/lib/modules/$kver" ] || { echo "mkinitrd: no modules for kernel $kver" >&2; exit 1; }
if [ -e "$image" ] && [ $force = 0 ]; then echo "mkinitrd: $image already exists" >&2; exit 1; fi
mode=$(cat "/opt/fake/mode.$kver" 2>/dev/null || cat /opt/fake/mode)
if [ "$mode" = fail ]; then printf 'half an image' >"$image"; echo "mkinitrd: failing on purpose" >&2; exit 1; fi
if [ "$mode" = interrupt ]; then
    # The admin's Ctrl-C or a dropped ssh session: TERM to install.sh (parent of the sh running the command).
    kill -TERM "$(cut -d ' ' -f 4 /proc/$PPID/stat)"
    printf 'half an image' >"$image"
    exit 1
fi
tree=$(mktemp -d)
mkdir -p "$tree/lib"
if [ "$mode" != small ]; then cp /opt/fake/pad "$tree/pad"; fi
if [ "$mode" != nomodule ]; then
    if [ -d "/lib/modules/$kver/kernel" ]; then
        find "/lib/modules/$kver/kernel" -name '*.ko' -exec cp {} "$tree/lib/" \\;
    fi
    if [ "$mode" = ignorewith ]; then
        with=""
    elif [ -f /etc/modprobe.conf ]; then
        with="$with $(sed -n 's/^alias scsi_hostadapter[0-9]* //p' /etc/modprobe.conf)"
    fi
    for module in $with; do
        path=""
        for dir in updates extra kernel; do
            if [ -z "$path" ] && [ -d "/lib/modules/$kver/$dir" ]; then
                path=$(find "/lib/modules/$kver/$dir" -name "$module.ko" | sort | head -n 1)
            fi
        done
        [ -n "$path" ] || { echo "No module $module found for kernel $kver, aborting." >&2; exit 1; }
        cp "$path" "$tree/lib/"
    done
fi
if [ "$mode" = plain ]; then
    (cd "$tree" && find . | cpio -o -H newc --quiet) >"$image"
else
    (cd "$tree" && find . | cpio -o -H newc --quiet) | gzip -9 >"$image"
fi
rm -rf "$tree"
""".replace("SLOW_INITRD", SLOW_INITRD)

FAKE_NEW_KERNEL_PKG = f"""#!/bin/sh
# XenServer <= 6.1's way: exactly the form the field notes give, or fail.
echo "new-kernel-pkg.py $*" >>/opt/fake/calls
[ "$*" = "--install --package=kernel-xen --mkinitrd {KVER}" ] || {{ echo "bad arguments: $*" >&2; exit 2; }}
exec mkinitrd /boot/initrd-{KVER}.img {KVER}
"""
