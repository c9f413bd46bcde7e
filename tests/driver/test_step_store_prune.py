"""The step store's size bound: pruning removes the least recently used entries first, never one a running
build holds, and runs after each store."""

from __future__ import annotations

import os
from pathlib import Path

from toolkit.driver.store import Store


def _stored(store: Store, tmp_path: Path, sid: str, last_used: float, size: int = 1000) -> None:
    source = tmp_path / f"{sid}.rpm"
    source.write_bytes(b"x" * size)
    entry = store.put(sid, {"x.rpm": source}, {"recipe": f"r-{sid}"})
    os.utime(entry.directory, (last_used, last_used))


def _ids(store: Store) -> list[str]:
    return [entry.id for entry in store.entries()]


def test_prune_removes_the_least_recently_used_first(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    for sid, used in (("aaa", 1000), ("bbb", 3000), ("ccc", 2000)):
        _stored(store, tmp_path, sid, used)
    assert _ids(store) == ["aaa", "ccc", "bbb"]
    assert store.lookup("aaa") is not None  # a hit is a use: aaa is now the most recent
    assert _ids(store) == ["ccc", "bbb", "aaa"]
    sizes = {entry.id: entry.size for entry in store.entries()}
    report = store.prune(sum(sizes.values()) - 1)
    assert [entry.id for entry in report.removed] == ["ccc"] and report.freed == sizes["ccc"]
    assert _ids(store) == ["bbb", "aaa"] and report.total == sizes["aaa"] + sizes["bbb"] and report.kept == 2
    assert not (store.root / ".locks" / "ccc").exists()  # the lock file goes with its entry
    report = store.prune(0)
    assert [entry.id for entry in report.removed] == ["bbb", "aaa"] and _ids(store) == []


def test_an_entry_a_build_holds_is_not_removed(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    _stored(store, tmp_path, "old", 1000)
    _stored(store, tmp_path, "new", 2000)
    with store.claim("old"):
        report = store.prune(0)
    assert [entry.id for entry in report.removed] == ["new"]
    assert [entry.id for entry in report.in_use] == ["old"] and _ids(store) == ["old"]
    assert store.lookup("old") is not None


def test_the_bound_is_kept_after_each_store(tmp_path: Path) -> None:
    store = Store(tmp_path / "store", max_size=2500)
    _stored(store, tmp_path, "first", 1000)
    _stored(store, tmp_path, "second", 2000)
    assert _ids(store) == ["first", "second"]
    _stored(store, tmp_path, "third", 3000)  # three entries of over 1000 bytes: the oldest goes
    assert _ids(store) == ["second", "third"]
    _stored(store, tmp_path, "huge", 4000, size=5000)  # over the bound alone: it stays, the others go
    assert _ids(store) == ["huge"]


def test_a_damaged_entry_is_listed_and_pruned(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    (store.root / "half").mkdir(parents=True)
    (store.root / "half" / "x.rpm").write_bytes(b"x" * 10)
    (entry,) = store.entries()
    assert (entry.id, entry.label, entry.size, entry.record) == ("half", "(damaged)", 10, None)
    assert [e.id for e in store.prune(0).removed] == ["half"] and not (store.root / "half").exists()
