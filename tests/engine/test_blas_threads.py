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

