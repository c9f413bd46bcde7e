"""Benchmark `xenkit driver install`: the test bundle rolled out to N sshd test hosts, `--parallel N` against
`--parallel 1` and against ansible-playbook (forks=N), wall times side by side with the per-host median.

Run as root (mount namespaces): `.venv/bin/python benchmarks/bench_rollout.py [--hosts N] [--rounds R]
[--initrd-seconds S] [--no-ansible]` (or `make bench`).

The initrd build is modelled as a wait of S seconds (default 3; XENKIT_FAKE_MKINITRD_SECONDS of the fake dom0's
mkinitrd and dracut). On a real pool each dom0 rebuilds its initrd on its own CPUs and disks: mkinitrd/dracut
copy the modules, pack a cpio and gzip it, seconds of work that, seen from the machine running xenkit, is all
waiting. Here all 16 fake dom0s share this machine's two cores, and the fake mkinitrd packs a 64 KiB image at
once, so without the wait the roll-out measures the fakes' CPU, not xenkit's parallelism. 3 s is an assumption
for a small initrd, on the low side (less waiting makes --parallel look worse, not better); it is stated with
every result, and --initrd-seconds 0 gives the old CPU-bound figures.

The hosts and the bundle are the rollout tests' (tests/rollout/dom0_hosts.py): each roll-out gets fresh hosts,
since a second install on a host only says "already installed". See benchmarks/README.md. A roll-out that does
not install on every host stops the benchmark (exit 1); a missed goal is marked MISSED, exit 0.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench_render import verdict  # benchmarks/ is on sys.path when run as a script
from remote_timing import STDERR_LINES, Failed
from rollout_ansible import ansible_playbook, ansible_rollout, version

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.rollout and tests.support

from tests.rollout.dom0_hosts import REMOTE_BASE, Dom0Host, hosts_file, make_bundle, make_dom0_host, make_stage  # noqa: E402
from tests.support.sshhosts import SshTestHost  # noqa: E402

PYTHON = sys.executable  # the venv's interpreter when run as .venv/bin/python
HOSTS = 16
INITRD_SECONDS = 3.0  # the fake initrd build's wait: the model of a real dom0's (see above)
GOAL = 4.0  # --parallel HOSTS at least this many times faster than --parallel 1 (install.sh mostly waits)
ANSIBLE_GOAL = 0.5  # at most this fraction of ansible-playbook's wall time (forks=HOSTS)


@dataclass(frozen=True)
class Rollout:
    parallel: int
    wall_s: float
    host_seconds: tuple[float, ...]  # each host's time from the --json summary

    @property
    def median_host_s(self) -> float:
        return statistics.median(self.host_seconds)


class HostFactory:
    """The ssh_host_factory fixture's job without pytest (tests.support.sshhosts.SshHostFactory): started
    SshTestHosts under `base`, each closed by close()."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.hosts: list[SshTestHost] = []

    def __call__(self, legacy: bool = False, private_mounts: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> SshTestHost:
        host = SshTestHost(Path(tempfile.mkdtemp(prefix="sshhost-", dir=self.base)), legacy=legacy,
                           private_mounts=private_mounts, env=env)
        self.hosts.append(host)
        return host

    def close(self) -> None:
        while self.hosts:
            self.hosts.pop().close()


@contextmanager
def fresh_hosts(tmp: Path, stage: Path, count: int, initrd_seconds: float) -> Iterator[list[Dom0Host]]:
    """`count` new fake dom0 hosts (in xenkit.toml's group `pool`), closed afterwards."""
    factory = HostFactory(tmp)
    try:
        hosts = [make_dom0_host(factory, stage, initrd_seconds) for _ in range(count)]
        hosts_file(tmp / "xenkit.toml", hosts)
        yield hosts
    finally:
        factory.close()


def roll_out(tmp: Path, stage: Path, bundle: Path, count: int, parallel: int, initrd_seconds: float) -> Rollout:
    """`driver install BUNDLE --group pool --parallel PARALLEL` on `count` fresh hosts, timed as a fresh process."""
    with fresh_hosts(tmp, stage, count, initrd_seconds):
        argv = [PYTHON, "-m", "toolkit", "driver", "install", str(bundle), "--group", "pool",
                "--parallel", str(parallel), "--json"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        start = time.perf_counter()
        proc = subprocess.run(argv, cwd=tmp, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - start
        summary = json.loads(proc.stdout) if proc.stdout.strip() else []
        results = {s["result"] for s in summary}
        if proc.returncode != 0 or len(summary) != count or results != {"installed, reboot needed"}:
            tail = "\n".join(proc.stderr.splitlines()[-STDERR_LINES:])
            raise Failed(f"FAILED (exit {proc.returncode}, results {sorted(results)}): --parallel {parallel}\n{tail}")
        return Rollout(parallel, wall, tuple(float(s["seconds"]) for s in summary))


def ansible_out(program: Path, tmp: Path, stage: Path, bundle: Path, count: int, initrd_seconds: float) -> float:
    """Wall seconds of the same roll-out by ansible-playbook (forks=count) on `count` fresh hosts."""
    with fresh_hosts(tmp, stage, count, initrd_seconds) as hosts:
        wall = ansible_rollout(program, tmp, list(hosts), bundle, REMOTE_BASE, forks=count)
        if missing := [h.name for h in hosts if not h.installed()]:
            raise Failed(f"FAILED: ansible-playbook passed, but not installed on {', '.join(missing)}")
        return wall


def table(runs: list[Rollout], ansible: list[float], count: int, parallel: int) -> None:
    def cell(mode: int) -> tuple[float, float, str]:
        mine = [r for r in runs if r.parallel == mode]
        walls = [r.wall_s for r in mine]
        hosts = [s for r in mine for s in r.host_seconds]
        return statistics.median(walls), statistics.median(hosts), f"{min(walls):.1f}"

    (wide, wide_host, wide_min), (one, one_host, one_min) = cell(parallel), cell(1)
    ratio = one / wide
    rows = [("what", "wall (median s)", "min s", "per-host median s"),
            (f"--parallel {parallel}", f"{wide:.1f}", wide_min, f"{wide_host:.2f}"),
            ("--parallel 1", f"{one:.1f}", one_min, f"{one_host:.2f}")]
    if ansible:
        rows.append((f"ansible-playbook, forks={count}", f"{statistics.median(ansible):.1f}", f"{min(ansible):.1f}",
                     "-"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for cells in (rows[0], tuple("-" * w for w in widths), *rows[1:]):
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    print()
    print(f"speed-up: --parallel 1 / --parallel {parallel} = {ratio:.2f}x  (goal >= {GOAL:.0f}x: "
          f"{verdict(ratio >= GOAL)}); {count} hosts, the first one alone as the canary (--canary 1, the default)")
    if not ansible:
        print("ansible: not measured")
        return
    versus = wide / statistics.median(ansible)
    print(f"against Ansible: --parallel {parallel} / ansible-playbook = {versus:.2f}x  (goal <= {ANSIBLE_GOAL}x: "
          f"{verdict(versus <= ANSIBLE_GOAL)}); Ansible does copy + unpack + install.sh only, without xenkit's "
          "checks before and after")


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--hosts", type=int, default=HOSTS, help=f"test hosts per roll-out (default {HOSTS})")
    parser.add_argument("--rounds", type=int, default=1, help="roll-outs per mode, in turn (default 1)")
    parser.add_argument("--initrd-seconds", type=float, default=INITRD_SECONDS,
                        help=f"how long each fake dom0's initrd build waits (default {INITRD_SECONDS:g})")
    parser.add_argument("--no-ansible", action="store_true",
                        help="skip ansible-playbook (else pip installs ansible-core into this venv when missing)")
    args = parser.parse_args()
    count, rounds = max(1, args.hosts), max(1, args.rounds)
    if os.geteuid() != 0:
        print("bench_rollout.py needs root: its sshd test hosts run in private mount namespaces", file=sys.stderr)
        return 2
    print(f"machine: nproc={len(os.sched_getaffinity(0))}  python {platform.python_version()} ({PYTHON})")
    print(f"timing:  time.perf_counter around `xenkit driver install` as a fresh process; {rounds} round(s), "
          f"--parallel {count}, --parallel 1{'' if args.no_ansible else ', ansible-playbook'} in each, "
          "fresh hosts for every roll-out")
    if args.initrd_seconds:
        print(f"model:   each host's initrd build waits {args.initrd_seconds:g} s (XENKIT_FAKE_MKINITRD_SECONDS), "
              "as a real dom0 spends seconds on it, on its own CPUs and disks")
    else:
        print("model:   none (--initrd-seconds 0): the fake initrd build returns at once; every host's work is CPU "
              "work on this machine")
    runs: list[Rollout] = []
    ansible: list[float] = []
    with tempfile.TemporaryDirectory(prefix="xenkit-bench-rollout-") as tmp_name:
        tmp = Path(tmp_name)
        # xenkit runs with this as cwd (xenkit.toml, xenkit-logs/) and HOME, without an agent
        (tmp / "home").mkdir()
        os.environ["HOME"] = str(tmp / "home")
        os.environ["XDG_CONFIG_HOME"] = str(tmp / "home" / ".config")
        os.environ.pop("SSH_AUTH_SOCK", None)
        stage, bundle = make_stage(tmp / "stage"), make_bundle(tmp / "bundle")
        print(f"bundle:  {bundle.name} ({bundle.stat().st_size:,} bytes)")
        try:
            program = None if args.no_ansible else ansible_playbook()
            if program is not None:
                print(f"ansible: {version(program)}")
            print()
            for _ in range(rounds):
                for parallel in (count, 1):
                    runs.append(roll_out(tmp, stage, bundle, count, parallel, args.initrd_seconds))
                    print(f"  --parallel {parallel}: {runs[-1].wall_s:.1f} s", flush=True)
                if program is not None:
                    ansible.append(ansible_out(program, tmp, stage, bundle, count, args.initrd_seconds))
                    print(f"  ansible-playbook: {ansible[-1]:.1f} s", flush=True)
        except Failed as exc:
            print(f"\n{exc}", file=sys.stderr)
            return 1
    print()
    table(runs, ansible, count, count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
