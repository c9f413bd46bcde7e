"""A real block device for tests: a sparse file attached to a loop device (root; util-linux's losetup)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import require_program


@pytest.fixture
def loop_device(tmp_path: Path) -> Iterator[str]:
    """/dev/loopN over a 64 MiB sparse file, detached again after the test."""
    losetup = require_program("losetup")
    image = tmp_path / "loop.img"
    with image.open("wb") as handle:
        handle.truncate(64 << 20)
    attached = subprocess.run([losetup, "-f", "--show", str(image)], capture_output=True, text=True, check=True)
    device = attached.stdout.strip()
    try:
        yield device
    finally:
        subprocess.run([losetup, "-d", device], check=False)
