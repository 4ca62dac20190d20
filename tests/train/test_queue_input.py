"""Queue runners, input producers (num_epochs) and batchers, end to end through Session threads."""
import threading
import time

import numpy as np
import pytest

import kflow as kf


def init_all(sess):
    sess.run(kf.group(kf.global_variables_initializer(), kf.local_variables_initializer()))


def drain(sess, fetches, coord=None):
    """Runs ``fetches`` until OutOfRangeError; returns the values."""
    coord = coord or kf.train.Coordinator()
    threads = kf.train.start_queue_runners(sess, coord)
    out = []
    try:
        while not coord.should_stop():
            out.append(sess.run(fetches))
    except kf.errors.OutOfRangeError:
        pass
    finally:
        coord.request_stop()
    coord.join(threads, stop_grace_period_secs=10)
    return out


def test_slice_input_producer_batch_num_epochs_and_smaller_final_batch():
    data = np.arange(10, dtype=np.float32)
    x, y = kf.train.slice_input_producer([data, data.astype(np.int64) * 2], num_epochs=2, shuffle=False)
    assert x.shape.as_list() == [] and y.dtype == kf.int64
    xb, yb = kf.train.batch([x, y], batch_size=4, allow_smaller_final_batch=True)
    assert xb.shape.as_list() == [None]
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, [xb, yb])
    assert [len(a) for a, _ in out] == [4, 4, 4, 4, 4]
    xs = np.concatenate([a for a, _ in out])
    np.testing.assert_array_equal(xs, np.concatenate([data, data]))
    np.testing.assert_array_equal(np.concatenate([b for _, b in out]), xs * 2)


def test_batch_without_smaller_final_batch_drops_the_tail_and_has_a_static_shape():
    x = kf.train.range_input_producer(7, num_epochs=1, shuffle=False).dequeue()
    xb = kf.train.batch(x, batch_size=3)
    assert xb.shape.as_list() == [3]
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, xb)
    assert [list(b) for b in out] == [[0, 1, 2], [3, 4, 5]]


def test_shuffled_epochs_cover_every_element_once_per_epoch():
    kf.set_random_seed(1)
    names = kf.train.string_input_producer(["a", "b", "c", "d"], num_epochs=3, seed=4)
    item = names.dequeue()
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, item)
    assert len(out) == 12
    epochs = [sorted(out[i:i + 4]) for i in (0, 4, 8)]
    assert epochs == [[b"a", b"b", b"c", b"d"]] * 3
    assert out[:4] != out[4:8] or out[4:8] != out[8:]


def test_shuffle_batch_and_dict_structure():
    feats = {"x": np.arange(100, dtype=np.int32), "y": np.arange(100, dtype=np.int32) * 10}
    x, y = kf.train.slice_input_producer([feats["x"], feats["y"]], num_epochs=1, shuffle=False)
    batch = kf.train.shuffle_batch({"x": x, "y": y}, batch_size=10, capacity=60, min_after_dequeue=20,
                                   num_threads=2, seed=7, allow_smaller_final_batch=True)
    assert set(batch) == {"x", "y"}
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, batch)
    xs = np.concatenate([b["x"] for b in out])
    np.testing.assert_array_equal(np.concatenate([b["y"] for b in out]), xs * 10)  # rows stay together
    assert sorted(xs) == list(range(100)) and list(xs) != list(range(100))


def test_batch_join_and_shuffle_batch_join_take_every_input():
    a = kf.train.range_input_producer(5, num_epochs=1, shuffle=False).dequeue()
    b = kf.train.range_input_producer(5, num_epochs=1, shuffle=False).dequeue() + 100
    joined = kf.train.batch_join([[a], [b]], batch_size=4, allow_smaller_final_batch=True)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, joined)
    assert sorted(np.concatenate([o[0] for o in out])) == [0, 1, 2, 3, 4, 100, 101, 102, 103, 104]

    kf.reset_default_graph()
    a = kf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue()
    b = kf.train.range_input_producer(6, num_epochs=1, shuffle=False).dequeue() * -1 - 1
    shuffled = kf.train.shuffle_batch_join([[a], [b]], batch_size=5, capacity=20, min_after_dequeue=4, seed=2,
                                           allow_smaller_final_batch=True)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, shuffled)
    assert sorted(np.concatenate([o[0] for o in out])) == list(range(-6, 6))


