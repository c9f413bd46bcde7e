"""Benchmark `xenkit host doctor` against the same checks run as separate `ssh host cmd` calls.

Run as `.venv/bin/python benchmarks/bench_doctor.py [--runs N]` (root: the test host needs a private /etc).
One sshd test host on 127.0.0.N is set up as the doctor tests' healthy dom0 (tests/support/doctor_host.py: the xe
simulator, fakes of multipath, showmount, list_domains and ovs-appctl). The doctor runs once first with the
simulator's call log on: the xe calls it made, plus the other commands of its one script (uname -r, list_domains,
ovs-appctl bond/list and bond/show, cat /etc/lvm/lvm.conf, multipath -ll, showmount -e), are then what "the same
checks by hand" runs, each as its own `ssh host 'cmd'` (OpenSSH, a new connection each: what a shell script of
ssh calls does). Rows: median and min wall time of each, and the ratio. A failing doctor stops the benchmark.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.doctor_host import make_doctor_dom0  # noqa: E402
from tests.support.remote_helpers import write_hosts_file  # noqa: E402
from tests.support.ssh_test_host import SshTestHost  # noqa: E402

XENKIT = str(Path(sys.executable).parent / "xenkit")


def timed(argvs: list[list[str]], runs: int, env: dict[str, str], cwd: Path) -> tuple[float, float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        for argv in argvs:
            subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="xenkit-bench-doctor.") as tmp:
        work = Path(tmp)
        (work / "host").mkdir()
        host = SshTestHost(work / "host", private_mounts=["/etc"])
        host.start()
        try:
            dom0 = make_doctor_dom0(host, work)
            write_hosts_file(work, "dom0", host)
            env = {**os.environ, "HOME": str(work), "XDG_CONFIG_HOME": str(work / ".config")}
            env.pop("SSH_AUTH_SOCK", None)
            doctor = [XENKIT, "host", "doctor", "--host", "dom0", "--json"]
            first = subprocess.run(doctor, env=env, cwd=work, capture_output=True, text=True, check=False)
            if first.returncode != 0:
                print(f"error: the doctor failed on the benchmark host: {first.stderr.strip()}", file=sys.stderr)
                return 1
            xe_calls = [shlex.join(call) for call in dom0.xe.calls()]
            others = ["uname -r", "list_domains", "ovs-appctl bond/list", "ovs-appctl bond/show bond0",
                      "cat /etc/lvm/lvm.conf", "multipath -ll", "showmount -e 192.0.2.2"]
            by_hand = [host.ssh_argv(command) for command in [*xe_calls, *others]]
            ours = timed([doctor], args.runs, env, work)
            theirs = timed(by_hand, args.runs, env, work)
        finally:
            host.close()
    print(f"host doctor on one test host, {args.runs} runs each; the same checks by hand = {len(by_hand)} ssh calls")
    print(f"{'what':52} {'median s':>9} {'min s':>8}")
    print(f"{'xenkit host doctor (one connection, one round trip)':52} {ours[0]:9.2f} {ours[1]:8.2f}")
    print(f"{f'the same commands, one ssh call each ({len(by_hand)})':52} {theirs[0]:9.2f} {theirs[1]:8.2f}")
    print(f"ratio: xenkit takes {ours[0] / theirs[0]:.2f}x the time of the ssh calls")
    print(json.dumps({"doctor_median_s": ours[0], "ssh_calls_median_s": theirs[0], "ssh_calls": len(by_hand)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
