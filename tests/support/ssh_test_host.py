"""One real OpenSSH server on loopback for tests: SshTestHost, an `sshd -D` on its own address 127.0.0.N (all of
127/8 is loopback on Linux) with its own host keys, key-only login and a log file, and the keys it is made with.
The pytest plugin that makes them is sshhosts.py.
"""

from __future__ import annotations

import itertools
import os
import pwd
import re
import select
import signal
import socket
import subprocess
import time
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from tests.conftest import require_program
from tests.support.process_tree import TIMEOUT, end_process_tree, with_parent_death

SSHD = "/usr/sbin/sshd"  # sshd re-executes itself per connection, so it must be started by absolute path
PRIVSEP_DIR = Path("/run/sshd")  # sshd refuses to start without its privilege separation directory
SESSION_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # sshd's own PATH for root
_numbers = itertools.count(2)  # 127.0.0.1 is left to everything else on the machine
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


# The namespace's first process puts on each directory a tmpfs holding a copy of it (same mode and owner),
# then sleeps until killed. sshd joins it with nsenter, so what tests wrote there survives sshd restarts.
_NAMESPACE_SCRIPT = """set -e
stage=$1; shift; i=0
for dir in "$@"; do
  i=$((i + 1)); mkdir -p "$stage/$i"
  mount -t tmpfs -o "mode=$(stat -c %a "$dir"),uid=$(stat -c %u "$dir"),gid=$(stat -c %g "$dir")" \
    xenkit-test "$stage/$i"
  cp -a "$dir/." "$stage/$i/"
  mount --move "$stage/$i" "$dir"
done
echo ready
exec sleep infinity
"""


def make_keypair(path: Path, kind: str = "ed25519") -> subprocess.Popen[bytes]:
    """Start ssh-keygen writing an unencrypted `kind` key to path and path.pub (so several run at once)."""
    size = ["-b", "2048"] if kind == "rsa" else []  # 2048 bits: a third of the time of the default 3072
    path.unlink(missing_ok=True)
    Path(f"{path}.pub").unlink(missing_ok=True)
    argv = ["ssh-keygen", "-q", "-t", kind, *size, "-N", "", "-C", "xenkit-test", "-f", str(path)]
    return subprocess.Popen(argv, stdin=subprocess.DEVNULL)


def _wait_all(procs: Sequence[subprocess.Popen[bytes]]) -> None:
    if failed := [proc.args for proc in procs if proc.wait(timeout=30) != 0]:
        raise RuntimeError(f"failed: {failed}")


def fingerprint(public_key_file: Path) -> str:
    """The key's fingerprint exactly as `ssh-keygen -lf` prints it: SHA256:..."""
    argv = ["ssh-keygen", "-E", "sha256", "-lf", str(public_key_file)]
    return subprocess.run(argv, capture_output=True, text=True, check=True, timeout=TIMEOUT).stdout.split()[1]


