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


def map_on_cores(func: Callable[[T], R], items: Sequence[T], warm: Sequence[int] = (0,)) -> Iterator[R]:
    """Results of func(item) in the order of `items`.

    The items at the indexes in `warm` run first, here, so that whatever they load and cache (jinja2
    templates, pykickstart parsers) is inherited by every forked worker instead of built in each.
    Where fork is unavailable, or the batch is small, everything runs here in this process.
    """
    workers = min(os.cpu_count() or 1, MAX_WORKERS)
    if len(items) < PARALLEL_FROM or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield from map(func, items)
        return
    done = {index: func(items[index]) for index in sorted(set(warm)) if 0 <= index < len(items)}
    rest = [item for index, item in enumerate(items) if index not in done]
    chunk = max(1, len(rest) // (workers * 8))
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork")) as pool:
        results = pool.map(func, rest, chunksize=chunk)
        for index in range(len(items)):
            yield done[index] if index in done else next(results)
