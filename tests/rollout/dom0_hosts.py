"""SSH test hosts that look like XenServer 6.0.2 dom0s to a session, for the `xenkit driver install` tests, and the
real driver bundle rolled out to them.

Each host is an SshTestHost whose sshd runs in a mount namespace where /boot, /etc, /lib/modules, the rpm
database (Debian's rpm keeps it in /root/.rpmdb), /run/lock (install.sh's lock) and /root/xenkit (where the
bundles go) are throwaway tmpfs copies; inside them the fake dom0 of tests/support/fake_dom0.py: the kernel's
module tree with a stock module of the test driver's name, /boot with a gzip'd cpio initrd and its .cmd, and a
XenServer multipath.conf. Its fake `uname` and `mkinitrd` (fake_dom0_data.py's, reading their settings from the
host's own directory instead of /opt/fake) come first on the session's PATH. The bundle holds a real RPM
(rpmbuild) with a real ELF module (gcc) whose vermagic names the fake dom0's kernel, so it passes
`xenkit driver verify`.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import tarfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from tests.support.driver_rpms import build_rpm, gcc_module
from tests.support.fake_dom0 import cpio_archive
from tests.support.fake_dom0_data import (
    FAKE_MKINITRD,
    FAKE_MKINITRD_SECONDS,
    FAKE_UNAME,
    KVER,
    NEW_DROPIN,
    NEW_MULTIPATH,
    OLD_MULTIPATH,
    PAD,
)
from tests.support.sshhosts import SshHostFactory, SshTestHost
from toolkit.driver.bundle_write import Member, write_bundle
from toolkit.generate.install_script import render_install_script

MODULE = "xenkit_testdrv.ko"
MODULE_PATH = f"/lib/modules/{KVER}/extra/{MODULE}"
UPDATES = f"/lib/modules/{KVER}/updates"
NVR = "xenkit-test-driver-1.2-3.xs"
REMOTE_BASE = "/root/xenkit"  # made on the machine (empty) so that each host can have its own copy
PRIVATE = ("/boot", "/etc", "/lib/modules", "/root/.rpmdb", "/run/lock", REMOTE_BASE)

_SETUP = """set -e
k=$1; stage=$2
mkdir -p "/lib/modules/$k/kernel/drivers/scsi"
cp "$stage/stock.ko" "/lib/modules/$k/kernel/drivers/scsi/xenkit_testdrv.ko"
printf 'kernel/drivers/scsi/xenkit_testdrv.ko:\\n' >"/lib/modules/$k/modules.dep"
cp "$stage/initrd.img" "/boot/initrd-$k.img"
echo "mkinitrd -f /boot/initrd-$k.img $k" >"/boot/initrd-$k.img.cmd"
rm -f /etc/multipath.conf
cp "$stage/multipath.conf" /etc/multipath.conf
"""


FAKE_REBOOT = """#!/bin/sh
# The test's reboot watcher (RebootWatcher) does the rest: it stops sshd and (maybe) starts it again.
touch FAKE/reboot-asked
"""
FAKE_MULTIPATH = """#!/bin/sh
echo "mpatha (3600a0b80001234) dm-0 Intel,Multi-Flex"
echo "[size=100G][features=1 queue_if_no_path][hwhandler=1 alua]"
"""


# The test's python3 for a dropped upload (Dom0Host.drop_uploads_after): as the real one, but the upload's tee
# program (`-E -c PROGRAM PART MODE`) gets only the first LIMIT bytes, its report never reaches xenkit, and then
# the connection is cut from the server's side: the sshd process serving it is killed, as a network drop or a
# crash of the host's sshd cuts it.
DROPPING_PYTHON = """#!/bin/sh
if [ $# -ne 5 ] || [ "$1" != -E ]; then exec /usr/bin/python3 "$@"; fi
head -c LIMIT | /usr/bin/python3 "$@" | sed -u -n '/^xenkit-write/q;p'
pid=$$
while [ "$pid" -gt 1 ]; do
    pid=$(cut -d ' ' -f 4 /proc/$pid/stat)
    case $(cat /proc/$pid/comm) in sshd | sshd-session) kill -9 "$pid"; exit 1 ;; esac
