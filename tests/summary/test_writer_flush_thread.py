"""One background thread flushes every open FileWriter, each on its own flush_secs; none is left once all close."""
import os
import threading
import time

import kflow as kf


def _flushers():
    return [t for t in threading.enumerate() if t.name == "kflow-FileWriter-flush"]


def _size(writer):
    return os.path.getsize(writer._path)


def test_many_writers_share_one_flush_thread_and_each_keeps_its_period(tmp_path):
    fast = kf.summary.FileWriter(str(tmp_path / "fast"), flush_secs=0.2, max_queue=1000)
    slow = [kf.summary.FileWriter(str(tmp_path / ("slow%d" % i)), flush_secs=60, max_queue=1000) for i in range(20)]
    assert len(_flushers()) == 1
    header = _size(fast)
    for w in [fast] + slow:
        w.add_summary(kf.Summary(value=[kf.Summary.Value(tag="x", simple_value=1.0)]), 1)
    deadline = time.time() + 10
    while _size(fast) == header and time.time() < deadline:
        time.sleep(0.05)
    assert _size(fast) > header  # flushed by the thread within its period
    assert all(_size(w) == _size(slow[0]) for w in slow) and _size(slow[0]) == header  # not yet: 60 s period
    for w in [fast] + slow:
        w.close()
    deadline = time.time() + 10
    while _flushers() and time.time() < deadline:
        time.sleep(0.05)
    assert _flushers() == []  # no thread waits on behalf of closed writers
    fast.reopen()  # a writer opened later starts it again
    assert len(_flushers()) == 1
    fast.close()
