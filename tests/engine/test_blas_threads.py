"""blas_threads: numpy's OpenBLAS runs single-threaded inside the block and gets its thread count back after,
once for nested and concurrent users; a no-op where the library cannot be controlled."""
import threading

import numpy as np
import pytest

from kflow.engine import blas_threads


@pytest.fixture
def blas():
    functions = blas_threads._functions()
    if functions is None:
        pytest.skip("numpy's BLAS thread count cannot be controlled here (not an OpenBLAS build)")
    setter, getter = functions
    before = getter()
    setter(3)  # a count the tests can tell from 1, whatever the machine
    yield getter
    setter(before)


def test_single_threaded_restores_the_count_even_after_an_error(blas):
    with blas_threads.single_threaded():
        assert blas() == 1
        np.ones((64, 64)) @ np.ones((64, 64))  # BLAS still works inside
    assert blas() == 3
    with pytest.raises(RuntimeError, match="inside"):
        with blas_threads.single_threaded():
            raise RuntimeError("inside")
    assert blas() == 3


def test_nested_and_concurrent_users_share_one_lowering(blas):
    inner_done, outer_may_exit = threading.Event(), threading.Event()
    seen = []

    def other_thread():
        with blas_threads.single_threaded():
            inner_done.set()
            outer_may_exit.wait(5)
        seen.append(blas())  # the main thread still holds it: stays 1

    with blas_threads.single_threaded():
        with blas_threads.single_threaded():
            assert blas() == 1
        assert blas() == 1  # the inner exit does not restore
        t = threading.Thread(target=other_thread)
        t.start()
        inner_done.wait(5)
        outer_may_exit.set()
        t.join(5)
        assert seen == [1]
    assert blas() == 3


def test_without_a_controllable_blas_it_is_a_no_op(monkeypatch):
    monkeypatch.setattr(blas_threads, "_found", [None])
    assert not blas_threads.available()
    with blas_threads.single_threaded():
        ran = True
    assert ran


@pytest.mark.parametrize("numpy_blas", ["mkl", "accelerate"])
def test_another_numpy_blas_is_not_controlled_even_with_an_openblas_loaded(monkeypatch, numpy_blas):
    # e.g. MKL numpy beside a scipy wheel's OpenBLAS: lowering that one would leave numpy's BLAS threads running
    monkeypatch.setattr(blas_threads, "_found", [])
    monkeypatch.setattr(blas_threads, "_numpy_blas_name", lambda: numpy_blas)
    monkeypatch.setattr(blas_threads, "_candidate_libraries", lambda: pytest.fail("probed another library"))
    assert not blas_threads.available()


def test_a_thread_asking_while_another_probes_waits_for_the_answer(monkeypatch, blas):
    probing, release, answers = threading.Event(), threading.Event(), []
    real = blas_threads._candidate_libraries

    def slow_candidates():
        probing.set()
        release.wait(5)
        return real()

    monkeypatch.setattr(blas_threads, "_found", [])
    monkeypatch.setattr(blas_threads, "_candidate_libraries", slow_candidates)
    first = threading.Thread(target=lambda: answers.append(blas_threads.available()))
    first.start()
    probing.wait(5)
    second = threading.Thread(target=lambda: answers.append(blas_threads.available()))
    second.start()
    second.join(0.1)
    release.set()
    first.join(5)
    second.join(5)
    assert answers == [True, True]


def _observe_blas(x, seen):
    import kflow as kf

    def record(v):
        seen.append(blas_threads.lowered())
        return v
    return kf.py_func(record, [x], kf.float32)


def test_a_plan_with_convolutions_runs_with_blas_single_threaded_throughout(blas, monkeypatch):
    import kflow as kf
    from kflow.engine import core_budget

    monkeypatch.setattr(core_budget, "contended", lambda: False)  # other processes' load would lower BLAS too

    seen = []
    x = kf.placeholder(kf.float32, [2, 5, 5, 1])
    y = kf.nn.conv2d(x, np.ones((3, 3, 1, 2), np.float32), 1, "VALID")
    observed = _observe_blas(kf.reduce_sum(y), seen)  # runs after the convolution, in the same plan
    plain = _observe_blas(kf.reduce_sum(x), seen)  # a plan without convolutions
    with kf.Session() as sess:
        sess.run(observed, {x: np.ones((2, 5, 5, 1), np.float32)})
        assert seen == [True] and blas() == 3
        sess.run(plain, {x: np.ones((2, 5, 5, 1), np.float32)})
        assert seen == [True, False]

    def fail(v):
        raise ValueError("step fails after the convolution")

    failing = kf.py_func(fail, [kf.reduce_sum(y)], kf.float32)
    with kf.Session() as sess:
        with pytest.raises(Exception, match="step fails"):
            sess.run(failing, {x: np.ones((2, 5, 5, 1), np.float32)})
    assert blas() == 3 and not blas_threads.lowered()  # a failing step gives the thread count back too


def test_limited_holds_the_smallest_limit_of_its_users(blas):
    with blas_threads.limited(2):
        assert blas() == 2 and not blas_threads.lowered()
        with blas_threads.single_threaded():
            assert blas() == 1 and blas_threads.lowered()
        assert blas() == 2
    assert blas() == 3


def test_core_name_names_openblas_kernel(blas):
    name = blas_threads.core_name()
    assert isinstance(name, str) and name


def test_core_name_is_none_without_a_controllable_blas(monkeypatch):
    monkeypatch.setattr(blas_threads, "_found", [None])
    assert blas_threads.core_name() is None
