"""max_pool / avg_pool: values against loop references, numerical gradients, tie-breaking, errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
import nn_refs

RNG = np.random.default_rng(1)
WINDOWS = [((2, 2), (2, 2)), ((3, 3), (2, 2)), ((3, 2), (1, 1)), ((2, 2), (3, 3)), ((1, 3), (1, 2))]
POOLS = {"max": kf.nn.max_pool, "avg": kf.nn.avg_pool}


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("kind", sorted(POOLS))
@pytest.mark.parametrize("padding", ["SAME", "VALID"])
@pytest.mark.parametrize("ksize,strides", WINDOWS)
def test_pool_values_and_gradients(kind, padding, ksize, strides):
    x = RNG.standard_normal((2, 7, 6, 3))
    fn = POOLS[kind]
    y = fn(x, [1, *ksize, 1], [1, *strides, 1], padding)
    expected = nn_refs.pool(x, ksize, strides, padding, kind)
    assert y.shape.as_list() == list(expected.shape)
    np.testing.assert_allclose(_run(y), expected, rtol=1e-12)
    check_gradients(lambda a: fn(a, [1, *ksize, 1], [1, *strides, 1], padding), [x])


def test_max_pool_2x2_even_input_and_float32():
    x = RNG.standard_normal((4, 8, 6, 5)).astype(np.float32)
    y = kf.nn.max_pool(x, 2, 2, "VALID")
    np.testing.assert_array_equal(_run(y), x.reshape(4, 4, 2, 3, 2, 5).max(axis=(2, 4)))
    g = _run(kf.gradients(kf.reduce_sum(y), y.op.inputs[0])[0])
    assert g.dtype == np.float32 and g.sum() == y.shape.num_elements()


def test_max_pool_gradient_goes_to_first_maximum_only():
    x = np.zeros((1, 2, 2, 1), np.float32)  # all tied
    x[0, 1, 1, 0] = -1.0
    xt = kf.constant(x)
    g = _run(kf.gradients(kf.nn.max_pool(xt, 2, 2, "VALID"), xt)[0])
    np.testing.assert_array_equal(g[0, :, :, 0], [[1, 0], [0, 0]])
    # overlapping windows: each window's gradient lands on its own first maximum
    x2 = np.array([[1.0, 5.0, 5.0, 1.0]]).reshape(1, 1, 4, 1)
    x2t = kf.constant(x2)
    g2 = _run(kf.gradients(kf.nn.max_pool(x2t, [1, 1, 2, 1], [1, 1, 1, 1], "VALID"), x2t)[0])
    np.testing.assert_array_equal(g2.ravel(), [0, 2, 1, 0])


def test_max_pool_second_order_and_int_input():
    x = RNG.standard_normal((1, 4, 4, 2))

    def fn(a):
        y = kf.nn.max_pool(a, 2, 2, "SAME")
        return kf.gradients(kf.reduce_sum(y * y), a)[0]
    check_gradients(fn, [x])
    xi = np.arange(16, dtype=np.int32).reshape(1, 4, 4, 1)
    np.testing.assert_array_equal(_run(kf.nn.max_pool(xi, 2, 2, "VALID"))[0, :, :, 0], [[5, 7], [13, 15]])


def test_avg_pool_same_divides_by_valid_count():
    x = np.ones((1, 3, 3, 1))
    np.testing.assert_allclose(_run(kf.nn.avg_pool(x, 2, 2, "SAME")), np.ones((1, 2, 2, 1)))

    def fn(a):
        y = kf.nn.avg_pool(a, 3, 1, "SAME")
        return kf.gradients(kf.reduce_sum(y * y), a)[0]
    check_gradients(fn, [RNG.standard_normal((1, 4, 4, 1))])


def test_pool_nchw_and_unknown_dims():
    x = RNG.standard_normal((2, 3, 6, 6))
    y = kf.nn.max_pool(x, [1, 1, 2, 2], [1, 1, 2, 2], "VALID", data_format="NCHW")
    ref = nn_refs.pool(x.transpose(0, 2, 3, 1), (2, 2), (2, 2), "VALID", "max").transpose(0, 3, 1, 2)
    np.testing.assert_allclose(_run(y), ref)
    p = kf.placeholder(kf.float32, [None, None, None, 4])
    q = kf.nn.avg_pool(p, 2, 2, "SAME")
    assert q.shape.as_list() == [None, None, None, 4]
    assert _run(q, {p: np.ones((1, 5, 5, 4))}).shape == (1, 3, 3, 4)


def test_pool_errors():
    with pytest.raises(ValueError, match="batch and depth"):
        kf.nn.max_pool(kf.zeros([1, 4, 4, 1]), [2, 2, 2, 1], [1, 2, 2, 1], "VALID")
    with pytest.raises(ValueError, match="4-D"):
        kf.nn.max_pool(kf.zeros([4, 4, 1]), 2, 2, "VALID")
    with pytest.raises(ValueError, match="negative dimension"):
        kf.nn.avg_pool(kf.zeros([1, 2, 2, 1]), 3, 1, "VALID")
    with pytest.raises(TypeError, match="floating"):
        kf.nn.avg_pool(kf.zeros([1, 2, 2, 1], kf.int32), 2, 2, "VALID")


# 2x2/2 on an even size: disjoint windows writing dx; 3x3/2 SAME on odd sizes: overlapping, accumulated;
# 2x2/2 VALID on an odd size: the last row/column gets no gradient (zero-filled path)
@pytest.mark.parametrize("shape,ksize,strides,padding", [((5, 8, 6, 3), 2, 2, "VALID"),
                                                         ((5, 7, 5, 3), 3, 2, "SAME"),
                                                         ((5, 7, 7, 2), 2, 2, "VALID")])
def test_max_pool_threaded_blocks_match_one_thread(threaded, monkeypatch, shape, ksize, strides, padding):
    x = np.maximum(RNG.standard_normal(shape), 0).astype(np.float32)  # relu zeros: many tied maxima
    dy_seed = RNG.standard_normal(shape).astype(np.float32)

    def run():
        xt = kf.constant(x)
        y = kf.nn.max_pool(xt, ksize, strides, padding)
        w = kf.constant(dy_seed[:, :y.shape[1], :y.shape[2]])
        dx = kf.gradients(kf.reduce_sum(y * w), xt)[0]
        gg = kf.gradients(kf.reduce_sum(dx * dx), w)[0]  # MaxPoolGradGrad
        return _run([y, dx, gg])

    threaded_out = run()
    np.testing.assert_array_equal(threaded_out[0], nn_refs.pool(x, (ksize,) * 2, (strides,) * 2, padding, "max"))
    from kflow.engine.ops import batch_parallel

    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 1)
    monkeypatch.setattr(batch_parallel, "L2_BLOCK_BYTES", 1 << 30)
    for got, want in zip(threaded_out, run()):
        np.testing.assert_array_equal(got, want)
    monkeypatch.setattr(batch_parallel, "thread_count", lambda: 2)
    check_gradients(lambda a: kf.nn.max_pool(a, ksize, strides, padding), [RNG.standard_normal(shape)])
