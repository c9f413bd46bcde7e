"""What must be true on a host once the bundle is installed; checked after install.sh, and before it, to tell an
already installed host (which then gets no second initrd rebuild).

- each RPM is installed (`rpm -q NVR`);
- each module file has the bytes of the .ko in the bundle's RPM (sha256), and its vermagic names the running
  kernel;
- the running kernel's initrd holds the module: listed with dracut's `lsinitrd` where there is one, else as
  the gzip'd cpio of CentOS 5 dom0s (`zcat | cpio -t`);
- the multipath configuration install.sh wrote is the bundle's file (sha256): the conf.d drop-in
  /etc/multipath/conf.d/custom.conf where the platform has one (XenServer 8, XCP-ng 8.2/8.3), else
  /etc/multipath.conf (followed if it is a link; multipath-enabled.conf while multipathing is off).
"""

from __future__ import annotations

import hashlib
import posixpath

from toolkit.driver.elfmodinfo import ModinfoError, kernel_release, read_modinfo
from toolkit.driver.rpm_payload import MAX_MODULE
from toolkit.errors import ToolkitError
from toolkit.remote.executor import Executor, run
from toolkit.rollout.bundle import BundleFacts, ModuleFile

MULTIPATH_CONF = "/etc/multipath.conf"
CUSTOM_CONF = "/etc/multipath/conf.d/custom.conf"
MAX_CONF = 1024 * 1024
# dracut's own lister where it exists (7.x and later); the older mkinitrd writes a gzip'd (or plain) cpio.
LIST_INITRD = """img=/boot/initrd-$1.img
[ -f "$img" ] || { echo "$img: no such file" >&2; exit 1; }
if command -v lsinitrd >/dev/null 2>&1; then exec lsinitrd "$img"; fi
zcat -f -- "$img" | cpio -t --quiet
"""


def post_check_problems(ex: Executor, bundle: BundleFacts, kver: str) -> list[str]:
    """What is not as the bundle would leave it, one line each; empty when the host has it installed."""
    problems = [f"rpm -q {nvr}: not installed" for nvr in bundle.nvrs
                if not run(ex, ["rpm", "-q", nvr], check=False, step=f"rpm -q {nvr}").ok]
    for module in bundle.modules:
        problems.extend(module_problems(ex, module, kver))
    problems.extend(_initrd_problems(ex, bundle, kver))
    conf_path, expected, what = _multipath_target(ex, bundle)
    try:
        conf = ex.read_bytes(conf_path, MAX_CONF)
    except ToolkitError as exc:
        problems.append(f"{conf_path}: {exc.message}")
    else:
        if hashlib.sha256(conf).hexdigest() != expected:
            problems.append(f"{conf_path}: not the bundle's {what} (sha256 differs)")
    return problems


def _multipath_target(ex: Executor, bundle: BundleFacts) -> tuple[str, str, str]:
    """Where install.sh puts the bundle's multipath settings, the sha256 they must have, and their name.

    A platform that ships the conf.d drop-in (platforms.md section 2) gets multipath-custom.conf there;
    else /etc/multipath.conf (its target if a link), but while multipathing is off (the link points at
    multipath-disabled.conf) multipath-enabled.conf beside it, which XenServer links in when it is turned on.
    """
    if bundle.custom_sha256 is not None and ex.stat(CUSTOM_CONF) is not None:
        return CUSTOM_CONF, bundle.custom_sha256, "multipath-custom.conf"
    target = run(ex, ["readlink", "-f", MULTIPATH_CONF], check=False, step="readlink").text().strip()
    if target.endswith("/multipath-disabled.conf"):
        return posixpath.join(posixpath.dirname(target), "multipath-enabled.conf"), bundle.multipath_sha256, \
            "multipath.conf"
    return MULTIPATH_CONF, bundle.multipath_sha256, "multipath.conf"


def module_problems(ex: Executor, module: ModuleFile, kver: str) -> list[str]:
    if ex.stat(module.path) is None:
        return [f"{module.path}: not there"]
    data = ex.read_bytes(module.path, MAX_MODULE)
    if hashlib.sha256(data).hexdigest() != module.sha256:
        return [f"{module.path}: not the bundle's module (sha256 differs)"]
    if module.path.endswith(".ko"):  # a .ko.xz/.gz with the bundle's bytes has the vermagic verify read
        try:
            found = kernel_release(read_modinfo(data).vermagic)
        except ModinfoError as exc:
            return [f"{module.path}: {exc.message}"]
        if found != kver:
            return [f"{module.path}: vermagic names kernel {found}, the host runs {kver}"]
    return []


def _initrd_problems(ex: Executor, bundle: BundleFacts, kver: str) -> list[str]:
    listing = run(ex, ["sh", "-c", LIST_INITRD, "sh", kver], check=False, step="listing the initrd")
    if not listing.ok:
        return [f"/boot/initrd-{kver}.img: cannot be listed: {listing.output_tail(1)}"]
    names = {posixpath.basename(word) for line in listing.text().splitlines() for word in line.split()[-1:]}
    return [f"/boot/initrd-{kver}.img: does not hold {module.name}" for module in bundle.modules
            if not any(name == module.name or name.startswith(module.name + ".") for name in names)]
