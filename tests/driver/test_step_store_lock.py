"""The step store's locks, across processes: two writers of one id end with one whole entry, the second
waits and uses the first one's; a killed writer leaves no entry and no lock behind."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import signal
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from toolkit.driver.store import Store

SID = "ab" * 32
BIG = 8 * 2**20  # big enough that two copies overlap in time


def _put(root: str, source: str, writer: str, start: Barrier | None, results: Queue[Any]) -> None:
    """In a child process: store SID from `source`, report the record of the entry that results."""
    if start is not None:
        start.wait()
    entry = Store(Path(root)).put(SID, {"data.bin": Path(source)}, {"writer": writer})
    results.put(entry.record)


def _spawn() -> Any:
    return multiprocessing.get_context("spawn")


def test_two_writers_of_one_id_end_with_one_whole_entry(tmp_path: Path) -> None:
    ctx = _spawn()
    start, results = ctx.Barrier(2), ctx.Queue()
    writers = []
    for name, byte in (("one", b"1"), ("two", b"2")):
        source = tmp_path / f"{name}.bin"
        source.write_bytes(byte * BIG)
        writers.append(ctx.Process(target=_put, args=(str(tmp_path / "store"), str(source), name, start, results)))
    for process in writers:
        process.start()
    records = [results.get(timeout=60) for _ in writers]
    for process in writers:
        process.join(timeout=60)
        assert process.exitcode == 0
    store = Store(tmp_path / "store")
    entry = store.lookup(SID)
    assert entry is not None
    assert records == [entry.record, entry.record]  # the second writer used the first one's entry
    data = (entry.directory / "data.bin").read_bytes()
    assert data == {"one": b"1", "two": b"2"}[entry.record["writer"]] * BIG
    assert sorted(p.name for p in (tmp_path / "store").iterdir()) == [".locks", SID]


def test_a_second_writer_waits_for_the_first_then_uses_its_entry(tmp_path: Path) -> None:
    ctx = _spawn()
    results = ctx.Queue()
    source = tmp_path / "data.bin"
    source.write_bytes(b"second")
    store = Store(tmp_path / "store")
    with store.claim(SID) as claim:
        second = ctx.Process(target=_put, args=(str(store.root), str(source), "second", None, results))
        second.start()
        time.sleep(1.5)
        assert second.is_alive() and results.empty()  # waiting for the lock
        first = tmp_path / "first.bin"
        first.write_bytes(b"first")
        claim.put({"data.bin": first}, {"writer": "first"})
    assert results.get(timeout=60) == {"writer": "first"}
    second.join(timeout=60)
    entry = store.lookup(SID)
    assert entry is not None and (entry.directory / "data.bin").read_bytes() == b"first"


def _killed_mid_write(root: str, source: str) -> None:
    """In a child process: start storing SID, and be killed (SIGKILL: no cleanup) after its first file."""
    copy = shutil.copyfile

    def copy_then_die(src: Path, dst: Path) -> object:
        copy(src, dst)
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("not killed")

    shutil.copyfile = copy_then_die  # type: ignore[assignment]
    Store(Path(root)).put(SID, {"a.rpm": Path(source), "b.rpm": Path(source)}, {"writer": "killed"})


def test_a_killed_writer_leaves_no_entry_and_no_lock(tmp_path: Path) -> None:
    source = tmp_path / "data.bin"
    source.write_bytes(b"data")
    store = Store(tmp_path / "store")
    writer = _spawn().Process(target=_killed_mid_write, args=(str(store.root), str(source)))
    writer.start()
    writer.join(timeout=60)
    assert writer.exitcode == -signal.SIGKILL
    (half,) = store.root.glob(f".{SID}.new-*")
    assert [p.name for p in half.iterdir()] == ["a.rpm"]
    assert store.lookup(SID) is None and store.entries() == []
    with store.claim(SID):  # the kernel dropped the killed writer's lock: no wait
        pass
    report = store.prune(store.max_size)
    assert report.leftovers == 1 and report.removed == [] and report.freed == 4
    assert [p.name for p in store.root.iterdir()] == [".locks"] and not list((store.root / ".locks").iterdir())
