"""Bundles: byte-identical for the same inputs, readable by tar, SHA256SUMS checked by sha256sum -c."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.conftest import require_program
from toolkit.driver.bundle_write import Member, write_bundle
from toolkit.errors import ToolkitError

MEMBERS = [
    Member("xenkit-demo-1.0-1.x86_64.rpm", b"\xed\xab\xee\xdb" + bytes(range(256)) * 10),
    Member("multipath.conf", b"defaults {\n}\n"),
    Member("install.sh", b"#!/bin/bash\nexit 0\n", executable=True),
    Member("manifest.json", b'{"a": 1}\n'),
]


def test_same_inputs_same_bytes_in_any_order(tmp_path: Path) -> None:
    first = tmp_path / "a.tar.gz"
    second = tmp_path / "b.tar.gz"
    digest = write_bundle(first, "bundle", MEMBERS)
    assert write_bundle(second, "bundle", list(reversed(MEMBERS))) == digest
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes()[4:8] == b"\0\0\0\0"  # gzip mtime 0
    changed = [*MEMBERS[:-1], Member("manifest.json", b'{"a": 2}\n')]
    assert write_bundle(tmp_path / "c.tar.gz", "bundle", changed) != digest


def test_tar_reads_it_and_sha256sum_checks_it(tmp_path: Path) -> None:
    tar = require_program("tar")
    bundle = tmp_path / "x.tar.gz"
    write_bundle(bundle, "xenkit-demo-1.0-1-6.1.0", MEMBERS)
    listing = subprocess.run([tar, "-tvzf", str(bundle), "--numeric-owner"], capture_output=True, text=True,
                             check=True).stdout.splitlines()
    names = [line.split()[-1] for line in listing]
    assert names == ["xenkit-demo-1.0-1-6.1.0/", *(f"xenkit-demo-1.0-1-6.1.0/{n}" for n in [
        "SHA256SUMS", "install.sh", "manifest.json", "multipath.conf", "xenkit-demo-1.0-1.x86_64.rpm"])]
    assert all(" 0/0 " in line and "2000-01-01" in line for line in listing)
    assert listing[2].startswith("-rwxr-xr-x") and listing[3].startswith("-rw-r--r--")
    subprocess.run([tar, "-xzf", str(bundle), "-C", str(tmp_path)], check=True)
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=tmp_path / "xenkit-demo-1.0-1-6.1.0",
                           capture_output=True, text=True)
    assert check.returncode == 0 and check.stdout.count(": OK") == 4


@pytest.mark.parametrize("name", ["../evil", "/abs", "SHA256SUMS", ""])
def test_bad_member_names(tmp_path: Path, name: str) -> None:
    with pytest.raises(ToolkitError):
        write_bundle(tmp_path / "x.tar.gz", "b", [Member(name, b"x")])
    assert list(tmp_path.iterdir()) == []
