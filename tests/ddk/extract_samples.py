"""The DDK tree the `ddk extract` tests put in their ISOs, and how they look at what came out."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tests.conftest import CliResult

DDK = {
    "ddk/ova.xml": b'<?xml version="1.0"?><value><struct/></value>\n',
    "ddk/xvda/chunk-000000000.gz": os.urandom(70_000),
    "ddk/xvda/chunk-000000001.gz": os.urandom(5_000),
    "ddk/xvda/chunk-000000002.gz": b"",
    "ddk/README.Linux": b"Driver Development Kit\n",
}


def tree(directory: Path) -> dict[str, str]:
    """Every file and directory under `directory`: name -> sha256 of a file's bytes, "dir" for a directory."""
    found = {}
    for path in sorted(directory.rglob("*")):
        rel = str(path.relative_to(directory))
        found[rel] = "dir" if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def expected(files: dict[str, bytes]) -> dict[str, str]:
    out = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    for name in files:
        parts = name.split("/")
        out.update({"/".join(parts[:i]): "dir" for i in range(1, len(parts))})
    return dict(sorted(out.items()))


def assert_one_error(result: CliResult, *shown: str) -> None:
    errors = [line for line in result.err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.err
    assert "Traceback" not in result.err
    for text in shown:
        assert text in errors[0], (text, errors[0])


def leftovers(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.endswith(".xenkit-part"))
