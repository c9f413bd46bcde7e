"""The YAML writer's output reads back exactly, through cloud-init's own YAML loader."""

from __future__ import annotations

import json
import subprocess

from tests.support.cloud_init import cloud_init_python
from toolkit.generate.yaml_text import YamlValue, to_yaml

TRICKY: dict[str, YamlValue] = {
    "words": ["yes", "no", "on", "off", "null", "~", "true", "Y", "NO"],
    "numbers": ["0755", "1e3", "0x1F", "12:30", "-1", ".5"],
    "text": ["$6$salt$hash", 'from="10.0.0.0/8" ssh-ed25519 AAAA a\\b "q"', "# not a comment", "a: b", "- x",
             "Réseau 1 ✓", "tab\there", "line\nbreak", "", " lead", "trail ", "{x}", "[y]", "&a *b !c |d >e"],
    "yes": 1,  # a key YAML 1.1 reads as a boolean
    "no": True,
    "nested": {"list": [[1, 2], [], {}, {"a": [{"b": "c"}]}], "empty": {}, "none": []},
    "ints": [0, -1, 2**40],
    "bools": [True, False],
}


def test_round_trip_through_cloud_inits_loader() -> None:
    script = ("import json, sys\nfrom cloudinit import util\n"
              "print(json.dumps(util.load_yaml(sys.stdin.read())))")
    done = subprocess.run([cloud_init_python(), "-c", script], input=to_yaml(TRICKY), capture_output=True,
                          text=True, check=True)
    assert json.loads(done.stdout) == json.loads(json.dumps(TRICKY))


def test_block_style_and_plain_keys() -> None:
    assert to_yaml({"a": {"b-c": [1, {"d": "e", "f": [True]}]}, "on": "x"}) == (
        'a:\n  b-c:\n    - 1\n    - d: "e"\n      f:\n        - true\n"on": "x"\n'
    )
