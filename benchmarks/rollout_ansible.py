"""The Ansible side of bench_rollout.py: the same copy + unpack + `bash install.sh` as `xenkit driver install`,
by `ansible-playbook` with forks=N over the same kind of test hosts. ansible-core is a benchmark-only dependency:
pip installs it into the venv running the benchmark, the first time it is needed (never a runtime dependency).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Protocol

from remote_timing import STDERR_LINES, Failed

# copy + unpack into a fresh directory + install.sh: the steps xenkit takes, without its checks before and after
PLAYBOOK = """- hosts: pool
  gather_facts: false
  tasks:
    - name: the bundle's directory
      ansible.builtin.file: {{path: "{base}", state: directory}}
    - name: copy the bundle
      ansible.builtin.copy: {{src: "{bundle}", dest: "{base}/{name}"}}
    - name: a fresh directory
      ansible.builtin.tempfile: {{state: directory, path: "{base}", prefix: "run."}}
      register: run
    - name: unpack
      ansible.builtin.unarchive: {{src: "{base}/{name}", dest: "{{{{ run.path }}}}", remote_src: true}}
    - name: install.sh
      ansible.builtin.command: bash {{{{ run.path }}}}/{stem}/install.sh
"""


class Host(Protocol):
    """What the inventory needs of a test host (tests.rollout.dom0_hosts.Dom0Host)."""

    @property
    def name(self) -> str: ...

    @property
    def ssh(self) -> SshHost: ...


class SshHost(Protocol):
    address: str
    port: int
    user: str
    client_key: Path
    known_hosts: Path


def ansible_playbook() -> Path:
    """The venv's ansible-playbook, pip-installed (ansible-core) first when it is not there."""
    program = Path(sys.executable).parent / "ansible-playbook"
    if not program.exists():
        print("installing ansible-core into the venv for this benchmark (pip install ansible-core)", flush=True)
        proc = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "ansible-core"], capture_output=True,
                              text=True, check=False)
        if proc.returncode != 0 or not program.exists():
            raise Failed(f"FAILED: pip install ansible-core (exit {proc.returncode})\n{proc.stderr[-2000:]}")
    return program


def version(program: Path) -> str:
    proc = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.splitlines()[0] if proc.stdout else "unknown"


def inventory(path: Path, hosts: list[Host]) -> Path:
    """The group `pool` of every host, with its key and known_hosts (strict host key checks, as xenkit's)."""
    entries = {h.name: {"ansible_host": h.ssh.address, "ansible_port": h.ssh.port, "ansible_user": h.ssh.user,
                        "ansible_ssh_private_key_file": str(h.ssh.client_key),
                        "ansible_ssh_common_args": f"-o UserKnownHostsFile={shlex.quote(str(h.ssh.known_hosts))} "
                                                   "-o StrictHostKeyChecking=yes",
                        "ansible_python_interpreter": "/usr/bin/python3"} for h in hosts}
    path.write_text(json.dumps({"pool": {"hosts": entries}}, indent=2))  # JSON is YAML: the yaml plugin reads it
    return path


def ansible_rollout(program: Path, tmp: Path, hosts: list[Host], bundle: Path, remote_base: str,
                    forks: int) -> float:
    """Wall seconds of the playbook on `hosts`; it must succeed on every one of them."""
    stem = bundle.name.removesuffix(".tar.gz")
    playbook = tmp / "rollout.yml"
    playbook.write_text(PLAYBOOK.format(base=f"{remote_base}/{stem}", bundle=bundle, name=bundle.name, stem=stem))
    argv = [str(program), "-i", str(inventory(tmp / "inventory.yml", hosts)), "--forks", str(forks), str(playbook)]
    env = {"ANSIBLE_HOST_KEY_CHECKING": "True", "ANSIBLE_NOCOLOR": "1", "ANSIBLE_RETRY_FILES_ENABLED": "False"}
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=tmp, env={**os.environ, **env}, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0 or "failed=0" not in proc.stdout:
        tail = "\n".join((proc.stdout + proc.stderr).splitlines()[-STDERR_LINES:])
        raise Failed(f"FAILED (exit {proc.returncode}): ansible-playbook\n{tail}")
    return wall

