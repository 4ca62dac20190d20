"""core_budget: other processes' busy threads shrink kflow's splits and BLAS threads; idle cores come back."""
import subprocess
import sys
import time

import numpy as np
import pytest

import kflow as kf
from kflow.engine import blas_threads, core_budget
from kflow.engine.ops import batch_parallel


@pytest.fixture
def fresh_budget(monkeypatch):
    monkeypatch.setattr(core_budget, "_state", {"next": 0.0, "samples": [], "free": None, "contended": False})
    monkeypatch.setattr(core_budget, "SAMPLE_SECONDS", 0.0)


def test_cores_honors_the_blas_thread_variables(monkeypatch):
    monkeypatch.delenv("OPENBLAS_NUM_THREADS", raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    assert core_budget.cores() == 1
    monkeypatch.setenv("OMP_NUM_THREADS", "bogus")
    assert core_budget.cores() >= 1


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_busy_process_beside_counts_as_demand_and_its_end_frees_the_core(fresh_budget, monkeypatch):
    monkeypatch.setattr(core_budget, "cores", lambda: 2)
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)
        demand = [core_budget.other_demand() for _ in range(core_budget.WINDOW)]
        assert min(demand) >= 1, demand
        for _ in range(core_budget.WINDOW):
            free = core_budget.free_cores()
        assert free == 1 and core_budget.contended()
    finally:
        busy.kill()
        busy.wait()
    # this process's own busy threads are not other demand
    monkeypatch.setattr(core_budget, "_machine_runnable", lambda: 3)
    monkeypatch.setattr(core_budget, "_own_runnable", lambda: 3)
    assert core_budget.other_demand() == 0
    for _ in range(core_budget.WINDOW):
        free = core_budget.free_cores()
    assert free == 2 and not core_budget.contended()


def test_without_proc_every_core_counts_as_free(fresh_budget, monkeypatch):
    def unreadable():
        raise OSError("no /proc")
    monkeypatch.setattr(core_budget, "_machine_runnable", unreadable)
    assert core_budget.other_demand() == 0
    assert core_budget.free_cores() == core_budget.cores()


def test_splits_shrink_to_the_free_cores(monkeypatch):
    monkeypatch.setattr(core_budget, "free_cores", lambda: 1)
    parts = []
    batch_parallel.over_batch(lambda s, e: parts.append((s, e)), 8, 8 * batch_parallel.MIN_ELEMENTS)
    assert parts == [(0, 8)]


def test_a_plan_on_busy_cores_runs_blas_on_the_free_ones(monkeypatch):
    functions = blas_threads._functions()
    if functions is None:
        pytest.skip("numpy's BLAS thread count cannot be controlled here")
    setter, getter = functions
    before = getter()
    setter(2)
    try:
        x = kf.placeholder(kf.float64, [2, 2])
        seen = kf.py_func(lambda v: np.float64(getter()), [kf.matmul(x, x)], kf.float64)
        with kf.Session() as sess:
            monkeypatch.setattr(core_budget, "contended", lambda: True)
            monkeypatch.setattr(core_budget, "free_cores", lambda: 1)
            assert sess.run(seen, {x: np.eye(2)}) == 1
            monkeypatch.setattr(core_budget, "contended", lambda: False)
            assert sess.run(seen, {x: np.eye(2)}) == 2
        assert getter() == 2
    finally:
        setter(before)


def test_plans_without_matrix_products_do_not_look_at_the_cores(monkeypatch):
    def unexpected():
        raise AssertionError("an elementwise plan asked for the core budget")
    monkeypatch.setattr(core_budget, "contended", unexpected)
    x = kf.placeholder(kf.float32, [3])
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(x * 2.0 + 1.0, {x: [1.0, 2.0, 3.0]}), [3.0, 5.0, 7.0])
