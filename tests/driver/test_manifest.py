"""manifest.json: the one schema's bytes (sorted keys, indent 2, a newline) and what the bundle reader makes
of a manifest that is wrong, unreadable or not an object."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from toolkit.driver.bundle_read import read_bundle
from toolkit.driver.bundle_write import Member, write_bundle
from toolkit.driver.manifest import (
    Manifest,
    ManifestError,
    ModuleEntry,
    MultipathEntry,
    RpmEntry,
    ToolkitEntry,
    decode,
    encode,
)

KVER = "2.6.32.12-0.7.1.xs6.0.2.542.170665xen"
RPM = b"not really an rpm"


def _manifest(kernel: str = KVER, file: str = "x.rpm", sha256: str = hashlib.sha256(RPM).hexdigest()) -> Manifest:
    return Manifest(
        toolkit=ToolkitEntry(name="xenkit", version="1"), recipe={"name": "demo"}, kernel=kernel,
        inputs={"kind": "recipe"}, steps={"source": "s"}, build_host="local",
        rpms=[RpmEntry(file=file, sha256=sha256, nvra="x-1-1.i686",
                       modules=[ModuleEntry(path="/lib/modules/k/extra/x.ko", vermagic="k SMP")])],
        multipath=MultipathEntry(profile="p", dialect="0.4.7", why="--multipath-dialect"),
    )


def test_encode_sorts_keys_and_ends_with_a_newline() -> None:
    text = encode(_manifest()).decode()
    assert text.startswith('{\n  "build_host": "local",\n  "inputs": {\n    "kind": "recipe"\n  },\n  "kernel": ')
    assert text.endswith('  "toolkit": {\n    "name": "xenkit",\n    "version": "1"\n  }\n}\n')
    assert decode(text.encode()) == _manifest()


@pytest.mark.parametrize(("raw", "shown"), [(b"{nope", "is not JSON (Expecting property name"),
                                            (b"[1]", "is not a JSON object")])
def test_decode_refuses_what_is_not_an_object(raw: bytes, shown: str) -> None:
    with pytest.raises(ManifestError, match=r"^" + shown.replace("(", r"\(")):
        decode(raw)


@pytest.mark.parametrize(("manifest", "shown"), [
    (encode(_manifest()), []),
    (encode(_manifest(kernel="6.1.0")), [f"b.tar.gz: built for kernel 6.1.0, expected {KVER}"]),
    (encode(_manifest(file="y.rpm")), ["b.tar.gz: manifest.json names 'y.rpm', which is not in the bundle"]),
    (encode(_manifest(sha256="0" * 64)), ["b.tar.gz: x.rpm: sha256 differs from manifest.json"]),
    (b"[]\n", ["b.tar.gz: manifest.json is not a JSON object"]),
])
def test_the_reader_checks_the_manifest(tmp_path: Path, manifest: bytes, shown: list[str]) -> None:
    bundle = tmp_path / "b.tar.gz"
    write_bundle(bundle, "b", [Member("x.rpm", RPM), Member("install.sh", b"#!/bin/sh\n", executable=True),
                               Member("multipath.conf", b""), Member("manifest.json", manifest)])
    (tmp_path / "rpms").mkdir()
    found = read_bundle(bundle, tmp_path / "rpms", KVER)
    assert found.problems == shown
    assert found.manifest == (decode(manifest) if manifest.startswith(b"{") else None)
