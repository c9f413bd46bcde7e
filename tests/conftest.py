"""Shared test helpers: required programs, and the CLI run in-process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from toolkit.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
SHARED_XE_TABLE = ROOT.parent / "shared" / "reference" / "xe-commands.json"


def require_program(name: str) -> str:
    """Path of `name`; skip the test if missing, but fail under CI (CI=true), where it must be there."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (make test installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return path


@dataclass
class CliResult:
    code: int
    out: str
    err: str


@pytest.fixture
def xenkit(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    """Run `xenkit ARGS...` in-process; returns exit code, stdout, stderr."""

    def run(*args: str) -> CliResult:
        code = main(list(args))
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run
