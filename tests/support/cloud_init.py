"""cloud-init as the tests' reader of NoCloud seeds: its schema check and its own YAML and seed loaders.

cloud-init is a Debian package (Makefile SYSTEM_DEPS), a Python program of the system's python3: the
seed is read by running that interpreter with cloud-init's modules, the code the Ubuntu installer's
cloud-init runs, and handed back here as JSON.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.conftest import require_program

# NoCloud's reading of a seed directory (DataSourceNoCloud: pathprefix2dict, then _merge_new_seed), and
# cloud-init's YAML loader for the user-data it then reads as cloud-config.
_READ_SEED = """
import json, sys
from cloudinit import util
from cloudinit.sources.DataSourceNoCloud import _merge_new_seed
seeded = util.pathprefix2dict(sys.argv[1], required=["user-data", "meta-data"],
                              optional=["vendor-data", "network-config"])
merged = _merge_new_seed({"meta-data": {}, "user-data": "", "vendor-data": "", "network-config": None}, seeded)
user_data = seeded["user-data"].decode()
print(json.dumps({"meta-data": merged["meta-data"], "first-line": user_data.split(chr(10), 1)[0],
                  "user-data": util.load_yaml(user_data)}))
"""


def cloud_init_python() -> str:
    """The interpreter cloud-init runs on (its script's #! line)."""
    script = Path(require_program("cloud-init"))
    return script.read_text(encoding="utf-8").split("\n", 1)[0].removeprefix("#!").strip()


def read_seed(directory: Path) -> dict[str, Any]:
    """{"meta-data": dict, "first-line": str, "user-data": dict} as cloud-init's NoCloud reads `directory`."""
    done = subprocess.run([cloud_init_python(), "-c", _READ_SEED, str(directory)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def cloud_init_schema(path: Path) -> subprocess.CompletedProcess[str]:
    """`cloud-init schema --config-file PATH`: exit 0 and "Valid cloud-config" for a valid file."""
    return subprocess.run([require_program("cloud-init"), "schema", "--config-file", str(path)],
                          capture_output=True, text=True, check=False)
