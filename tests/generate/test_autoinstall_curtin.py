"""The autoinstall disk layouts against curtin's storage schemas, as subiquity hands the actions to curtin.

Subiquity's own schema says only that `storage` is an object; the actions are curtin's, described by
curtin's schemas (tests/data/curtin/, from the curtin each release's subiquity pins). Subiquity first
resolves what is its own and not curtin's (as subiquity.models.filesystem's apply_autoinstall_config
does): a disk's `match` becomes the matched disk's path and serial, a partition's size in bytes,
size -1 the space left. A swap mount's empty path, which subiquity writes for its own swap mounts
and curtin's fstab writer reads as `none`, is given as `none` here, the one spelling curtin's schema has.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.generate.test_autoinstall_consumers import require_jsonschema
from toolkit.catalog.profiles import InstallerKind, Profile, all_profiles
from toolkit.generate.autoinstall_storage import Firmware, storage_section

DATA = Path(__file__).resolve().parent.parent / "data" / "curtin"
PROFILES = [p for p in all_profiles().values() if p.kind is InstallerKind.AUTOINSTALL]
CASES = [(p, f) for p in PROFILES for f in Firmware]
DISK_BYTES = 20 * 2**30
_UNITS = {"K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}


def curtin_schemas(profile: Profile) -> dict[str, Any]:
    release = profile.guest_os.removeprefix("ubuntu-")
    schemas: dict[str, Any] = json.loads((DATA / f"storage-schemas-{release}.json").read_text())
    return schemas


def as_subiquity_hands_it_on(actions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    resolved = copy.deepcopy(actions)
    sized = 0
    for action in resolved:
        if action["type"] == "disk":
            assert action.pop("match") == {"size": "largest"}
            action.update(path="/dev/xvda", serial="xvda-serial")
        elif action["type"] == "partition":
            size = action["size"]
            if isinstance(size, str):
                action["size"] = int(size[:-1]) * _UNITS[size[-1]]
            else:
                assert size == -1
                action["size"] = DISK_BYTES - 2**20 - sized  # less the GPT's first MiB
            sized += action["size"]
        elif action["type"] == "mount" and action["path"] == "":
            action["path"] = "none"
    return resolved


def curtin_errors(actions: list[dict[str, Any]], profile: Profile) -> list[str]:
    jsonschema = require_jsonschema()
    schemas = curtin_schemas(profile)
    errors = []
    for action in actions:
        validator = jsonschema.Draft7Validator(schemas[action["type"]])
        errors += [f"{action['id']}: {e.message}" for e in validator.iter_errors(action)]
    return errors


@pytest.mark.parametrize(("profile", "firmware"), CASES, ids=[f"{p.name}-{f}" for p, f in CASES])
def test_curtin_accepts_every_action(profile: Profile, firmware: Firmware) -> None:
    actions = as_subiquity_hands_it_on(storage_section(firmware)["config"])  # type: ignore[arg-type]
    assert curtin_errors(actions, profile) == []
    ids = {a["id"] for a in actions}
    for action in actions:  # every reference names an action before it (curtin runs them in order)
        for key in ("device", "volume"):
            if key in action:
                assert action[key] in ids
                assert [a["id"] for a in actions].index(action[key]) < actions.index(action)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_curtin_schema_catches_a_broken_action(profile: Profile) -> None:
    actions = as_subiquity_hands_it_on(storage_section(Firmware.UEFI)["config"])  # type: ignore[arg-type]
    for change in ({"flag": "bios-grub"}, {"fstype": "fat-32"}, {"wipe": "all"}, {"ptable": "apm"},
                   {"path": "boot/efi"}, {"grub_device": "yes"}, {"bogus": 1}):
        broken = copy.deepcopy(actions)
        [key] = change
        target = next((a for a in broken if key in a), broken[0])
        target.update(change)
        assert curtin_errors(broken, profile), f"{change}: curtin's schema took it"
