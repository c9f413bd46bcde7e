"""The bundle's `install.sh`: what an admin runs as root in dom0, from inside the unpacked bundle.

It does by script what the XenServer 6.0.2 multipath walk-through admins follow does by hand:
`rpm -ivh --force` the driver RPMs, back up `/etc/multipath.conf` (its target when it is XenServer <= 6.1's
symlink to `/etc/multipath-enabled.conf`; `/etc/multipath-enabled.conf` itself while the link points at
`multipath-disabled.conf`, multipathing being off) and put the new one in place, then rebuild the initrd with
the command stored in `/boot/initrd-$(uname -r).img.cmd` (`new-kernel-pkg.py ... --mkinitrd` before 6.2),
keeping the old one (copied before the RPMs go in, whose scripts may rebuild it). RHEL 5's mkinitrd only
packs the modules the root device needs and those named with `--with=`, so the script runs a copy of that
command with `--with=<module>` added for each bundle module it does not already name (the .cmd file itself is
left alone; a .cmd that is not one mkinitrd command line is refused). When the kdump kernel's
`/boot/initrd-<kver without "xen">kdump.img.cmd` exists, that initrd is rebuilt too in the same way (without
`--with`), since it also carries multipath.conf. Before any change it takes a lock (one run at a time) and
checks SHA256SUMS and that the host runs the kernel the bundle was built for; after each rebuild it checks the
new initrd is not much smaller than the old one, and that the main one holds every module byte for byte as
the RPMs installed it (not the kernel's own module of the same name). Any failure before the end undoes every
step (RPMs first, then multipath.conf, then the initrds) and exits non-zero; it never reboots.

On dracut dom0s (XenServer 7.0 and later: no .cmd file, dracut present) the initrd is rebuilt with
`dracut -f --add-drivers "<modules>" /boot/initrd-<kver>.img <kver>` and checked the same way (dracut's
format: an early cpio archive, then a gzip'ed or xz'ed one; `lsinitrd` when the host has it); a separate
kdump initrd is rebuilt when there is one (7.5 and later have none). Where the platform ships the drop-in
/etc/multipath/conf.d/custom.conf (XenServer 8, XCP-ng 8.3, 8.2 since 2023), the bundle's multipath-custom.conf
goes there; a host whose /etc/multipath.conf is managed (an alternatives link into /etc/multipath.xenserver/, 6.5
and later) and that has no drop-in is refused by name ("<PRODUCT_BRAND> <PRODUCT_VERSION>: not supported because ...",
from /etc/xensource-inventory) before any change.
templates/install.sh.j2 holds the script: a header and the parts it includes from templates/install/ (setup, rollback,
initrd functions, checks, apply), rendered as one file.

Every value reaches the script through shlex.quote, and is also checked here against a narrow pattern: the
values name files in the bundle and /boot, and a bundle that cannot be named plainly is a bug upstream.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from toolkit.catalog.jinja_env import render_template
from toolkit.errors import ValidationError

TEMPLATE = "install.sh.j2"

# A kernel release as `uname -r` prints it: "2.6.32.12-0.7.1.xs6.0.2.542.170665xen", "4.19.0+1". At most
# 64 characters (the kernel's __NEW_UTS_LEN); no "/" since it becomes part of /boot and /lib/modules paths.
_KVER = re.compile(r"[0-9]+(?:\.[0-9]+)+[A-Za-z0-9_.+~-]*")
_KVER_MAX = 64
# File names in the bundle directory: no path separators, no leading dot or dash (a dash would read as an
# option to rpm or sha256sum), no spaces or shell-special characters.
_RPM = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+~-]*\.rpm")
_MODULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*\.ko")
_BUNDLE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.+~-]*")
_NAME_MAX = 200


def _check_kver(kver: str) -> str:
    if len(kver) > _KVER_MAX or not _KVER.fullmatch(kver):
        raise ValidationError(
            "kver", f"{kver!r} is not a kernel release as `uname -r` prints it",
            hint="for example 2.6.32.12-0.7.1.xs6.0.2.542.170665xen (run `uname -r` on the host)")
    return kver


def _check_names(field: str, names: Sequence[str], pattern: re.Pattern[str], what: str) -> list[str]:
    # A bare str is a Sequence[str] too: "a.rpm" would become five one-letter names without this.
    if isinstance(names, str):
        raise ValidationError(field, f"must be a list of {what}, not one string ({names!r})")
    checked = list(names)
    if not checked:
        raise ValidationError(field, f"needs at least one {what}")
    for name in checked:
        if not isinstance(name, str) or len(name) > _NAME_MAX or not pattern.fullmatch(name):
            raise ValidationError(field, f"{name!r} is not a plain {what} (letters, digits, _ . + ~ -; no path)")
    duplicates = sorted({name for name in checked if checked.count(name) > 1})
    if duplicates:
        raise ValidationError(field, f"listed more than once: {', '.join(duplicates)}")
    return checked


def render_install_script(*, kver: str, rpms: Sequence[str], modules: Sequence[str], bundle: str) -> str:
    """The text of install.sh for a bundle whose directory holds `rpms`, built for kernel `kver`.

    `modules` are the kernel module file names ("scsi_dh_alua.ko") that the RPMs install and that the
    rebuilt initrd must contain. Raises ValidationError (a UsageError) for a value that is not plain.
    """
    checked_kver = _check_kver(kver)
    checked_rpms = _check_names("rpms", rpms, _RPM, "RPM file name")
    sources = [name for name in checked_rpms if name.endswith(".src.rpm")]
    if sources:
        raise ValidationError("rpms", f"source RPMs cannot be installed on a host: {', '.join(sources)}")
    checked_modules = _check_names("modules", modules, _MODULE, "kernel module file name (NAME.ko)")
    if not isinstance(bundle, str) or len(bundle) > _NAME_MAX or not _BUNDLE.fullmatch(bundle):
        raise ValidationError("bundle", f"{bundle!r} is not a plain bundle name (letters, digits, _ . + ~ -)")
    return render_template(TEMPLATE, kver=checked_kver, rpms=checked_rpms, modules=checked_modules, bundle=bundle)
