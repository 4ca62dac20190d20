"""tf.math's trigonometric/hyperbolic ops, atan2 and the no-nan/statistics composites: values against numpy,
float64 numerical gradients."""
import math

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import more_math_ops as m

X = np.random.RandomState(0).uniform(-0.9, 0.9, (3, 4))
UNARY = [(m.tan, np.tan, X), (m.sinh, np.sinh, X), (m.cosh, np.cosh, X), (m.asin, np.arcsin, X),
         (m.acos, np.arccos, X), (m.atan, np.arctan, X), (m.asinh, np.arcsinh, X), (m.acosh, np.arccosh, X + 2.0),
         (m.atanh, np.arctanh, X), (m.expm1, np.expm1, X), (m.erf, np.vectorize(math.erf), X * 3.0),
         (m.erfc, np.vectorize(math.erfc), X * 3.0)]


def _run(*tensors):
    with kf.Session() as sess:
        return sess.run(list(tensors))


@pytest.mark.parametrize("fn,ref,x", UNARY, ids=[u[0].__name__ for u in UNARY])
def test_unary_values_and_gradients(fn, ref, x):
    (got,) = _run(fn(x))
    np.testing.assert_allclose(got, ref(x))
    check_gradients(fn, [x])


def test_rint_rounds_half_to_even_and_atan2_broadcasts():
    r, a = _run(m.rint([0.5, 1.5, -2.5, 2.7]), m.atan2(X, np.array([0.5, -0.5, 1.0, -1.0])))
    np.testing.assert_array_equal(r, [0.0, 2.0, -2.0, 3.0])
    np.testing.assert_allclose(a, np.arctan2(X, [0.5, -0.5, 1.0, -1.0]))
    check_gradients(lambda y, x: m.atan2(y, x), [X, np.array([0.5, -0.5, 1.0, -1.0])])
    with pytest.raises(TypeError, match="floating-point"):
        m.tan([1, 2])


def test_no_nan_divisions_and_products():
    got = _run(m.divide_no_nan([1.0, 2.0, 0.0], [0.0, 4.0, 0.0]), m.reciprocal_no_nan([0.0, 2.0]),
               m.multiply_no_nan([np.inf, np.nan, 2.0], [0.0, 0.0, 3.0]), m.xlogy([0.0, 2.0], [0.0, np.e]),
               m.xdivy([0.0, 2.0], [0.0, 4.0]))
    for g, want in zip(got, [[0, 0.5, 0], [0, 0.5], [0, 0, 6], [0, 2], [0, 0.5]]):
        np.testing.assert_allclose(g, want, rtol=1e-6)
    y = X * X + 0.1
    check_gradients(lambda a, b: [m.divide_no_nan(a, b), m.xlogy(a, b), m.xdivy(a, b), m.multiply_no_nan(a, b)],
                    [X, y])
    # the gradient stays finite where the denominator is 0
    x = kf.constant([1.0, 2.0], kf.float64)
    d = kf.constant([0.0, 2.0], kf.float64)
    gx, gd = _run(*kf.gradients(m.divide_no_nan(x, d), [x, d]))
    np.testing.assert_allclose(gx, [0.0, 0.5])
    np.testing.assert_allclose(gd, [0.0, -0.5])


def test_statistics_and_counting_composites():
    got = _run(m.reduce_variance(X, 0), m.reduce_std(X, 1, keepdims=True), m.reduce_euclidean_norm(X),
               m.log_sigmoid([0.0, -1000.0, 5.0]), m.count_nonzero([[0, 1], [2, 0]], axis=1),
               m.count_nonzero([True, False, True]), m.polyval([1.0, 0.0, -1.0], 3.0),
               m.unsorted_segment_sqrt_n([1.0, 3.0, 5.0], [0, 0, 2], 3), m.scalar_mul(2.0, [1.0, 2.0]),
               m.accumulate_n([[1.0], [2.0], [3.0]]))
    want = [X.var(0), X.std(1, keepdims=True), np.linalg.norm(X), [-np.log(2), -1000.0, -np.log1p(np.exp(-5.0))],
            [1, 1], 2, 8.0, [4 / np.sqrt(2), 0.0, 5.0], [2.0, 4.0], [6.0]]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-6)
    check_gradients(lambda a: [m.log_sigmoid(a), m.reduce_variance(a, 0), m.reduce_std(a, 1),
                               m.reduce_euclidean_norm(a), m.polyval([a, 2.0, a], a),
                               m.unsorted_segment_sqrt_n(a, [0, 2, 2], 3)], [X])


def test_confusion_matrix_permutations_and_monotonicity():
    cm, auto, weighted, inv, nd, si = _run(
        m.confusion_matrix([0, 1, 1, 2], [0, 1, 0, 2], num_classes=3), m.confusion_matrix([0, 2], [1, 2]),
        m.confusion_matrix([0, 0], [1, 1], num_classes=2, weights=[0.5, 2.0], dtype=kf.float32),
        m.invert_permutation([3, 4, 0, 2, 1]), m.is_non_decreasing([[1, 1], [2, 3]]),
        m.is_strictly_increasing([1, 1, 2]))
    np.testing.assert_array_equal(cm, [[1, 0, 0], [1, 1, 0], [0, 0, 1]])
    np.testing.assert_array_equal(auto, [[0, 1, 0], [0, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(weighted, [[0, 2.5], [0, 0]])
    np.testing.assert_array_equal(inv, [2, 4, 3, 0, 1])
    assert nd and not si
    with pytest.raises(TypeError, match="integers"):
        m.confusion_matrix([0.0], [1.0])
