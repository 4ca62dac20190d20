"""Gradients where the math leaves a choice (ties, kinks, zeros) follow TF 1.x's conventions exactly."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients


def _grads(y, xs, feed=None):
    with kf.Session() as sess:
        return sess.run(kf.gradients(y, xs), feed)


def test_maximum_and_minimum_ties_send_the_gradient_to_x():
    # TF: Maximum uses x >= y, Minimum x <= y, so on a tie all of the gradient goes to the first input
    x = kf.constant([1.0, 2.0, 3.0, 5.0], kf.float64)
    y = kf.constant([1.0, 1.0, 4.0, 5.0], kf.float64)
    gx, gy = _grads(kf.reduce_sum(kf.maximum(x, y)), [x, y])
    np.testing.assert_array_equal(gx, [1, 1, 0, 1])
    np.testing.assert_array_equal(gy, [0, 0, 1, 0])
    gx, gy = _grads(kf.reduce_sum(kf.minimum(x, y)), [x, y])
    np.testing.assert_array_equal(gx, [1, 0, 1, 1])
    np.testing.assert_array_equal(gy, [0, 1, 0, 0])


def test_reduce_max_and_min_split_the_gradient_among_ties():
    x = kf.constant([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]], kf.float64)
    (g,) = _grads(kf.reduce_sum(kf.reduce_max(x, 1) * [10.0, 30.0]), [x])
    np.testing.assert_allclose(g, [[0, 5, 5], [10, 10, 10]])
    (g,) = _grads(kf.reduce_min(x), [x])
    np.testing.assert_allclose(g, [[1, 0, 0], [0, 0, 0]])


def test_clip_by_value_bounds_are_inclusive():
    x = kf.constant([1.0, 2.0, 2.5, 3.0, 4.0], kf.float64)
    (g,) = _grads(kf.reduce_sum(kf.clip_by_value(x, 2.0, 3.0)), [x])
    np.testing.assert_array_equal(g, [0, 1, 1, 1, 0])


@pytest.mark.parametrize("name,expected", [
    ("relu", [0, 0, 1]), ("relu6", [0, 0, 1]), ("elu", [np.exp(-1.0), 1, 1]),
    ("selu", [1.0507009873554805 * 1.6732632423543772 * np.exp(-1.0), 1.0507009873554805 * 1.6732632423543772,
              1.0507009873554805]),
    ("leaky_relu", [0.2, 0.2, 1]), ("abs", [-1, 0, 1]),
])
def test_activation_gradients_at_kinks(name, expected):
    # at 0 TF's kernels use features > 0 (relu, relu6, leaky_relu) or outputs > 0 (elu, selu); abs uses sign
    x = kf.constant([-1.0, 0.0, 6.0 if name != "relu6" else 5.0], kf.float64)
    fn = kf.abs if name == "abs" else getattr(kf.nn, name)
    (g,) = _grads(kf.reduce_sum(fn(x)), [x])
    np.testing.assert_allclose(g, expected, rtol=1e-12)
    x6 = kf.constant([6.0], kf.float64)
    assert _grads(kf.nn.relu6(x6), [x6])[0][0] == 0.0  # relu6's upper kink: features < 6


def _products_of_others(x, axis):
    """Brute force: each entry's gradient of prod(x, axis) is the product of the other entries of its line."""
    lines = np.moveaxis(x, axis, 0) if axis is not None else x.reshape(-1, 1)
    out = np.stack([np.prod(np.delete(lines, i, axis=0), axis=0) for i in range(lines.shape[0])])
    return np.moveaxis(out, 0, axis) if axis is not None else out.reshape(x.shape)


def test_reduce_prod_gradient_is_exact_with_zeros():
    # prod / x would give nan here; TF (and kflow) multiply exclusive running products instead
    v = np.array([[0.0, 2.0, 3.0], [0.0, 0.0, 2.0], [1.5, -2.0, 3.0]])
    x = kf.placeholder(kf.float64, [3, 3])
    for axis in (0, 1):
        (g,) = _grads(kf.reduce_sum(kf.reduce_prod(x, axis)), [x], {x: v})
        np.testing.assert_allclose(g, _products_of_others(v, axis), rtol=1e-12)
    (g,) = _grads(kf.reduce_prod(x), [x], {x: v})
    np.testing.assert_array_equal(g, np.zeros((3, 3)))  # two or more zeros: every product of others is 0
    one_zero = v.copy()
    one_zero[1, :2] = 1.0
    (g,) = _grads(kf.reduce_prod(x), [x], {x: one_zero})
    np.testing.assert_allclose(g, _products_of_others(one_zero, None), rtol=1e-12)
    check_gradients(lambda a: kf.reduce_prod(a, 1, keepdims=True), [v])


def test_reduce_prod_gradient_with_unknown_rank_and_empty_axis():
    x = kf.placeholder(kf.float64)
    (g,) = kf.gradients(kf.reduce_sum(kf.reduce_prod(x, -1)), [x])
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(g, {x: [[2.0, 0.0, 4.0], [1.0, 2.0, 3.0]]}), [[0, 8, 0], [6, 3, 2]])
        assert sess.run(g, {x: np.zeros((2, 0))}).shape == (2, 0)


def test_identity_passes_gradients_and_stop_gradient_blocks_them_numerically():
    rng = np.random.RandomState(0)
    check_gradients(lambda a: kf.identity(a) ** 3, [rng.randn(3, 2)])
    x = kf.placeholder(kf.float64, [3])
    (g,) = _grads(kf.reduce_sum(kf.identity(x) * kf.stop_gradient(x * x)), [x], {x: [1.0, 2.0, 3.0]})
    np.testing.assert_array_equal(g, [1, 4, 9])  # only the identity path: d/dx of x * c is c = x**2


def test_add_n_of_one_tensor_honours_the_name():
    a = kf.constant([1.0])
    assert kf.add_n([a]) is a
    total = kf.add_n([a], name="total")
    assert total.op.name == "total" and kf.get_default_graph().get_tensor_by_name("total:0") is total
