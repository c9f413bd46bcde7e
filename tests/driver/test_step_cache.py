"""The step store: ids change with any input, entries appear whole or not at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.driver.store import Store, step_id
from toolkit.errors import ToolkitError


def test_ids_depend_on_every_input() -> None:
    base = step_id("rpmbuild", {"kernel": "6.1.0", "recipe": {"spec": "a.spec"}}, {"source": "aa"})
    assert base == step_id("rpmbuild", {"recipe": {"spec": "a.spec"}, "kernel": "6.1.0"}, {"source": "aa"})
    assert base != step_id("rpmbuild", {"kernel": "6.1.1", "recipe": {"spec": "a.spec"}}, {"source": "aa"})
    assert base != step_id("rpmbuild", {"kernel": "6.1.0", "recipe": {"spec": "b.spec"}}, {"source": "aa"})
    assert base != step_id("rpmbuild", {"kernel": "6.1.0", "recipe": {"spec": "a.spec"}}, {"source": "ab"})
    assert base != step_id("upload", {"kernel": "6.1.0", "recipe": {"spec": "a.spec"}}, {"source": "aa"})


def test_put_then_lookup(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    assert store.lookup("abc") is None
    rpm = tmp_path / "x.rpm"
    rpm.write_bytes(b"rpm")
    entry = store.put("abc", {"x.rpm": rpm}, {"wrote": ["x.rpm"]})
    again = store.lookup("abc")
    assert again is not None and again.record == {"wrote": ["x.rpm"]}
    assert [p.name for p in again.files()] == ["x.rpm"] and entry.files()[0].read_bytes() == b"rpm"


def test_a_failed_put_leaves_no_entry(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    with pytest.raises(ToolkitError):
        store.put("abc", {"x.rpm": tmp_path / "missing"}, {})
    assert store.lookup("abc") is None
    assert [p.name for p in (tmp_path / "store").iterdir()] == [".locks"]  # no entry, no half-written directory


def test_a_damaged_entry_is_a_miss(tmp_path: Path) -> None:
    store = Store(tmp_path)
    (tmp_path / "abc").mkdir()
    (tmp_path / "abc" / "xenkit-step.json").write_text("{not json")
    assert store.lookup("abc") is None
