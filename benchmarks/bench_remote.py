"""Benchmark xenkit's remote layer on loopback against the OpenSSH tools and one-liners a user would use instead.

Run as root: `.venv/bin/python benchmarks/bench_remote.py [--runs N] [--warmup N]` (or `make bench`). It starts a
real sshd on 127.0.0.N (tests/support/sshhosts.py) and closes it at the end. See benchmarks/README.md.
Every command is run once first: a non-zero exit stops the benchmark (exit 1; the table so far and the tail of
its stderr shown). A missed goal is marked MISSED in the table; the exit status stays 0.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench_render import verdict  # benchmarks/ is on sys.path when run as a script
from remote_timing import Failed, round_ratio, time_cmd, time_fn, time_rounds

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.support.sshhosts

PYTHON = sys.executable  # the venv's interpreter when run as .venv/bin/python
XENKIT = str(Path(PYTHON).parent / "xenkit")
UPLOAD_BYTES = 200 * 1000 * 1000
UPLOAD_GOAL = 0.7  # xenkit's throughput / a bare OpenSSH sftp put's, xenkit's sha256 check included
SAME_CHECK_GOAL = 1.8  # xenkit's throughput / OpenSSH's with the same check (sftp put; ssh sha256sum; sha256sum)
UPLOAD_RUNS = 5  # at most this many timed rounds (and one warm-up): each moves 3 x 200 MB
FSTAB_LINES = 10_000  # --fstab-lines
# What a user would otherwise run: append nobarrier to the options of uncommented ext4 lines.
SED_EXT4 = r"s/^([^#[:space:]]\S*\s+\S+\s+ext4\s+)(\S+)/\1\2,nobarrier/"  # GNU sed
AWK_CHECK = '$1 !~ /^#/ && ($3 == "ext4" || $3 == "ext3") && $4 !~ /nobarrier/ {n++} END {exit n > 0}'


def write_fstab(path: Path, count: int) -> int:
    """`count` lines of a mixed fstab (tabs, comments, short entries, \\040); returns its ext3/ext4 entries."""
    lines: list[str] = []
    for i in range(count):
        lines.append([
            f"# line {i}: data volumes below",
            "",
            f"UUID=5c6d{i:04x}-1f2e-4a3b-9c8d-0e1f2a3b{i:04x}\t/srv/ext4-{i}\text4\tdefaults,noatime\t0\t2",
            f"/dev/vg0/lv{i}   /data/ext3-{i}   ext3   defaults   1 2",
            f"/dev/vg1/xfs{i}  /xfs/{i}  xfs  defaults  0 0",
            f"/dev/sdc{i}  none  swap  sw  0 0",
            f"proc\t/proc{i}\tproc\tdefaults\t0\t0",
            f"tmpfs  /tmp/t{i}  tmpfs  size=512m,mode=1777  0 0",
            f"nfs.example.com:/export/{i}  /nfs/{i}  nfs  rw,hard,intr  0 0",
            f"LABEL=short{i} /mnt/short{i} ext4 defaults",
            f"/dev/sdx{i}  /mnt/with\\040space{i}  ext4  rw,relatime,errors=remount-ro  0 2",
            f"#/dev/old{i} /old{i} ext4 defaults 0 0",
            f"/dev/md{i}\t\t/raid/{i}\t\text3\t\tdefaults,data=ordered\t0\t2",
        ][i % 13])
    path.write_text("\n".join(lines) + "\n")
    return sum(1 for line in lines if not line.startswith("#") and line.split()[2:3] in (["ext4"], ["ext3"]))


def cipher_of_ssh(ssh: list[str]) -> str:
    """The client-to-server cipher and MAC OpenSSH negotiates with the host (from `ssh -v`)."""
    proc = subprocess.run([ssh[0], "-v", *ssh[1:], "true"], capture_output=True, text=True, check=False)
    match = re.search(r"kex: client->server cipher: (\S+) MAC: (\S+)", proc.stderr)
    return f"{match.group(1)} + {match.group(2)}" if match else "unknown"


@dataclass
class Bench:
    tmp: Path
    ssh: list[str]  # OpenSSH client argv for the host, without a command
    runs: int
    warmup: int
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def row(self, what: str, xen: str, instead: str, other: str, ratio: float | None, goal: str = "-",
            ok: bool | None = None) -> None:
        self.rows.append((what, xen, instead, other, "-" if ratio is None else f"{ratio:.2f}x", goal, verdict(ok)))

    def command(self) -> None:
        """`host run -- true` and `ssh HOST true` as fresh processes; then where the time goes, in-process."""
        xen = time_cmd([XENKIT, "host", "run", "--host", "bench", "--", "true"], self.runs, self.warmup)
        ssh = time_cmd([*self.ssh, "true"], self.runs, self.warmup)
        self.row("host run -- true (fresh process)", xen.ms(), "ssh HOST true", ssh.ms(), xen.median_ms / ssh.median_ms)
        from toolkit.remote.hosts import resolve_host
        from toolkit.remote.ssh import SshExecutor, connect

        spec = resolve_host("bench", cwd=self.tmp)

        def run_true(ex: SshExecutor) -> None:
            if not (result := ex.run(["true"])).ok:
                raise Failed(f"FAILED: true exited {result.status} on {spec}: {result.output_tail()}")

        def connect_run() -> None:
            ex = connect(spec)
            try:
                run_true(ex)
            finally:
                ex.close()

        loops = max(self.runs, 5)
        in_connect = time_fn(connect_run, loops, self.warmup)
        ex = connect(spec)
        try:
            in_run = time_fn(lambda: run_true(ex), loops * 5, self.warmup)
            transport = ex.client.get_transport()
            self.notes.append(f"xenkit (paramiko) cipher: {transport.local_cipher} + {transport.local_mac}")
        finally:
            ex.close()
        self.row("  in-process connect() + run(true)", in_connect.ms(), "ssh HOST true", ssh.ms(),
                 in_connect.median_ms / ssh.median_ms)
        self.row("  in-process run(true), open connection", in_run.ms(), "-", "-", None)

    def upload(self) -> None:
        """`host put` of UPLOAD_BYTES random bytes, a bare `sftp -b` put and the same check by OpenSSH tools, in
        turn round by round, into an empty place each time."""
        runs, warmup = min(self.runs, UPLOAD_RUNS), min(self.warmup, 1)
        source, remote_dir = self.tmp / "upload.bin", self.tmp / "remote"
        remote_dir.mkdir()
        with source.open("wb") as out:
            for _ in range(UPLOAD_BYTES // (1 << 20)):
                out.write(os.urandom(1 << 20))
            out.write(os.urandom(UPLOAD_BYTES % (1 << 20)))
        target = remote_dir / "upload.bin"
        clean = ["rm", "-f", str(target), f"{target}.xenkit-part"]
        batch = self.tmp / "sftp-batch"
        batch.write_text(f"put {shlex.quote(str(source))} {shlex.quote(str(target))}\n")
        sftp = [shutil.which("sftp") or "sftp", *self.ssh[1:]]
        sftp[sftp.index("-p")] = "-P"  # sftp spells the port -P; every other option is the same as ssh's
        put = [*sftp[:-1], "-b", str(batch), sftp[-1]]
        # The same guarantee by hand: put, then compare the host's sha256sum with the local one (the user's eyes).
        steps = (put, [*self.ssh, "sha256sum", "--", str(target)], ["sha256sum", "--", str(source)])
        checked = ["sh", "-c", " && ".join(f"{shlex.join(step)} >/dev/null" for step in steps)]
        xenkit = [XENKIT, "host", "put", str(source), str(target), "--host", "bench"]
        xen, bare, both = time_rounds([xenkit, put, checked], runs, warmup, clean)
        subprocess.run(clean, check=True)
        subprocess.run(xenkit, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        if not filecmp.cmp(source, target, shallow=False):
            raise Failed(f"FAILED: {target} differs from {source} after xenkit host put")
        (_, xen_cell), (_, bare_cell), (_, both_cell) = (t.mb_s(UPLOAD_BYTES) for t in (xen, bare, both))
        ratio = round_ratio(xen, bare)
        self.row(f"host put {UPLOAD_BYTES // 10**6} MB (sha256-checked)", xen_cell, "sftp -b (put)", bare_cell,
                 ratio, f">= {UPLOAD_GOAL}x OpenSSH", ratio >= UPLOAD_GOAL)
        ratio = round_ratio(xen, both)
        self.row("  same check with OpenSSH tools", xen_cell, "sftp put; ssh sha256sum; sha256sum", both_cell,
                 ratio, f">= {SAME_CHECK_GOAL}x OpenSSH", ratio >= SAME_CHECK_GOAL)
        self.notes.append(f"upload: {runs} rounds after {warmup} warm-up, the three in turn; ratio = median of the "
                          f"rounds' ratios; the host's tee: {self.host_tee(source)}")
        target.unlink(missing_ok=True)
        source.unlink()

    def host_tee(self, source: Path) -> str:
        """Which tee the host runs for uploads (toolkit/remote/tee_upload.py), found by a small upload."""
        from toolkit.remote.hosts import resolve_host
        from toolkit.remote.ssh import connect
        from toolkit.remote.tee_upload import _TEE_OF

        small = self.tmp / "small.bin"
        with source.open("rb") as whole:
            small.write_bytes(whole.read(1000))
        ex = connect(resolve_host("bench", cwd=self.tmp))
        try:
            ex.put(small, str(self.tmp / "remote" / "small.bin"))
            return _TEE_OF.get(ex, "none (SFTP)")
        finally:
            ex.close()

    def fstab(self, count: int) -> None:
        """`fstab nobarrier` on a `count`-line fstab (a fresh copy in an empty directory before each run)."""
        source, work = self.tmp / "fstab.src", self.tmp / "work"
        entries = write_fstab(source, count)
        self.notes.append(f"fstab: {entries} ext3/ext4 entries of {count:,} lines get nobarrier (sed: the ext4 ones "
                          "only, without parsing the format or a findmnt check)")
        fstab = work / "fstab"
        fresh = ["sh", "-c", 'rm -rf "$1" && mkdir "$1" && cp "$2" "$1/fstab"', "sh", str(work), str(source)]
        xen = time_cmd([XENKIT, "fstab", "nobarrier", str(fstab)], self.runs, self.warmup, fresh)
        if (done := fstab.read_text().count("nobarrier")) != entries or not list(work.glob("fstab.*.bak")):
            raise Failed(f"FAILED: {fstab}: {done} nobarrier entries (expected {entries}) or no backup")
        edited = self.tmp / "fstab.edited"
        shutil.copy(fstab, edited)
        sed = time_cmd(["sed", "-E", "-i.bak", SED_EXT4, str(fstab)], self.runs, self.warmup, fresh)
        self.row(f"fstab nobarrier, {count:,} lines", xen.ms(), "sed -E -i.bak (ext4 only)", sed.ms(),
                 xen.median_ms / sed.median_ms)
        check = time_cmd([XENKIT, "fstab", "nobarrier", "--check", str(edited)], self.runs, self.warmup)
        awk = time_cmd(["awk", AWK_CHECK, str(edited)], self.runs, self.warmup)
        self.row("  --check (already edited: exit 0)", check.ms(), "awk (ext3/ext4 lines)", awk.ms(),
                 check.median_ms / awk.median_ms)
        remote = time_cmd([XENKIT, "fstab", "nobarrier", "--host", "bench", "--path", str(fstab)],
                          self.runs, self.warmup, fresh)
        ssh_sed = time_cmd([*self.ssh, "sed", "-E", "-i.bak", shlex.quote(SED_EXT4), shlex.quote(str(fstab))],
                           self.runs, self.warmup, fresh)
        self.row("  --host bench --path (SFTP edit)", remote.ms(), "ssh HOST sed -E -i.bak", ssh_sed.ms(),
                 remote.median_ms / ssh_sed.median_ms)

    def table(self) -> None:
        header = ("what", "xenkit (median)", "instead", "instead (median)", "ratio", "goal", "verdict")
        widths = [max(len(r[i]) for r in (header, *self.rows)) for i in range(len(header))]
        for cells in (header, tuple("-" * w for w in widths), *self.rows):
            print("  ".join(cell.ljust(w) for cell, w in zip(cells, widths, strict=True)).rstrip())
        print()
        print("ratio: xenkit / instead; for times lower is better, for the upload (MB/s) higher is better")
        for note in self.notes:
            print(note)


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--runs", type=int, default=10,
                        help=f"timed runs per command (default 10; uploads: at most {UPLOAD_RUNS})")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first (default 2; uploads: at most 1)")
    parser.add_argument("--fstab-lines", type=int, default=FSTAB_LINES, help=f"default {FSTAB_LINES:,}")
    args = parser.parse_args()
    runs, warmup = max(1, args.runs), max(0, args.warmup)
    if not os.access(XENKIT, os.X_OK):
        print(f"{XENKIT} not found: run with the venv's python (.venv/bin/python)", file=sys.stderr)
        return 1
    missing = [p for p in ("ssh", "sftp", "ssh-keygen", "sed", "awk") if shutil.which(p) is None]
    if missing or not os.access("/usr/sbin/sshd", os.X_OK) or os.geteuid() != 0:
        print(f"needs root, /usr/sbin/sshd and {', '.join(missing) or 'the OpenSSH client'} (make system-deps)",
              file=sys.stderr)
        return 1
    import paramiko

    from tests.support.sshhosts import SshTestHost

    tool = "hyperfine" if shutil.which("hyperfine") else "time.perf_counter"
    openssh = subprocess.run(["ssh", "-V"], capture_output=True, text=True, check=False).stderr.strip()
    print(f"machine: nproc={len(os.sched_getaffinity(0))}  python {platform.python_version()} ({PYTHON})")
    print(f"         paramiko {paramiko.__version__}; {openssh}")
    print(f"timing:  {tool}, {runs} runs after {warmup} warm-ups (uploads: time.perf_counter, {min(runs, UPLOAD_RUNS)} "
          f"rounds after {min(warmup, 1)}), wall time of a full process start")
    with tempfile.TemporaryDirectory(prefix="xenkit-bench-remote-") as tmp_name:
        tmp = Path(tmp_name)
        # xenkit, ssh and sftp run with this as cwd (xenkit.toml) and HOME, and without an agent:
        # the user's ~/.ssh is neither read nor written.
        (tmp / "home").mkdir()
        os.environ["HOME"] = str(tmp / "home")
        os.environ.pop("SSH_AUTH_SOCK", None)
        os.chdir(tmp)
        (tmp / "host").mkdir()
        host = SshTestHost(tmp / "host")
        try:
            (tmp / "xenkit.toml").write_text(
                f'[hosts.bench]\naddress = "{host.address}"\nport = {host.port}\nuser = "{host.user}"\n'
                f'identity = "{host.client_key}"\nknown_hosts = "{host.known_hosts}"\n')
            bench = Bench(tmp, host.ssh_argv(), runs, warmup)
            print(f"host:    sshd {host.user}@{host.address}:{host.port}; OpenSSH cipher {cipher_of_ssh(bench.ssh)}")
            print()
            bench.command()
            bench.upload()
            bench.fstab(max(1, args.fstab_lines))
        except (Failed, subprocess.CalledProcessError) as exc:
            bench.table()  # what was measured before the failure
            print(f"\n{exc}", file=sys.stderr)
            return 1
        finally:
            host.close()
            os.chdir(ROOT)
    bench.table()
    return 0


if __name__ == "__main__":
    sys.exit(main())
