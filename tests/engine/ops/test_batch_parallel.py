"""over_batch: ranges cover the batch exactly once, split across threads and cache blocks, errors surface."""
import threading

import numpy as np
import pytest

from kflow.engine.ops import batch_parallel


def _record(calls):
    lock = threading.Lock()

    def fn(start, stop):
        with lock:
            calls.append((start, stop, threading.get_ident()))
    return fn


def _covered(calls, n):
    hits = np.zeros(n, int)
    for s, e, _ in calls:
        hits[s:e] += 1
    return hits


def test_small_work_runs_once_in_the_calling_thread():
    calls = []
    batch_parallel.over_batch(_record(calls), 10, batch_parallel.MIN_ELEMENTS - 1)
    assert calls == [(0, 10, threading.get_ident())]


def test_large_work_splits_across_threads(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 3)
    calls = []
    batch_parallel.over_batch(_record(calls), 10, 10 * batch_parallel.MIN_ELEMENTS)
    assert len(calls) == 3 and (_covered(calls, 10) == 1).all()
    assert len({t for *_, t in calls}) >= 2  # at least one part ran on a worker thread


def test_blocks_cut_each_range_to_the_cache_size(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    calls = []
    image_bytes = batch_parallel.L2_BLOCK_BYTES // 3  # 3 images per block
    batch_parallel.over_batch(_record(calls), 16, 16 * batch_parallel.MIN_ELEMENTS, block_bytes=image_bytes)
    assert (_covered(calls, 16) == 1).all()
    assert max(e - s for s, e, _ in calls) == 3 and len(calls) == 6  # 8 + 8 images, blocks of 3, 3, 2


def test_worker_errors_reach_the_caller(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)

    def fn(start, stop):
        if start > 0:
            raise ValueError("bad part %d" % start)

    with pytest.raises(ValueError, match="bad part 5"):
        batch_parallel.over_batch(fn, 10, 10 * batch_parallel.MIN_ELEMENTS)


def test_thread_count_honors_the_blas_thread_variables(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert batch_parallel.thread_count() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "bogus")
    assert batch_parallel.thread_count() >= 1
