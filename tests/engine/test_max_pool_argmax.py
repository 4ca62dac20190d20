"""MaxPool keeping its argmax for MaxPoolGrad (engine/max_pool_argmax_rewrite.py, pool_ops' argmax kernels):
the same gradients as the recomputing MaxPoolGrad, bit for bit, ties included (the first maximum in row-major
window order gets the gradient, as in TF)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import rewrites
from kflow.engine.ops import pool_ops
from kflow.engine.ops.window_geometry import Window


def _cases():
    rng = np.random.RandomState(0)
    relu = np.maximum(rng.randn(6, 9, 9, 5), 0).astype(np.float32)  # many tied zeros
    yield relu, Window((2, 2), (2, 2), "SAME")  # odd size: the last row/column padded
    yield relu[:, :8, :8], Window((2, 2), (2, 2), "VALID")
    yield relu, Window((3, 3), (2, 2), "VALID")  # overlapping windows: accumulated gradient
    yield relu[:, :8, :8], Window((3, 3), (2, 2), "SAME")  # 8 -> 4: pads 0 top, 1 bottom
    yield np.ones((2, 4, 6, 3), np.float32), Window((2, 3), (2, 3), "VALID")  # every window a tie
    yield np.full((2, 4, 4, 1), -np.inf, np.float32), Window((2, 2), (2, 2), "VALID")
    yield rng.randn(200, 12, 12, 16).astype(np.float32), Window((2, 2), (2, 2), "VALID")  # split over threads
    nan = rng.randn(3, 8, 8, 2).astype(np.float32)
    nan[0, 0, 1, 0] = nan[1, 5, 4, 1] = nan[2, 2, 2, 0] = np.nan  # a NaN maximum equals no input: no gradient
    yield nan, Window((2, 2), (2, 2), "VALID")
    yield nan, Window((3, 3), (2, 2), "SAME")


@pytest.mark.parametrize("x, window", list(_cases()))
def test_argmax_kernels_match_the_recomputing_ones(x, window):
    assert pool_ops.keeps_argmax(x.shape, window)
    y, argmax = pool_ops.max_pool_with_argmax(x, window)
    np.testing.assert_array_equal(y, pool_ops._max_pool_kernel(x, window))
    dy = np.random.RandomState(1).randn(*y.shape).astype(np.float32)
    expected = pool_ops._max_pool_grad_kernel(x, y, dy, window)
    np.testing.assert_array_equal(pool_ops.max_pool_grad_from_argmax(x, argmax, dy, window), expected)


def test_ties_send_the_gradient_to_the_first_maximum():
    x = np.ones((1, 2, 2, 1), np.float32)
    window = Window((2, 2), (2, 2), "VALID")
    _, argmax = pool_ops.max_pool_with_argmax(x, window)
    dx = pool_ops.max_pool_grad_from_argmax(x, argmax, np.full((1, 1, 1, 1), 5.0, np.float32), window)
    np.testing.assert_array_equal(dx[0, :, :, 0], [[5.0, 0.0], [0.0, 0.0]])


def test_windows_whose_first_position_misses_some_windows_keep_the_recomputing_gradient():
    assert not pool_ops.keeps_argmax((None, 27, 27, 4), Window((3, 3), (2, 2), "SAME"))  # pads 1 on top
    assert pool_ops.keeps_argmax((None, 28, 28, 4), Window((3, 3), (2, 2), "SAME"))
    assert not pool_ops.keeps_argmax((None, None, None, 4), Window((3, 3), (2, 2), "SAME"))
    assert pool_ops.keeps_argmax((None, None, None, 4), Window((2, 2), (2, 2), "SAME"))
    assert not pool_ops.keeps_argmax((None, 40, 40, 4), Window((16, 16), (1, 1), "VALID"))  # > 255 positions


def _train_step(size, ksize, padding):
    rng = np.random.RandomState(2)
    x_value = np.maximum(rng.randn(4, size, size, 3), 0).astype(np.float32)
    weights = rng.randn(size, size, 3).astype(np.float32)
    values, applied = [], []
    for flag in (True, False):
        with kf.Graph().as_default(), rewrites.enabled(flag):
            x = kf.placeholder(kf.float32, [None, size, size, 3])
            p = kf.nn.max_pool(x * 2.0, [1, ksize, ksize, 1], [1, 2, 2, 1], padding)
            oh, ow = p.shape.as_list()[1:3]
            loss = kf.reduce_sum(p * kf.constant(weights[:oh, :ow]))
            with kf.Session() as sess:
                values.append(sess.run([p, kf.gradients(loss, x)[0]], {x: x_value}))
                applied.append(sorted(n for e in sess._plans.values() for n in rewrites.applied_rewrites(e[0])))
                forward_only = sess.run(p, {x: x_value})
                np.testing.assert_array_equal(forward_only, values[-1][0])
    for a, b in zip(*values):
        np.testing.assert_array_equal(a, b)
    return applied[0]


def test_training_plans_keep_the_argmax_where_the_window_allows():
    assert _train_step(28, 2, "SAME") == ["max_pool_argmax", "max_pool_grad_argmax"]
    assert _train_step(9, 2, "SAME") == ["max_pool_argmax", "max_pool_grad_argmax"]
    assert _train_step(24, 2, "VALID") == ["max_pool_argmax", "max_pool_grad_argmax"]
    assert _train_step(9, 3, "SAME") == []  # top padding: the gradient recomputes the argmax


def test_traced_step_lists_max_pool_ops_and_the_gradient_works_through_two_grads():
    x = kf.placeholder(kf.float32, [2, 4, 4, 1])
    p = kf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")
    g1 = kf.gradients(kf.reduce_sum(p), x)[0]
    g2 = kf.gradients(kf.reduce_sum(p * p), x)[0]  # two MaxPoolGrads read one argmax
    value = np.arange(32, dtype=np.float32).reshape(2, 4, 4, 1)
    meta = kf.RunMetadata()
    with kf.Session() as sess:
        a, b = sess.run([g1, g2], {x: value}, options=kf.RunOptions(trace_level=kf.RunOptions.FULL_TRACE),
                        run_metadata=meta)
        applied = [n for e in sess._plans.values() for n in rewrites.applied_rewrites(e[0])]
    assert sorted(applied) == ["max_pool_argmax", "max_pool_grad_argmax", "max_pool_grad_argmax"]
    assert a.sum() == 8 and np.all(a[:, 1::2, 1::2] == 1)  # increasing values: the last of each window
    np.testing.assert_array_equal(b, 2 * value * a)
    names = {n.node_name for d in meta.step_stats.dev_stats for n in d.node_stats}
    assert p.op.name in names
