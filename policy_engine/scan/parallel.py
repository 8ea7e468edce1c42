"""Detection on both cores: forked workers that inherit the built detector (no re-import of Presidio).

Work is sent as (column, text) pairs, deduplicated first, so repeated values (categories, boilerplate)
are analysed once per batch. Small batches stay in the parent: a round trip costs more than they do.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence

from policy_engine.scan.detect import Detector, Span

MIN_PARALLEL_ITEMS = 2000
_DETECTOR: Detector | None = None  # set in the parent before fork; workers read their inherited copy


def _work(items: Sequence[tuple[str, str]]) -> list[list[Span]]:
    assert _DETECTOR is not None
    return _DETECTOR.analyze_many(items)


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class DetectPool:
    def __init__(self, detector: Detector, workers: int | None = None) -> None:
        global _DETECTOR
        _DETECTOR = detector
        self.detector = detector
        workers = available_cores() if workers is None else workers
        self._pool = None
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            self._pool = multiprocessing.get_context("fork").Pool(workers)
        self.workers = workers if self._pool is not None else 1

    def run(self, items: Sequence[tuple[str, str]]) -> list[list[Span]]:
        """Spans for each (column, text) pair, in order."""
        index: dict[tuple[str, str], int] = {}
        unique: list[tuple[str, str]] = []
        slots = []
        for item in items:
            i = index.get(item)
            if i is None:
                i = index[item] = len(unique)
                unique.append(item)
            slots.append(i)
        if self._pool is None or len(unique) < MIN_PARALLEL_ITEMS:
            results = self.detector.analyze_many(unique)
        else:
            n = self.workers * 4
            size = -(-len(unique) // n)
            chunks = [unique[i:i + size] for i in range(0, len(unique), size)]
            results = [spans for part in self._pool.map(_work, chunks) for spans in part]
        return [results[i] for i in slots]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None