done
"""


@dataclass
class Dom0Host:
    ssh: SshTestHost
    fake: Path  # the fakes' settings and record: uname-r, mode, calls, hook
    on_reboot: str = "back"  # what RebootWatcher does: "back" (sshd again, the module loaded), "never", "new key",
    # "shadowed"

    @property
    def name(self) -> str:
        return f"dom0-{self.ssh.address.rsplit('.', 1)[-1]}"

    def set(self, name: str, value: str) -> None:
        """A setting of the fakes: uname-r, or mode (the fake mkinitrd's: "fail" makes it fail)."""
        (self.fake / name).write_text(value + "\n")

    def set_hook(self, script: str) -> None:
        """A sh script the fake mkinitrd runs before it builds (as HOOK mkinitrd KVER)."""
        hook = self.fake / "hook"
        hook.write_text("#!/bin/sh\n" + script)
        hook.chmod(0o755)

    def drop_uploads_after(self, limit: int | None) -> None:
        """Cut the connection from the host's side once `limit` bytes of an upload arrived (None: no more)."""
        python = self.ssh.bin_dir / "python3"
        if limit is None:
            python.unlink(missing_ok=True)
            return
        python.write_text(DROPPING_PYTHON.replace("LIMIT", str(limit)))
        python.chmod(0o755)

    def mkinitrd_runs(self) -> int:
        calls = self.fake / "calls"
        return len(calls.read_text().splitlines()) if calls.exists() else 0

    def sh(self, command: str) -> str:
        """`command` run by sh in the host's namespace (no SSH); its stdout. It must succeed."""
        result = self.ssh.run_inside(["sh", "-c", command])
        assert result.returncode == 0, result.stderr
        return result.stdout

    def installed(self) -> bool:
        return self.ssh.run_inside(["env", "HOME=/root", "rpm", "-q", NVR]).returncode == 0  # its rpm database

    def uploaded(self) -> list[str]:
        return sorted(self.sh(f"find {REMOTE_BASE} -mindepth 1 -maxdepth 2").split())


def make_dom0_host(factory: SshHostFactory, stage: Path, initrd_seconds: float = 0.0) -> Dom0Host:
    """A fake dom0 host; `initrd_seconds`: how long its mkinitrd waits (XENKIT_FAKE_MKINITRD_SECONDS), as a
    real one spends seconds building the initrd (benchmarks/bench_rollout.py)."""
    os.makedirs(REMOTE_BASE, exist_ok=True)
    ssh = factory(private_mounts=PRIVATE)
    if initrd_seconds:
        ssh.set_env({**ssh.env, FAKE_MKINITRD_SECONDS: f"{initrd_seconds:g}"})
    fake = ssh.root / "fake"
    fake.mkdir()
    host = Dom0Host(ssh, fake)
    for name, text in (("uname", FAKE_UNAME), ("mkinitrd", FAKE_MKINITRD), ("reboot", FAKE_REBOOT),
                       ("multipath", FAKE_MULTIPATH)):
        script = ssh.bin_dir / name
        script.write_text(text.replace("/opt/fake", str(fake)).replace("FAKE/", f"{fake}/"))
        script.chmod(0o755)
    host.set("uname-r", KVER)
    host.set("mode", "gzip")
    (fake / "pad").write_bytes((stage / "pad").read_bytes())
    result = ssh.run_inside(["sh", "-c", _SETUP, "sh", KVER, str(stage)])
    assert result.returncode == 0, result.stderr
    # /sys/module of the namespace: an empty tmpfs, where a "reboot" makes the test driver's entry
    result = ssh.run_inside(["mount", "-t", "tmpfs", "xenkit-test", "/sys/module"])
    assert result.returncode == 0, result.stderr
    return host


def make_stage(stage: Path) -> Path:
    """The files every fake dom0 starts from."""
    stage.mkdir(parents=True, exist_ok=True)
    pad = os.urandom(PAD)
    (stage / "pad").write_bytes(pad)
    (stage / "stock.ko").write_bytes(b"the kernel's own xenkit_testdrv\n")
    (stage / "initrd.img").write_bytes(gzip.compress(cpio_archive({"pad": pad, "lib/scsi_dh_alua.ko": b"old\n"})))
    (stage / "multipath.conf").write_bytes(OLD_MULTIPATH)
    return stage


def make_bundle(work: Path) -> Path:
    """A real bundle: an RPM (rpmbuild) installing a gcc-made module for KVER, install.sh, multipath.conf."""
    work.mkdir(parents=True, exist_ok=True)
    module = gcc_module(work, vermagic=f"{KVER} SMP mod_unload ")
    rpm = build_rpm(work, {MODULE_PATH: module})
    data = rpm.read_bytes()
    stem = f"{NVR}-{KVER}"
    manifest = {"kernel": KVER, "rpms": [{"file": rpm.name, "sha256": hashlib.sha256(data).hexdigest(),
                                          "nvra": rpm.name.removesuffix(".rpm"),
                                          "modules": [{"path": MODULE_PATH, "vermagic": f"{KVER} SMP mod_unload "}]}]}
    script = render_install_script(kver=KVER, rpms=[rpm.name], modules=[MODULE], bundle=stem)
    target = work / f"{stem}.tar.gz"
    write_bundle(target, stem, [
        Member(rpm.name, data), Member("multipath.conf", NEW_MULTIPATH), Member("multipath-custom.conf", NEW_DROPIN),
        Member("install.sh", script.encode(), executable=True),
        Member("manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()),
    ])
    return target


def tampered_copy(bundle: Path, target: Path) -> Path:
    """The bundle with its multipath.conf changed after SHA256SUMS was written."""
    with tarfile.open(bundle, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            handle = source.extractfile(member) if member.isfile() else None
            data = handle.read() if handle is not None else b""
            if member.name.endswith("/multipath.conf"):
                data += b"# changed\n"
                member.size = len(data)
            out.addfile(member, io.BytesIO(data) if member.isfile() else None)
    return target


def hosts_file(path: Path, hosts: list[Dom0Host]) -> Path:
    """xenkit.toml naming every host (its key, its known_hosts) and the group `pool` of all of them, in order."""
    lines = []
    for host in hosts:
        lines += [f"[hosts.{host.name}]", f'address = "{host.ssh.address}"', f"port = {host.ssh.port}",
                  f'user = "{host.ssh.user}"', f'identity = "{host.ssh.client_key}"',
                  f'known_hosts = "{host.ssh.known_hosts}"', ""]
    lines += ["[groups]", f"pool = [{', '.join(json.dumps(h.name) for h in hosts)}]", ""]
    path.write_text("\n".join(lines))
    return path


class RebootWatcher:
    """Plays each host's reboot: when its fake `reboot` ran, stops its sshd, then as Dom0Host.on_reboot says:
    "back": the module is loaded (/sys/module/NAME) and sshd starts again a second later; "never": sshd stays
    down; "new key": sshd comes back with new host keys; "shadowed": as "back", but another module of the
    driver's name in updates/ is the one the kernel loads by name now."""

    def __init__(self, hosts: list[Dom0Host]) -> None:
        self.hosts = hosts
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)
        self.thread.start()

    def _watch(self) -> None:
        while not self.done.wait(0.1):
            for host in self.hosts:
                asked = host.fake / "reboot-asked"
                if asked.exists():
                    asked.unlink()
                    self._reboot(host)

    def _reboot(self, host: Dom0Host) -> None:
        host.ssh.stop()
        if host.on_reboot == "never":
            return
        time.sleep(1)
        if host.on_reboot == "new key":
            host.ssh.rotate_host_key()
            return
        host.sh("mkdir -p /sys/module/xenkit_testdrv")
        if host.on_reboot == "shadowed":  # another module of the name, in updates/: depmod ranks it first
            host.sh(f"mkdir -p {UPDATES} && cp {MODULE_PATH} {UPDATES}/ && echo other >>{UPDATES}/{MODULE} && "
                    f"depmod -a {KVER}")
        host.ssh.start()

    def close(self) -> None:
        self.done.set()
        self.thread.join(timeout=60)
