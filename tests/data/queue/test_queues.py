"""FIFOQueue, RandomShuffleQueue, PaddingFIFOQueue: enqueue/dequeue, closing, waits that end, deadlines."""
import threading
import time

import numpy as np
import pytest

import kflow as kf


def test_fifo_enqueue_dequeue_order_and_size():
    q = kf.FIFOQueue(10, [kf.float32, kf.int32], shapes=[[2], []])
    enqueue_many = q.enqueue_many([[[1., 2.], [3., 4.], [5., 6.]], [7, 8, 9]])
    x = kf.placeholder(kf.float32, [2])
    enqueue_one = q.enqueue([x, 10])
    one = q.dequeue()
    many = q.dequeue_many(2)
    size = q.size()
    assert many[0].shape.as_list() == [2, 2] and one[0].shape.as_list() == [2]
    with kf.Session() as sess:
        sess.run(enqueue_many)
        sess.run(enqueue_one, {x: [11., 12.]})
        assert sess.run(size) == 4
        a, b = sess.run(one)
        np.testing.assert_array_equal(a, [1., 2.])
        assert b == 7 and b.dtype == np.int32
        a, b = sess.run(many)
        np.testing.assert_array_equal(a, [[3., 4.], [5., 6.]])
        np.testing.assert_array_equal(b, [8, 9])
        assert sess.run(size) == 1


def test_single_component_and_names():
    q = kf.FIFOQueue(5, kf.string, shapes=[[]])
    with kf.Session() as sess:
        sess.run(q.enqueue_many([["a", "b"]]))
        t = q.dequeue()
        assert isinstance(t, kf.Tensor)
        assert sess.run(t) == b"a"
    named = kf.FIFOQueue(5, [kf.int32, kf.float32], shapes=[[], []], names=["i", "f"])
    out = named.dequeue()
    assert set(out) == {"i", "f"}
    with kf.Session() as sess:
        sess.run(named.enqueue({"i": 3, "f": 0.5}))
        assert sess.run(out) == {"i": 3, "f": np.float32(0.5)}
    with pytest.raises(ValueError, match="keys"):
        named.enqueue([3, 0.5])


def test_build_errors_name_the_queue():
    q = kf.FIFOQueue(5, [kf.float32], shapes=[[2]], name="my_queue")
    with pytest.raises(ValueError, match="my_queue.*element shape"):
        q.enqueue(kf.zeros([3]))
    with pytest.raises(TypeError, match="my_queue.*int32"):
        q.enqueue(kf.zeros([2], dtype=kf.int32))
    with pytest.raises(ValueError, match="needs 1 components"):
        q.enqueue([kf.zeros([2]), kf.zeros([2])])


def test_states_are_per_session():
    q = kf.FIFOQueue(5, [kf.int32])
    enq = q.enqueue(1)
    size = q.size()
    with kf.Session() as s1, kf.Session() as s2:
        s1.run(enq)
        s1.run(enq)
        assert s1.run(size) == 2 and s2.run(size) == 0


def test_close_drains_then_out_of_range():
    q = kf.FIFOQueue(10, [kf.int32], shapes=[[]])
    enq = q.enqueue_many([[1, 2, 3]])
    many = q.dequeue_many(2)
    up_to = q.dequeue_up_to(2)
    with kf.Session() as sess:
        sess.run(enq)
        sess.run(q.close())
        assert sess.run(q.is_closed())
        with pytest.raises(kf.errors.CancelledError, match="closed"):
            sess.run(enq)
        np.testing.assert_array_equal(sess.run(many), [1, 2])
        with pytest.raises(kf.errors.OutOfRangeError, match="insufficient elements.*requested 2, current size 1"):
            sess.run(many)
        np.testing.assert_array_equal(sess.run(up_to), [3])  # the smaller final batch
        with pytest.raises(kf.errors.OutOfRangeError):
            sess.run(up_to)


def test_dequeue_waits_for_an_enqueue_from_another_thread():
    q = kf.FIFOQueue(10, [kf.int32], shapes=[[]])
    enq = q.enqueue(42)
    deq = q.dequeue()
    with kf.Session() as sess:
        timer = threading.Timer(0.2, lambda: sess.run(enq))
        timer.start()
        start = time.monotonic()
        assert sess.run(deq) == 42
        assert time.monotonic() - start >= 0.15
        timer.join()


def test_full_queue_blocks_enqueue_until_close_cancels_it():
    q = kf.FIFOQueue(2, [kf.int32], shapes=[[]])
    enq = q.enqueue_many([[1, 2, 3]])
    errors_seen = []

    with kf.Session() as sess:
        def fill():
            try:
                sess.run(enq)
            except kf.errors.CancelledError as e:
                errors_seen.append(e)
        t = threading.Thread(target=fill)
        t.start()
        time.sleep(0.2)
        assert t.is_alive() and sess.run(q.size()) == 2
        sess.run(q.close(cancel_pending_enqueues=True))
        t.join(5)
        assert not t.is_alive() and len(errors_seen) == 1
        np.testing.assert_array_equal(sess.run(q.dequeue_many(2)), [1, 2])


