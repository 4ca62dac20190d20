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


def test_blocks_cut_each_range(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    calls = []
    batch_parallel.over_batch(_record(calls), 16, 16 * batch_parallel.MIN_ELEMENTS, block_items=3)
    assert (_covered(calls, 16) == 1).all()
    assert max(e - s for s, e, _ in calls) == 3 and len(calls) == 6  # 8 + 8 images, blocks of 3, 3, 2


def test_worker_errors_reach_the_caller(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)

    def fn(start, stop):
        if start > 0:
            raise ValueError("bad part %d" % start)

    with pytest.raises(ValueError, match="bad part 5"):
        batch_parallel.over_batch(fn, 10, 10 * batch_parallel.MIN_ELEMENTS)


def test_blas_work_splits_with_single_threaded_blas(monkeypatch):
    from kflow.engine import blas_threads

    functions = blas_threads._functions()
    if functions is None:
        pytest.skip("numpy's BLAS thread count cannot be controlled here")
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    seen = []
    batch_parallel.over_batch(lambda s, e: seen.append((s, e, functions[1]())), 8, 8 * batch_parallel.MIN_ELEMENTS,
                              uses_blas=True)
    assert sorted(seen) == [(0, 4, 1), (4, 8, 1)]


def test_blas_work_stays_in_one_call_when_blas_threads_cannot_be_set(monkeypatch):
    from kflow.engine import blas_threads

    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    monkeypatch.setattr(blas_threads, "available", lambda: False)
    calls = []
    batch_parallel.over_batch(_record(calls), 8, 8 * batch_parallel.MIN_ELEMENTS, uses_blas=True)
    assert calls == [(0, 8, threading.get_ident())]  # BLAS keeps its own threads: no oversubscription


def test_map_over_batch_slices_batch_shaped_operands_and_passes_the_rest_whole(threaded):
    rng = np.random.default_rng(0)
    x, y, bias = rng.standard_normal((5, 3, 4)), rng.standard_normal((5, 3, 4)), rng.standard_normal(4)
    np.testing.assert_array_equal(batch_parallel.map_over_batch(np.add, x, bias), x + bias)
    np.testing.assert_array_equal(batch_parallel.map_over_batch(np.multiply, x, y), x * y)
    one_image = rng.standard_normal((1, 3, 4))  # broadcast along the batch, not sliced
    np.testing.assert_array_equal(batch_parallel.map_over_batch(np.subtract, x, one_image), x - one_image)
    mask = batch_parallel.map_over_batch(np.multiply, x > 0, np.float32(2), dtype=np.float32)
    assert mask.dtype == np.float32
    np.testing.assert_array_equal(mask, (x > 0) * np.float32(2))


def test_map_over_batch_falls_back_to_one_call(threaded):
    x = np.arange(6.0).reshape(2, 3)
    wider = np.ones((4, 2, 3))  # the result would not have x's shape
    np.testing.assert_array_equal(batch_parallel.map_over_batch(np.add, x, wider), x + wider)
    np.testing.assert_array_equal(batch_parallel.map_over_batch(np.negative, np.float64(3)), -3.0)
    assert batch_parallel.map_over_batch(np.add, [1, 2], 1).tolist() == [2, 3]  # not an ndarray: plain call


def test_sum_over_batch_adds_every_part_in_order(threaded):
    x = np.random.default_rng(1).standard_normal((7, 5))
    parts = []

    def part(s, e):
        parts.append((s, e))
        return x[s:e].sum(axis=0)

    total = batch_parallel.sum_over_batch(part, 7, x.size)
    assert sorted(parts) == [(0, 3), (3, 7)]
    np.testing.assert_allclose(total, x.sum(axis=0), rtol=1e-12)


def test_a_failing_part_returns_only_after_every_other_part_finished(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 3)
    first_failed, finished = threading.Event(), []

    def fn(start, stop):
        if start == 2:  # the first worker's part fails at once
            first_failed.set()
            raise RuntimeError("part failed")
        if start == 4:  # the second worker's part is still running then
            first_failed.wait(5)
            threading.Event().wait(0.05)
        finished.append(start)

    with pytest.raises(RuntimeError, match="part failed"):
        batch_parallel.over_batch(fn, 6, 6 * batch_parallel.MIN_ELEMENTS)
    assert sorted(finished) == [0, 4]  # no part still writes after the error reached the caller


def test_map_over_batch_runs_a_device_array_subclass_whole(threaded, monkeypatch):
    from kflow.engine import devices

    class DeviceArray(np.ndarray):  # a numpy-backed stand-in for a CuPy array (tests/gpu/fake_device.py)
        pass

    monkeypatch.setattr(devices, "_device_array_types", [(DeviceArray, "device module")])
    x = np.arange(-6.0, 6.0).reshape(4, 3).view(DeviceArray)
    calls = []

    def relu(a, b, out=None):
        calls.append(out)
        return np.maximum(a, b, out=out)

    np.testing.assert_array_equal(batch_parallel.map_over_batch(relu, x, 0.0), np.maximum(x, 0.0))
    assert calls == [None]  # one call, no host output buffer


def test_a_part_that_splits_again_runs_whole_instead_of_waiting_on_its_own_pool(monkeypatch):
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    monkeypatch.setattr(batch_parallel, "_workers", [])  # a one-worker pool: nested waits would deadlock
    inner = []
    lock = threading.Lock()

    def outer(start, stop):
        def record(s, e):
            with lock:
                inner.append((start + s, start + e, threading.current_thread().name))
        batch_parallel.over_batch(record, stop - start, (stop - start) * batch_parallel.MIN_ELEMENTS)

    runner = threading.Thread(target=batch_parallel.over_batch, args=(outer, 8, 8 * batch_parallel.MIN_ELEMENTS),
                              daemon=True)
    runner.start()
    runner.join(10)
    assert not runner.is_alive(), "nested over_batch deadlocked"
    assert (_covered([(s, e, None) for s, e, _ in inner], 8) == 1).all()
    worker_parts = [p for p in inner if p[2].startswith(batch_parallel.WORKER_PREFIX)]
    assert (4, 8) in [(s, e) for s, e, _ in worker_parts]  # the worker ran its half whole, no nested split


def test_l2_block_counts_images_that_fit_the_l2_budget(monkeypatch):
    monkeypatch.setattr(batch_parallel, "L2_BLOCK_BYTES", 1000)
    x = np.zeros((50, 10, 10), np.float32)  # 400 bytes per image
    assert batch_parallel.l2_block(x) == 2
    assert batch_parallel.l2_block(np.zeros((3, 1000), np.float32)) == 1  # an image larger than the budget
    calls = []
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 1)
    batch_parallel.over_batch(_record(calls), 5, 5, block_items=batch_parallel.l2_block(x))
    assert [(s, e) for s, e, _ in calls] == [(0, 2), (2, 4), (4, 5)]
