"""Errors survive the trip from a worker process to the CLI edge intact."""

from __future__ import annotations

import pickle

import pytest

from toolkit.errors import GeneratedFileError, ToolkitError, UsageError, ValidationError
from toolkit.site.load import SiteError


@pytest.mark.parametrize(
    "error",
    [
        ValidationError("gateway", "10.0.0.1 is outside the subnet", hint="same subnet"),
        GeneratedFileError("pykickstart rejects it", hint="a bug"),
        UsageError("bad"),
        SiteError(["site.toml: vm #1: ip: bad", "site.toml: vm #2: name: bad"]),
    ],
)
def test_errors_pickle_round_trip(error: ToolkitError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (copy.message, copy.hint, copy.exit_code, copy.lines()) == (
        error.message, error.hint, error.exit_code, error.lines())
    assert vars(copy) == vars(error)
