"""The DDK ISO that the `ddk import` tests import (tests/ddk/import_samples.py's files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ddk.import_samples import DDK
from tests.support.iso_helpers import make_iso


@pytest.fixture(scope="module")
def iso(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_iso(tmp_path_factory.mktemp("iso") / "XenServer-6.0.2-DDK.iso", DDK)
