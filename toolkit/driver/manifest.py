"""manifest.json of a driver bundle: its one schema, for the writer (assemble.py) and the reader (bundle_read.py).

A key is named here once; mypy checks every use on both sides against it. The bytes are json.dumps with
indent=2 and sorted keys plus a newline: the key order does not depend on the order the writer builds
the dict in, and the same inputs give the same bytes (and so the same bundle).
"""

from __future__ import annotations

import json
from typing import Any, TypedDict

NAME = "manifest.json"


class ModuleEntry(TypedDict):
    path: str  # where the RPM installs the .ko
    vermagic: str


class RpmEntry(TypedDict):
    file: str  # the RPM's name in the bundle
    sha256: str
    nvra: str
    modules: list[ModuleEntry]


class ToolkitEntry(TypedDict):
    name: str
    version: str


class MultipathEntry(TypedDict):
    profile: str
    dialect: str
    why: str  # how the dialect was chosen


class Manifest(TypedDict):
    toolkit: ToolkitEntry  # what wrote the bundle
    recipe: dict[str, Any]  # Recipe.as_dict()
    kernel: str  # the dom0 kernel release the modules are for
    inputs: dict[str, Any]  # BuildInput.as_dict(): the source files and their sha256s
    steps: dict[str, str]  # step name -> id (store.py)
    build_host: str
    rpms: list[RpmEntry]
    multipath: MultipathEntry


class ManifestError(ValueError):
    """A manifest.json that is not even a JSON object; the message follows its name."""


def encode(manifest: Manifest) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()


def decode(raw: bytes) -> Manifest:
    """The manifest in `raw`. Only its being a JSON object is checked: a reader checks each value it uses
    (with .get), since a bundle may come from anywhere."""
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise ManifestError(f"is not JSON ({exc})") from None
    if not isinstance(manifest, dict):
        raise ManifestError("is not a JSON object")
    return manifest  # type: ignore[return-value]  # the values are checked where they are used
