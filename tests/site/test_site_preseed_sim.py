"""A rendered preseed guest's install.sh run by bash against the xe simulator (a XenServer 6.0.2 pool: stock Lucid
and Squeeze templates, no Precise or Bionic one): with the clone its header names, the VM boots d-i PV with the
preseed's URL on its boot line."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from tests.conftest import Xenkit, require_program
from tests.support.conftest import SIM
from tests.support.xe_sim.xe_sim_state import NETWORK_ETH0

SITE = f"""
[defaults]
ks_url_base = "http://192.0.2.2/xenkit"
network = "{NETWORK_ETH0}"
gateway = "192.0.2.1"
nameservers = ["192.0.2.53"]
password_hash = "$6$abcdefgh${"A" * 86}"
"""
GUESTS = {"precise1": "ubuntu1204-di", "squeeze1": "debian6-di", "bionic1": "ubuntu1804-di"}


def test_preseed_guests_install_on_the_simulator(xenkit: Xenkit, tmp_path: Path) -> None:
    bash = require_program("bash")
    site = tmp_path / "site.toml"
    site.write_text(SITE + "".join(
        f'[[vm]]\nname = "{name}"\nprofile = "{profile}"\nhostname = "{name}.example.com"\nip = "192.0.2.{30 + i}/24"\n'
        for i, (name, profile) in enumerate(GUESTS.items())))
    out = tmp_path / "out"
    assert xenkit("render", str(site), "-o", str(out)).code == 0
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "xe").symlink_to(SIM)
    clean = {k: v for k, v in os.environ.items() if not k.startswith("XE_")}
    env = {**clean, "PATH": f"{bindir}:{os.environ['PATH']}", "XE_STATE": str(tmp_path / "state.json"),
           "XE_LOG": str(tmp_path / "xe.log")}

    def run(script: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([bash, str(script)], capture_output=True, text=True, env=env, timeout=120)

    failed = run(out / "precise1" / "install.sh")  # no Precise template on 6.0.2 yet
    assert failed.returncode != 0 and "Ubuntu Precise Pangolin 12.04 (64-bit)" in failed.stderr
    for name, codename in (("precise1", "precise"), ("bionic1", "bionic")):
        header = (out / name / "install.sh").read_text().split("set -euo pipefail")[0]
        assert f"xenkit template clone {codename} --host" in header
        clone = tmp_path / f"clone-{codename}.sh"
        assert xenkit("template", "clone", codename, "--print", "-o", str(clone)).code == 0
        assert run(clone).returncode == 0
    for name in GUESTS:
        done = run(out / name / "install.sh")
        assert done.returncode == 0, done.stderr
    state = json.loads((tmp_path / "state.json").read_text())
    for name, profile in GUESTS.items():
        (vm,) = [r for r in state["objects"]["vm"].values() if r["name-label"] == name]
        assert vm["power-state"] == "running"
        assert f" url=http://192.0.2.2/xenkit/{name}/preseed.cfg " in vm["PV-args"]
        assert vm["PV-args"].endswith(" -- quiet console=hvc0")
        release = {"ubuntu1204-di": "precise", "debian6-di": "squeeze", "ubuntu1804-di": "bionic"}[profile]
        assert vm["other-config"]["debian-release"] == release
        assert vm["other-config"]["install-arch"] == "amd64"