def test_dynamic_pad_batch():
    lengths = kf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue()
    seq = kf.range(lengths + 1)
    padded = kf.train.batch([seq], batch_size=2, dynamic_pad=True)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, padded)
    np.testing.assert_array_equal(out[0][0], [[0, 0], [0, 1]])
    np.testing.assert_array_equal(out[1][0], [[0, 1, 2, 0], [0, 1, 2, 3]])


def test_batch_needs_static_shapes_unless_padding():
    x = kf.placeholder(kf.float32, [None])
    with pytest.raises(ValueError, match="fully defined.*Placeholder"):
        kf.train.batch([x], batch_size=2)


def test_dequeue_without_started_runners_fails_fast_with_advice():
    x = kf.train.range_input_producer(5, num_epochs=1).dequeue()
    xb = kf.train.batch([x], batch_size=2)
    with kf.Session() as sess:
        init_all(sess)
        start = time.monotonic()
        with pytest.raises(kf.errors.FailedPreconditionError, match="start_queue_runners"):
            sess.run(xb)
        assert time.monotonic() - start < 2


def test_num_epochs_needs_local_variables_initialized():
    x = kf.train.string_input_producer(["a"], num_epochs=1).dequeue()
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())  # the epoch counter is a local variable
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(sess, coord)
        with pytest.raises(kf.errors.FailedPreconditionError, match="local_variables_initializer"):
            coord.join(threads, stop_grace_period_secs=5)
        with pytest.raises(kf.errors.OpError):
            sess.run(x, options=kf.RunOptions(timeout_in_ms=2000))


def test_runner_error_without_coordinator_reaches_the_consumer():
    q = kf.FIFOQueue(5, [kf.float32], shapes=[[]])
    bad = kf.py_func(lambda: (_ for _ in ()).throw(ValueError("broken input")), [], kf.float32)
    bad.set_shape([])
    kf.train.add_queue_runner(kf.train.QueueRunner(q, [q.enqueue(bad)]))
    with kf.Session() as sess:
        threads = kf.train.start_queue_runners(sess)
        with pytest.raises(kf.errors.InvalidArgumentError, match="queue runner feeding it failed.*broken input"):
            sess.run(q.dequeue(), options=kf.RunOptions(timeout_in_ms=5000))
        for t in threads:
            t.join(5)
        runner = kf.get_collection(kf.GraphKeys.QUEUE_RUNNERS)[0]
        assert len(runner.exceptions_raised) == 1


def test_coordinator_stop_cancels_blocked_enqueues_and_dequeues():
    q = kf.FIFOQueue(2, [kf.int32], shapes=[[]])
    runner = kf.train.QueueRunner(q, [q.enqueue(1)] * 3)
    kf.train.add_queue_runner(runner)
    assert runner.queue is q and len(runner.enqueue_ops) == 3
    with kf.Session() as sess:
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(sess, coord)
        assert len(threads) == 4  # three enqueue threads and the closer
        assert kf.train.start_queue_runners(sess, coord) == []  # already running in this session
        assert sess.run(q.dequeue()) == 1
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=10)
        assert sess.run(q.is_closed())


def test_start_queue_runners_uses_the_default_session_or_explains():
    kf.train.range_input_producer(3)
    with pytest.raises(ValueError, match="no default session"):
        kf.train.start_queue_runners()
    with kf.Session() as sess:
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(coord=coord)
        assert threads and all(t.daemon for t in threads)
        coord.request_stop()
        coord.join(threads, stop_grace_period_secs=10)
    assert not any(t.is_alive() for t in threads)


