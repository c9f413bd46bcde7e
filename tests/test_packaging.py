"""The wheel carries the data directories, so an installed xenkit works outside the checkout."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import ROOT


def test_wheel_carries_templates_kickstarts_drivers_and_xe_table(tmp_path: Path) -> None:
    # --no-build-isolation: hatchling comes from the test extras, so no download happens here.
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True, timeout=300,
    )
    wheel = next(tmp_path.glob("xenkit-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for directory in ("kickstarts", "templates", "drivers"):
        shipped = {p.relative_to(ROOT).as_posix() for p in (ROOT / directory).rglob("*") if p.is_file()}
        assert shipped, directory
        assert {f"toolkit/{name}" for name in shipped} <= names
    assert "toolkit/data/xe-commands.json" in names
    assert {f"toolkit/data/subiquity/autoinstall-schema-{r}.json" for r in ("20.04", "22.04", "24.04")} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "xenkit = toolkit.cli.main:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
