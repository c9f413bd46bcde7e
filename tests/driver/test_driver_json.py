"""`--json` on `xenkit driver recipes` and `xenkit driver build`: what a script needs, without parsing text."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import Xenkit
from tests.driver.test_driver_build import installed_kernel, members
from tests.support.remote_helpers import isolate_home


def test_recipes_json(xenkit: Xenkit) -> None:
    result = xenkit("driver", "recipes", "--json")
    assert result.code == 0, result.err
    data = json.loads(result.out)
    assert [r["name"] for r in data] == ["demo", "scsi_dh_alua"]
    demo, alua = data
    assert (demo["needs_source"], demo["srpm"], demo["sources"]) == (False, None, ["xenkit_demo.c", "Kbuild"])
    assert (alua["needs_source"], alua["vendor_archive"]) == (True, "RHEL6_MPIO_Setup_20110712.zip")
    assert alua["modules"] == ["scsi_dh_alua.ko"] and alua["description"].startswith("scsi_dh_alua for Intel")
    assert xenkit("driver", "recipes").out.splitlines()[0].startswith("demo ")  # without --json: the lines


@pytest.mark.integration
def test_build_json_then_cache_hit(xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kver = installed_kernel()
    isolate_home(monkeypatch, tmp_path / "home")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    first = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out", "--json")
    assert first.code == 0, first.err
    built = json.loads(first.out)
    bundle = Path(built["bundle"])
    assert bundle == Path("out") / f"xenkit-demo-1.0-1-{kver}.tar.gz"
    assert built["sha256"] == hashlib.sha256(bundle.read_bytes()).hexdigest()
    assert (built["cached"], built["recipe"], built["kernel"], built["build_host"]) == (False, "demo", kver, "local")
    manifest = json.loads(members(bundle)[f"{bundle.name[:-7]}/manifest.json"])
    assert built["rpms"] == manifest["rpms"] and built["steps"] == manifest["steps"]
    assert [m["vermagic"].split()[0] for m in built["rpms"][0]["modules"]] == [kver]

    again = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out", "--json")
    assert again.code == 0, again.err
    assert json.loads(again.out) == {**built, "cached": True}
    plain = xenkit("driver", "build", "demo", "--local", "--kernel", kver, "-o", "out")
    assert plain.out == f"{bundle}\n"