def test_count_up_to():
    v = kf.Variable(0, dtype=kf.int64)
    step = kf.count_up_to(v, 2)
    with kf.Session() as sess:
        sess.run(v.initializer)
        assert [sess.run(step), sess.run(step)] == [0, 1]
        with pytest.raises(kf.errors.OutOfRangeError, match="limit of 2"):
            sess.run(step)
        assert sess.run(v) == 2
    with pytest.raises(TypeError, match="int32 or int64"):
        kf.count_up_to(kf.Variable(0.0), 3)


def test_many_threads_count_each_epoch_once():
    x = kf.train.range_input_producer(50, num_epochs=4, shuffle=False, capacity=8).dequeue()
    xb = kf.train.batch([x], batch_size=7, num_threads=4, allow_smaller_final_batch=True)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, xb)
    values = np.concatenate([o[0] for o in out])
    assert sorted(values) == sorted(list(range(50)) * 4)
    assert threading.active_count() < 20


def test_match_filenames_once_feeds_string_input_producer(tmp_path):
    for i in range(3):
        open(str(tmp_path / ("part-%d.txt" % i)), "w").write("line %d\n" % i)
    files = kf.train.match_filenames_once(str(tmp_path / "part-*.txt"))
    assert files in kf.local_variables()
    queue = kf.train.string_input_producer(files, num_epochs=1, shuffle=False)
    _, line = kf.TextLineReader().read(queue)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, line)
    assert out == [b"line 0", b"line 1", b"line 2"]


def test_a_runner_waiting_on_an_unstarted_producer_reports_it_downstream():
    x = kf.train.range_input_producer(5, num_epochs=1).dequeue()
    xb = kf.train.batch([x], batch_size=2)
    producer_runner, batch_runner = kf.get_collection(kf.GraphKeys.QUEUE_RUNNERS)
    with kf.Session() as sess:
        init_all(sess)
        threads = batch_runner.create_threads(sess, start=True, daemon=True)  # the producer's are never started
        with pytest.raises(kf.errors.FailedPreconditionError, match="feeding it failed.*start_queue_runners"):
            sess.run(xb, options=kf.RunOptions(timeout_in_ms=10000))
        for t in threads:
            t.join(5)


def test_maybe_batch_keeps_only_the_chosen_elements():
    x = kf.train.range_input_producer(10, num_epochs=1, shuffle=False).dequeue()
    evens = kf.train.maybe_batch([x], keep_input=kf.equal(x % 2, 0), batch_size=2, allow_smaller_final_batch=True)
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, evens)
    assert list(np.concatenate([o[0] for o in out])) == [0, 2, 4, 6, 8]

    kf.reset_default_graph()
    rows = kf.constant(np.arange(6, dtype=np.int32))
    keep = kf.constant([True, False, True, True, False, False])
    kept = kf.train.maybe_shuffle_batch([rows], 3, capacity=10, min_after_dequeue=0, keep_input=keep,
                                        enqueue_many=True, seed=1)
    with kf.Session() as sess:
        coord = kf.train.Coordinator()
        threads = kf.train.start_queue_runners(sess, coord)
        seen = np.concatenate([sess.run(kept)[0] for _ in range(4)])  # the runner re-enqueues the rows forever
        coord.request_stop()
        coord.join(threads)
    assert set(seen.tolist()) == {0, 2, 3}
    with pytest.raises(ValueError, match="keep_input must be a bool scalar"):
        kf.train.maybe_batch([kf.constant(1)], keep_input=[True, False], batch_size=1)


def test_maybe_joins_take_every_kept_input():
    a = kf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue()
    b = kf.train.range_input_producer(4, num_epochs=1, shuffle=False).dequeue() + 10
    joined = kf.train.maybe_batch_join([[a], [b]], keep_input=True, batch_size=8, allow_smaller_final_batch=True)
    shuffled = kf.train.maybe_shuffle_batch_join([[a * 0], [b * 0]], 2, capacity=8, min_after_dequeue=0,
                                                 keep_input=False)
    assert shuffled[0].shape.as_list() == [2]
    with kf.Session() as sess:
        init_all(sess)
        out = drain(sess, joined)
    assert sorted(np.concatenate([o[0] for o in out])) == [0, 1, 2, 3, 10, 11, 12, 13]