class SshTestHost:
    """One sshd on 127.0.0.N:port with its own host keys, client key, known_hosts file, bin_dir and log.

    `legacy=True`: an old server, with only an RSA host key offered as ssh-rsa (SHA-1), accepting only
    ssh-rsa (SHA-1) signatures of its RSA client key. `private_mounts`: sshd runs in a mount namespace
    where each listed directory is a throwaway tmpfs copy, so tests may write to /etc over SSH.
    """

    def __init__(self, root: Path, *, legacy: bool = False, private_mounts: Sequence[str] = (),
                 env: Mapping[str, str] | None = None) -> None:
        number = next(_numbers)
        self.address = f"127.{number >> 16 & 255}.{number >> 8 & 255}.{number & 255}"
        with socket.socket() as probe:  # a port free on this address now; kept across restarts
            probe.bind((self.address, 0))
            self.port: int = probe.getsockname()[1]
        self.user = pwd.getpwuid(os.geteuid()).pw_name
        self.root, self.legacy = root, legacy
        self.private_mounts = tuple(os.path.realpath(d) for d in private_mounts)
        for directory in self.private_mounts:
            if directory == "/" or not Path(directory).is_dir() or root.resolve().is_relative_to(directory):
                raise ValueError(f"cannot make {directory} private: not a directory, or / or holds {root}")
        self.config, self.log_path = root / "sshd_config", root / "sshd.log"
        self.client_key, self.authorized_keys = root / "client_key", root / "authorized_keys"
        self.known_hosts, self.bin_dir = root / "known_hosts", root / "bin"
        self.bin_dir.mkdir()
        self.key_kinds = ("rsa",) if legacy else ("ed25519", "rsa")
        self.host_keys: dict[str, str] = {}  # "ssh-ed25519" -> "ssh-ed25519 AAAA...", as in known_hosts
        self.host_fingerprints: dict[str, str] = {}  # "ssh-ed25519" -> "SHA256:..."
        self.proc: subprocess.Popen[bytes] | None = None  # the sshd listener
        self.namespace: subprocess.Popen[bytes] | None = None  # the process holding the private mounts
        client_keygen = make_keypair(self.client_key, "rsa" if legacy else "ed25519")
        self._new_host_keys()
        _wait_all([client_keygen])
        self.env: dict[str, str] = {}
        self.set_env(env or {})
        self.write_known_hosts()
        legacy_algorithms = ["HostKeyAlgorithms ssh-rsa", "PubkeyAcceptedAlgorithms ssh-rsa"] if legacy else []
        self.config.write_text("\n".join([
            f"ListenAddress {self.address}:{self.port}",
            *(f"HostKey {root}/host_{kind}_key" for kind in self.key_kinds), *legacy_algorithms,
            "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
            "UsePAM no", "PermitRootLogin prohibit-password", f"AuthorizedKeysFile {self.authorized_keys}",
            "StrictModes no", "PermitUserEnvironment yes", "PidFile none", "Subsystem sftp internal-sftp",
            "LogLevel VERBOSE", "MaxStartups 100:30:200", "MaxSessions 100", "PrintMotd no", "UseDNS no", "",
        ]))
        try:
            self.start()
        except BaseException:
            self.close()  # the private mount namespace, if one was made
            raise

    def __repr__(self) -> str:
        return f"<SshTestHost {self.user}@{self.address}:{self.port} log={self.log_path}>"

    @property
    def pid(self) -> int | None:
        """The sshd listener's pid while it runs."""
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    @property
    def known_hosts_name(self) -> str:
        """The host as known_hosts files and paramiko name it: [address]:port."""
        return f"[{self.address}]:{self.port}"

    def _new_host_keys(self) -> None:
        """Make new host keys (all at once) and read them into host_keys and host_fingerprints."""
        _wait_all([make_keypair(self.root / f"host_{kind}_key", kind) for kind in self.key_kinds])
        for kind in self.key_kinds:
            public = self.root / f"host_{kind}_key.pub"
            key_type, blob = public.read_text().split()[:2]
            self.host_keys[key_type] = f"{key_type} {blob}"
            self.host_fingerprints[key_type] = fingerprint(public)

    def set_env(self, env: Mapping[str, str]) -> None:
        """Set the extra environment of sessions, from the next login on (authorized_keys environment=).

        PATH, if given, replaces sshd's default behind bin_dir. SHLVL=1 stops bash from sourcing ~/.bashrc
        (it does for commands run by sshd, but only as a top-level shell), so that a developer's .bashrc
        cannot put its own directories in front of bin_dir.
        """
        for name, value in env.items():
            if not _ENV_NAME.fullmatch(name) or any(c in value for c in '"\\\n\r'):
                raise ValueError(f"environment {name}={value!r}: need a name, a value without quote/backslash/newline")
        self.env = dict(env)
        full = {"SHLVL": "1", **self.env, "PATH": f"{self.bin_dir}:{self.env.get('PATH', SESSION_PATH)}"}
        options = ",".join(f'environment="{name}={value}"' for name, value in full.items())
        public = Path(f"{self.client_key}.pub").read_text().strip()
        self.authorized_keys.write_text(f"{options} {public}\n")

    def write_known_hosts(self) -> None:
        """Trust the current host keys in known_hosts (rotate_host_key deliberately leaves the old ones)."""
        self.known_hosts.write_text("".join(f"{self.known_hosts_name} {key}\n" for key in self.host_keys.values()))

    def _start_namespace(self) -> None:
        stage = self.root / "stage"
        stage.mkdir(exist_ok=True)
        argv = ["unshare", "--mount", "--propagation", "private", "sh", "-c", _NAMESPACE_SCRIPT, "sh",
                str(stage), *self.private_mounts]
        self.namespace = subprocess.Popen(with_parent_death(argv), stdin=subprocess.DEVNULL,
                                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        assert self.namespace.stdout is not None
        ready, _, _ = select.select([self.namespace.stdout], [], [], TIMEOUT)
        if (line := self.namespace.stdout.readline() if ready else b"") != b"ready\n":
            end_process_tree(self.namespace, signal.SIGKILL)
            output = (line + self.namespace.stdout.read()).decode(errors="replace") or "timed out"
            raise RuntimeError(f"could not make {self.private_mounts} private: {output}")

    def start(self) -> None:
        """Start sshd (in the private mount namespace, if any); wait until it greets on its port."""
        if self.pid is not None:
            return
        if os.geteuid() == 0:
            PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
        if self.private_mounts and self.namespace is None:
            self._start_namespace()
        argv = [SSHD, "-D", "-e", "-E", str(self.log_path), "-f", str(self.config)]
        if self.namespace is not None:  # nsenter execs sshd: the pid stays sshd's
            argv = ["nsenter", f"--target={self.namespace.pid}", "--mount", "--", *argv]
        with self.log_path.open("ab") as log:  # errors printed before sshd opens its log land there too
            self.proc = subprocess.Popen(with_parent_death(argv), stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        deadline = time.monotonic() + TIMEOUT  # each probe logs "kex_exchange_identification: Connection closed"
        while time.monotonic() < deadline and self.proc.poll() is None:
            with suppress(OSError), socket.create_connection((self.address, self.port), timeout=1) as conn:
                if conn.recv(64).startswith(b"SSH-2.0-"):
                    return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"sshd on {self.address}:{self.port} did not start; its log:\n{self.log_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop sshd and its sessions (`sig`, then SIGKILL after TIMEOUT); a private namespace stays."""
        if self.proc is not None:
            end_process_tree(self.proc, sig)
            self.proc = None

    def kill(self) -> None:
        """SIGKILL sshd and every session under it, as a server that drops dead: the port then refuses."""
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        """Stop, and start again on the same address, port, keys and private mounts."""
        self.stop()
        self.start()

    def rotate_host_key(self) -> dict[str, str]:
        """New host keys, then restart; returns their fingerprints. known_hosts keeps the old keys, so
        clients checking it must now refuse the host (write_known_hosts trusts the new ones)."""
        self._new_host_keys()
        self.restart()
        return dict(self.host_fingerprints)

    def close(self) -> None:
        """Stop sshd and end the private mount namespace, which throws away everything written in it."""
        self.stop()
        if self.namespace is not None:
            end_process_tree(self.namespace, signal.SIGKILL)
            if self.namespace.stdout is not None:
                self.namespace.stdout.close()
            self.namespace = None

    def run_inside(self, argv: Sequence[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        """Run argv here (no SSH) in the host's mount namespace, to check what sessions wrote there.

        Joins the namespace's own process, so it works while sshd is stopped or killed too. Without private
        mounts it simply runs argv on the machine. Captures text output; does not check the exit code.
        """
        if self.namespace is not None:
            argv = ["nsenter", f"--target={self.namespace.pid}", "--mount", "--", *argv]
        return subprocess.run(list(argv), capture_output=True, text=True, timeout=TIMEOUT, check=False, **kwargs)

    def log_text(self) -> str:
        """The sshd log so far: connections, accepted and refused keys, errors."""
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_for_log(self, text: str, timeout: float = TIMEOUT) -> bool:
        """Whether `text` shows up in the sshd log within `timeout`: sshd may log a refusal only after the
        client has already given up, so a test asserting on the log right away would be flaky."""
        deadline = time.monotonic() + timeout
        while text not in self.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        return text in self.log_text()

    def ssh_argv(self, *command: str, key: Path | None = None, options: Sequence[str] = ()) -> list[str]:
        """An OpenSSH command line that trusts only known_hosts, never prompts, offers only `key` and
        reads no ssh_config (so the machine's settings cannot change what a test sees)."""
        opts = ["BatchMode=yes", "StrictHostKeyChecking=yes", f"UserKnownHostsFile={self.known_hosts}",
                "GlobalKnownHostsFile=/dev/null", "IdentitiesOnly=yes", "IdentityAgent=none",
                f"ConnectTimeout={int(TIMEOUT)}", "LogLevel=ERROR", *options]
        return [require_program("ssh"), "-F", "/dev/null", *(f"-o{o}" for o in opts), "-i",
                str(key or self.client_key), "-p", str(self.port), f"{self.user}@{self.address}", *command]

    def connect_kwargs(self) -> dict[str, object]:
        """Arguments for paramiko's SSHClient.connect: this host, its client key only, bounded waits."""
        return {"hostname": self.address, "port": self.port, "username": self.user,
                "key_filename": str(self.client_key), "look_for_keys": False, "allow_agent": False,
                "timeout": TIMEOUT, "banner_timeout": TIMEOUT, "auth_timeout": TIMEOUT}
