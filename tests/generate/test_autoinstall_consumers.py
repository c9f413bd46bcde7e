"""Every autoinstall profile's answers, read by their real consumers.

cloud-init (Debian's 22.4) reads the seed as NoCloud does and checks the cloud-config with
`cloud-init schema`; the autoinstall section, as cloud-init's YAML loader reads it, must pass the
release's own subiquity schema (toolkit/data/subiquity/). A broken file must fail each check.
"""

from __future__ import annotations

import copy
import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.cloud_init import cloud_init_schema, read_seed
from toolkit.catalog.profiles import InstallerKind, Profile, all_profiles
from toolkit.generate.autoinstall import AutoinstallInput, autoinstall_answer_files
from toolkit.generate.autoinstall_schema import load_schema, release_of
from toolkit.generate.autoinstall_storage import Firmware
from toolkit.inputs.network import make_network
from toolkit.inputs.password import hash_password

PROFILES = [p for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL]
CASES = [(p, firmware, mac) for p in PROFILES for firmware in Firmware for mac in (None, "52:54:00:0A:0B:0C")]
CASE_IDS = [f"{p.name}-{firmware}-{'mac' if mac else 'driver'}" for p, firmware, mac in CASES]
KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILngNVnKneFWK0aSv3qdJ1MwEVtUrbTdnR43JqsEyqmh admin@example.org"


def require_jsonschema() -> Any:
    """The jsonschema module (a test extra); skipped without it, but a failure under CI=true."""
    try:
        return importlib.import_module("jsonschema")
    except ModuleNotFoundError:
        message = "jsonschema is not installed (pip install -e '.[test]')"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def schema_errors(section: object, profile: Profile) -> list[str]:
    """What subiquity's schema for PROFILE's release says about `section` (empty: valid)."""
    jsonschema = require_jsonschema()
    schema = load_schema(release_of(profile.guest_os, profile.name))
    validator = jsonschema.Draft7Validator(schema)
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(section)]


def render(profile: Profile, firmware: Firmware, mac: str | None) -> dict[str, str]:
    net = make_network("web1.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53", "192.0.2.54"],
                       mac or "eth0")
    data = AutoinstallInput(net, hash_password("correct horse"), firmware=firmware, ssh_keys=(KEY,),
                            timezone="Europe/Helsinki", guest_utilities=True)
    return autoinstall_answer_files(profile, data)


def write_seed(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize(("profile", "firmware", "mac"), CASES, ids=CASE_IDS)
def test_cloud_init_and_subiquity_accept_the_seed(tmp_path: Path, profile: Profile, firmware: Firmware,
                                                   mac: str | None) -> None:
    seed = write_seed(tmp_path / "seed", render(profile, firmware, mac))
    checked = cloud_init_schema(seed / "user-data")
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "Valid cloud-config" in checked.stdout
    read = read_seed(seed)
    assert read["first-line"] == "#cloud-config"
    assert read["meta-data"] == {"instance-id": "iid-xenkit-web1.example.org", "local-hostname": "web1.example.org"}
    assert schema_errors(read["user-data"]["autoinstall"], profile) == []


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_subiquity_schema_catches_a_broken_section(tmp_path: Path, profile: Profile) -> None:
    """The check can fail: each breakage below is one subiquity would refuse."""
    section = read_seed(write_seed(tmp_path / "seed", render(profile, Firmware.UEFI, None)))["user-data"]["autoinstall"]
    breakages: dict[str, Callable[[dict[str, Any]], object]] = {
        "version 2": lambda s: s.update(version=2),
        "no password": lambda s: s["identity"].pop("password"),
        "identity key unknown": lambda s: s["identity"].update(root_password="x"),
        "kernel neither package nor flavor": lambda s: s.update(kernel={}),
        "late-command a number": lambda s: s.update({"late-commands": [5]}),
        "network version 1": lambda s: s["network"].update(version=1),
        "updates bogus": lambda s: s.update(updates="everything"),
    }
    for name, breakage in breakages.items():
        broken = copy.deepcopy(section)
        breakage(broken)
        assert schema_errors(broken, profile), f"{name}: subiquity's schema took it"


def test_cloud_init_schema_catches_a_broken_user_data(tmp_path: Path) -> None:
    seed = write_seed(tmp_path / "seed", render(PROFILES[0], Firmware.BIOS, None))
    text = (seed / "user-data").read_text(encoding="utf-8")
    broken = tmp_path / "broken"
    broken.write_text(text.replace("  version: 1\n", "  versions: 1\n", 1), encoding="utf-8")
    checked = cloud_init_schema(broken)
    assert checked.returncode != 0
    assert "'version' is a required property" in checked.stderr + checked.stdout
    broken.write_text(text + "hostname: 5\n", encoding="utf-8")
    assert cloud_init_schema(broken).returncode != 0


def test_twenty_oh_four_schema_lists_its_time_zones() -> None:
    """20.04's subiquity takes only the names of its own list: Etc/UTC is written UTC there."""
    profile = all_profiles()["ubuntu2004-autoinstall"]
    net = make_network("a.example.org", "192.0.2.10/24", "192.0.2.1", ["192.0.2.53"])
    section = _section(profile, AutoinstallInput(net, hash_password("x"), timezone="Etc/UTC"))
    assert section["timezone"] == "UTC"
    assert schema_errors(section, profile) == []
    assert schema_errors({**section, "timezone": "Etc/UTC"}, profile)


def _section(profile: Profile, data: AutoinstallInput) -> dict[str, Any]:
    from toolkit.generate.autoinstall import autoinstall_section

    return copy.deepcopy(dict(autoinstall_section(profile, data)))