def test_plain_close_lets_pending_enqueues_finish():
    q = kf.FIFOQueue(1, [kf.int32], shapes=[[]])
    enq = q.enqueue_many([[1, 2]])
    with kf.Session() as sess:
        t = threading.Thread(target=sess.run, args=(enq,))
        t.start()
        time.sleep(0.2)
        sess.run(q.close())
        assert sess.run(q.dequeue()) == 1
        t.join(5)
        assert sess.run(q.dequeue()) == 2


def test_run_options_timeout_raises_deadline_exceeded():
    q = kf.FIFOQueue(1, [kf.int32], shapes=[[]])
    deq = q.dequeue()
    with kf.Session() as sess:
        start = time.monotonic()
        with pytest.raises(kf.errors.DeadlineExceededError, match="dequeue 1 element.*fifo_queue"):
            sess.run(deq, options=kf.RunOptions(timeout_in_ms=200))
        assert 0.15 <= time.monotonic() - start < 3
        sess.run(q.enqueue(1))
        with pytest.raises(kf.errors.DeadlineExceededError, match="enqueue into the full queue"):
            sess.run(q.enqueue(2), options=kf.RunOptions(timeout_in_ms=100), run_metadata=kf.RunMetadata())
    config = kf.ConfigProto(operation_timeout_in_ms=100)
    with kf.Session(config=config) as sess:
        with pytest.raises(kf.errors.DeadlineExceededError):
            sess.run(deq)


def test_session_close_cancels_a_waiting_dequeue():
    q = kf.FIFOQueue(1, [kf.int32], shapes=[[]])
    deq = q.dequeue()
    sess = kf.Session()
    seen = []

    def wait():
        try:
            sess.run(deq)
        except kf.errors.CancelledError as e:
            seen.append(e)
    t = threading.Thread(target=wait)
    t.start()
    time.sleep(0.2)
    sess.close()
    t.join(5)
    assert not t.is_alive() and len(seen) == 1


def test_random_shuffle_queue_mixes_and_keeps_min_after_dequeue():
    kf.set_random_seed(3)
    q = kf.RandomShuffleQueue(100, 10, [kf.int32], shapes=[[]])
    enq = q.enqueue_many([np.arange(50, dtype=np.int32)])
    deq = q.dequeue_many(40)
    with kf.Session() as sess:
        sess.run(enq)
        first = sess.run(deq)
        assert sorted(first) != list(first) and len(set(first)) == 40
        assert sess.run(q.size()) == 10
        with pytest.raises(kf.errors.DeadlineExceededError):  # 10 must stay until the queue closes
            sess.run(q.dequeue(), options=kf.RunOptions(timeout_in_ms=100))
        sess.run(q.close())
        rest = sess.run(q.dequeue_up_to(40))
        assert sorted(np.concatenate([first, rest])) == list(range(50))
    with kf.Session() as sess:  # the same graph seed: the same order
        sess.run(enq)
        np.testing.assert_array_equal(sess.run(deq), first)
    with pytest.raises(ValueError, match="min_after_dequeue"):
        kf.RandomShuffleQueue(10, 10, [kf.int32])


def test_padding_fifo_queue_pads_to_the_longest():
    q = kf.PaddingFIFOQueue(10, [kf.int32, kf.string], shapes=[[None], [None]])
    x = kf.placeholder(kf.int32, [None])
    s = kf.placeholder(kf.string, [None])
    enq = q.enqueue([x, s])
    ints, strs = q.dequeue_many(3)
    assert ints.shape.as_list() == [3, None]
    with kf.Session() as sess:
        sess.run(enq, {x: [1], s: [b"a"]})
        sess.run(enq, {x: [1, 2, 3], s: []})
        sess.run(enq, {x: [], s: [b"b", b"c"]})
        a, b = sess.run([ints, strs])
    np.testing.assert_array_equal(a, [[1, 0, 0], [1, 2, 3], [0, 0, 0]])
    assert b.tolist() == [[b"a", b""], [b"", b""], [b"b", b"c"]]
    with pytest.raises(ValueError, match="shapes"):
        kf.PaddingFIFOQueue(3, [kf.int32], shapes=None)


def test_unequal_shapes_without_padding_give_a_clear_error():
    q = kf.FIFOQueue(10, [kf.int32])
    x = kf.placeholder(kf.int32, [None])
    with kf.Session() as sess:
        sess.run(q.enqueue(x), {x: [1]})
        sess.run(q.enqueue(x), {x: [1, 2]})
        with pytest.raises(kf.errors.InvalidArgumentError, match="PaddingFIFOQueue"):
            sess.run(q.dequeue_many(2))
