"""Kernels that split their work over threads (matmul, relu, bias_add, dropout) give the one-thread results,
values and gradients. Convolutions and pooling have their own threaded tests beside their other tests."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(7)


def _run(fetches, feed=None):
    with kf.Session() as sess:
        return sess.run(fetches, feed)


@pytest.mark.parametrize("a_shape,b_shape,ta,tb", [((7, 5), (5, 3), False, False),   # split by rows
                                                   ((3, 5), (5, 7), False, False),   # split by columns
                                                   ((5, 7), (3, 5), True, True),
                                                   ((7, 0), (0, 4), False, False)])  # empty inner dimension
def test_matmul_split_matches_numpy(threaded, a_shape, b_shape, ta, tb):
    a, b = RNG.standard_normal(a_shape), RNG.standard_normal(b_shape)
    got = _run(kf.matmul(a, b, transpose_a=ta, transpose_b=tb))
    np.testing.assert_allclose(got, (a.T if ta else a) @ (b.T if tb else b), rtol=1e-12, atol=1e-12)
    check_gradients(lambda x, y: kf.matmul(x, y, transpose_a=ta, transpose_b=tb), [a, b])


def test_matmul_split_keeps_integer_and_float32_dtypes(threaded):
    a, b = RNG.integers(-5, 5, (6, 4)).astype(np.int32), RNG.integers(-5, 5, (4, 3)).astype(np.int32)
    got = _run(kf.matmul(a, b))
    assert got.dtype == np.int32
    np.testing.assert_array_equal(got, a @ b)
    f = _run(kf.matmul(a.astype(np.float32), b.astype(np.float32)))
    assert f.dtype == np.float32


def test_relu_bias_add_and_their_gradients_split_like_one_thread(threaded):
    x, bias = RNG.standard_normal((6, 3, 4, 5)), RNG.standard_normal(5)

    def run():
        xt, bt = kf.constant(x), kf.constant(bias)
        y = kf.nn.relu(kf.nn.bias_add(xt, bt))
        return _run([y] + kf.gradients(kf.reduce_sum(y * y), [xt, bt]))

    split = run()
    np.testing.assert_array_equal(split[0], np.maximum(x + bias, 0))
    threaded.serial()
    for got, want in zip(split, run()):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_relu_and_bias_add_gradients_check_numerically_when_split(threaded):
    x = RNG.standard_normal((4, 3, 5))
    x[np.abs(x) < 0.1] += 0.3  # keep away from relu's kink
    check_gradients(lambda a, b: kf.nn.relu(kf.nn.bias_add(a, b)), [x, RNG.standard_normal(5) * 0.01])


def test_dropout_split_draws_the_same_mask_as_one_thread(threaded):
    x = RNG.standard_normal((8, 6, 5)).astype(np.float32)

    def run():
        kf.reset_default_graph()
        kf.set_random_seed(3)
        y = kf.nn.dropout(kf.constant(x), keep_prob=0.6, seed=5)
        return _run(y)

    split = run()
    kept = split != 0
    assert 0.3 < kept.mean() < 0.9
    np.testing.assert_allclose(split[kept], x[kept] / np.float32(0.6), rtol=1e-6)
    threaded.serial()
    np.testing.assert_array_equal(split, run())


@pytest.mark.parametrize("channels_first", [False, True])
def test_integer_bias_gradient_kernel_keeps_the_dtype(threaded, channels_first):
    from kflow.engine.ops import nn_ops

    g = RNG.integers(-3, 3, (4, 3, 2, 5)).astype(np.int32)  # (graphs do not differentiate integers: kernel only)
    got = nn_ops._bias_grad_kernel(g, channels_first=channels_first)
    assert got.dtype == np.int32  # numpy's sum would widen to int64
    np.testing.assert_array_equal(got, g.sum(axis=(0, 2, 3)) if channels_first else g.reshape(-1, 5).sum(axis=0))
