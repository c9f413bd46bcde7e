"""`xenkit driver cache list|prune`: the step store's entries, their total, and pruning it to a size."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult
from toolkit.driver.store import Store

Xenkit = Callable[..., CliResult]
OLD, NEW = "a1" * 32, "b2" * 32


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The default store, under a cache directory of the test's own, with two entries: OLD used before NEW."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    store = Store(tmp_path / "cache" / "xenkit" / "store")
    for sid, recipe, used in ((OLD, "scsi_dh_alua", 1_000_000_000), (NEW, "demo", 1_500_000_000)):
        rpm = tmp_path / f"{recipe}.rpm"
        rpm.write_bytes(b"r" * 3000)
        entry = store.put(sid, {rpm.name: rpm}, {"recipe": recipe, "rpms": [rpm.name]})
        os.utime(entry.directory, (used, used))
    return store


def test_list(xenkit: Xenkit, store: Store) -> None:
    result = xenkit("driver", "cache", "list")
    assert result.code == 0 and result.err == ""
    header, old, new, total = result.out.splitlines()
    assert header.split() == ["ID", "RECIPE", "SIZE", "LAST", "USED"]
    assert old.startswith(f"{OLD[:12]}  scsi_dh_alua ") and new.startswith(f"{NEW[:12]}  demo ")
    assert total.startswith("2 entries, ") and str(store.root) in total


def test_list_json(xenkit: Xenkit, store: Store) -> None:
    result = xenkit("driver", "cache", "list", "--json")
    data = json.loads(result.out)
    assert [(e["id"], e["recipe"], e["last_used"]) for e in data["entries"]] == [
        (OLD, "scsi_dh_alua", "2001-09-09T01:46:40Z"), (NEW, "demo", "2017-07-14T02:40:00Z")]
    assert data["total"] == sum(e["size"] for e in data["entries"]) and data["store"] == str(store.root)


def test_list_empty(xenkit: Xenkit, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "none"))
    result = xenkit("driver", "cache", "list")
    assert result.code == 0 and result.out.startswith("0 entries, 0 B in ")


def test_prune_to_a_size(xenkit: Xenkit, store: Store) -> None:
    result = xenkit("driver", "cache", "prune", "--max-size", "4KiB")
    assert result.code == 0, result.err
    removed, freed = result.out.splitlines()
    assert removed.startswith(f"removed {OLD[:12]}  scsi_dh_alua ")
    assert freed.startswith("freed 3.0 KiB; 1 entry, 3.0 KiB left in ")
    assert [entry.id for entry in store.entries()] == [NEW]
    assert xenkit("driver", "cache", "prune").out.startswith("freed 0 B; 1 entry, ")  # the default: 2 GiB


def test_prune_json_keeps_an_entry_in_use(xenkit: Xenkit, store: Store) -> None:
    with store.claim(OLD):
        result = xenkit("driver", "cache", "prune", "--max-size", "0", "--json")
    data = json.loads(result.out)
    assert [e["id"] for e in data["removed"]] == [NEW] and [e["id"] for e in data["in_use"]] == [OLD]
    assert data["max_size"] == 0 and data["entries"] == 1 and data["total"] == data["in_use"][0]["size"]
    assert result.err == ""  # in_use says it


def test_prune_text_names_an_entry_in_use(xenkit: Xenkit, store: Store) -> None:
    with store.claim(NEW):
        result = xenkit("driver", "cache", "prune", "--max-size", "0")
    assert result.code == 0 and result.out.startswith(f"removed {OLD[:12]}")
    assert result.err == f"warning: kept {NEW[:12]} (demo, 3.0 KiB): a running build holds it\n"


@pytest.mark.parametrize("size", ["5XB", "-1GiB", "lots"])
def test_prune_bad_size_exit_2(xenkit: Xenkit, store: Store, size: str) -> None:
    result = xenkit("driver", "cache", "prune", "--max-size", size)
    assert result.code == 2 and result.out == ""
    assert result.err == f"error: --max-size: {size!r} is not a size (examples: 2GiB, 512MiB, 20G)\n"
    assert len(store.entries()) == 2
