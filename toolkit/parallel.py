"""Map a CPU-bound function over many items on every core (forked workers), in order."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

PARALLEL_FROM = 64  # below this many items, starting workers costs more than it saves
MAX_WORKERS = 8


def map_on_cores(func: Callable[[T], R], items: Sequence[T]) -> Iterator[R]:
    """Results of func(item) in the order of `items`.

    Forked workers inherit everything the parent has imported and cached (jinja2 templates,
    pykickstart handler classes), so each starts warm. Where fork is unavailable, or the batch is
    small, it runs here in this process.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(items) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(func, items)
        return
    chunk = max(1, len(items) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(func, items, chunksize=chunk)
