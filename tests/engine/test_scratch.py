"""Scratch buffers reused across kernel calls: same memory per thread, zero borders kept, results unchanged."""
import threading

import numpy as np

import kflow as kf
from kflow.engine import scratch


def test_growable_buffer_is_reused_and_grows():
    scratch.release()
    a = scratch.growable("t", 10, np.float32)
    b = scratch.growable("t", 5, np.float32)
    assert b is a and a.size >= 10
    c = scratch.growable("t", 100, np.float32)
    assert c.size >= 100 and c is not a
    assert scratch.growable("t", 10, np.float64) is not c  # one buffer per dtype


def test_zero_bordered_buffer_keeps_its_zero_border_and_is_per_thread():
    scratch.release()
    buf = scratch.zero_bordered("pad", (2, 5, 5, 1), np.float32, (1, 1))
    buf[:, 1:4, 1:4] = 7.0  # a caller writes only the interior
    again = scratch.zero_bordered("pad", (2, 5, 5, 1), np.float32, (1, 1))
    assert again is buf and again[:, 0].sum() == 0 and again[:, :, 4].sum() == 0
    assert scratch.zero_bordered("pad", (2, 5, 5, 1), np.float32, (2, 2)) is not buf
    seen = []
    t = threading.Thread(target=lambda: seen.append(scratch.zero_bordered("pad", (2, 5, 5, 1), np.float32, (1, 1))))
    t.start()
    t.join()
    assert seen[0] is not buf and not seen[0].any()


def test_bordered_cache_is_bounded():
    scratch.release()
    for i in range(scratch.MAX_BORDERED + 3):
        scratch.zero_bordered("pad", (1, i + 1, 1, 1), np.float32, (0, 0))
    assert sum(1 for k in scratch._cache() if k[0] == "bordered") == scratch.MAX_BORDERED


def test_convolutions_give_the_same_values_when_their_buffers_are_reused():
    rng = np.random.RandomState(0)
    x = kf.placeholder(kf.float32, [None, 9, 9, 3])
    w = kf.constant(rng.randn(5, 5, 3, 4).astype(np.float32))
    y = kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME")
    dx, dw = kf.gradients(kf.reduce_sum(y * y), [x, w])
    a, b = rng.randn(2, 4, 9, 9, 3).astype(np.float32)
    with kf.Session() as sess:
        first = sess.run([y, dx, dw], {x: a})
        sess.run([y, dx, dw], {x: b})  # same shapes: the same scratch memory, other contents
        again = sess.run([y, dx, dw], {x: a})
    for u, v in zip(first, again):
        np.testing.assert_array_equal(u, v)
