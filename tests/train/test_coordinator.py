"""kf.train.Coordinator: stop requests, clean-stop errors, join re-raising, stop_on_exception."""
import threading
import time

import pytest

import kflow as kf


def test_request_stop_wakes_threads_and_join_returns():
    coord = kf.train.Coordinator()
    ticks = []

    def work():
        while not coord.should_stop():
            ticks.append(1)
            time.sleep(0.01)
    threads = [threading.Thread(target=work) for _ in range(3)]
    for t in threads:
        t.start()
    assert not coord.should_stop()
    time.sleep(0.05)
    coord.request_stop()
    coord.join(threads, stop_grace_period_secs=5)
    assert coord.should_stop() and coord.joined and not any(t.is_alive() for t in threads) and ticks


def test_join_reraises_the_first_error_from_stop_on_exception():
    coord = kf.train.Coordinator()

    def fail(message):
        with coord.stop_on_exception():
            raise ValueError(message)
    t = threading.Thread(target=fail, args=("first",))
    t.start()
    assert coord.wait_for_stop(5)
    coord.request_stop(ValueError("second"))
    with pytest.raises(ValueError, match="first"):
        coord.join([t])


def test_out_of_range_is_a_clean_stop():
    coord = kf.train.Coordinator()
    coord.request_stop(kf.errors.OutOfRangeError(None, None, "epochs done"))
    coord.join([])  # nothing raised
    coord.clear_stop()
    assert not coord.should_stop()


def test_join_reports_threads_that_ignore_the_stop():
    coord = kf.train.Coordinator()
    release = threading.Event()
    t = threading.Thread(target=release.wait, args=(10,))
    t.start()
    coord.request_stop()
    with pytest.raises(RuntimeError, match="still running"):
        coord.join([t], stop_grace_period_secs=0.1)
    release.set()
    t.join()


def test_looper_thread_runs_until_stop():
    coord = kf.train.Coordinator()
    calls = []
    looper = kf.train.LooperThread(coord, 0.01, target=calls.append, args=(1,))
    looper.start()
    time.sleep(0.1)
    coord.request_stop()
    coord.join(stop_grace_period_secs=5)  # registered threads are joined too
    assert len(calls) >= 2 and not looper.is_alive()
