"""A whole pool at once: `xenkit driver install --parallel 16` to 16 sshd test hosts on 127.0.0.N, each a fake
XenServer 6.0.2 dom0 (dom0_hosts.py), every one checked installed afterwards."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rollout.conftest import Install, MakeHosts
from tests.rollout.dom0_hosts import REMOTE_BASE

pytestmark = pytest.mark.integration
POOL = 16
# Each host after the canary, in its mkinitrd, waits (up to 120 s: generous under load) until all of them are in
# theirs: it passes only when the 15 really run at the same time, and fails (mkinitrd fails) otherwise.
BARRIER = """touch {barrier}/{name}
tries=0
until [ "$(ls {barrier} | wc -l)" -ge {count} ]; do
    tries=$((tries + 1))
    [ $tries -le 2400 ] || {{ echo "mkinitrd: not all {count} hosts were in mkinitrd at once" >&2; exit 1; }}
    sleep 0.05
done
"""


def test_sixteen_hosts_at_once(make_hosts: MakeHosts, bundle: Path, install: Install, tmp_path: Path) -> None:
    hosts = make_hosts(POOL)
    assert len({host.ssh.address for host in hosts}) == POOL  # 16 sshd on 16 addresses
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    for host in hosts[1:]:  # the canary goes alone first
        host.set_hook(BARRIER.format(barrier=barrier, name=host.name, count=POOL - 1))
    result, summary = install(bundle, "--parallel", str(POOL))
    assert result.code == 0, result.err
    assert [(s["host"], s["result"]) for s in summary] == [(h.name, "installed, reboot needed") for h in hosts]
    stem = bundle.name.removesuffix(".tar.gz")
    for host in hosts:
        assert host.installed() and host.mkinitrd_runs() == 1, host.name
        assert host.uploaded()[0] == f"{REMOTE_BASE}/{stem}", host.name
        assert host.sh("cat /etc/multipath.conf").startswith("# the bundle's multipath.conf"), host.name


def test_the_benchmarks_slow_initrd_build_is_waited_for(make_hosts: MakeHosts, bundle: Path,
                                                        install: Install) -> None:
    """XENKIT_FAKE_MKINITRD_SECONDS reaches the fake mkinitrd through the SSH session and install.sh: the host
    takes at least that long (bench_rollout.py's model of a real initrd build)."""
    (host,) = make_hosts(1, initrd_seconds=2.5)
    result, summary = install(bundle)
    assert result.code == 0, summary
    assert summary[0]["seconds"] >= 2.5 and host.mkinitrd_runs() == 1
