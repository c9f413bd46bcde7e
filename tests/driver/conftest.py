"""Fixtures of the driver build tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.remote_helpers import isolate_home


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A HOME and step store of the test's own, and the test directory as the working directory."""
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    return tmp_path
