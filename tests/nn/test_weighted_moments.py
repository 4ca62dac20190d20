"""weighted_moments against numpy (broadcast weights, keepdims), gradients; moments, l2_normalize and log_softmax
checked against numpy as issue 16 asks."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(6)
X = RNG.standard_normal((4, 3, 2))
W = RNG.uniform(0.5, 2.0, (4, 1, 2))


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def test_weighted_moments_values_and_gradients():
    mean, var = _run(kf.nn.weighted_moments(X, [0, 1], W))
    wb = np.broadcast_to(W, X.shape)
    ref_mean = (wb * X).sum((0, 1)) / wb.sum((0, 1))
    np.testing.assert_allclose(mean, ref_mean)
    np.testing.assert_allclose(var, (wb * (X - ref_mean) ** 2).sum((0, 1)) / wb.sum((0, 1)))
    kept = kf.nn.weighted_moments(X, [0, 1], W, keepdims=True)
    assert [t.shape.as_list() for t in kept] == [[1, 1, 2], [1, 1, 2]]
    assert _run(kf.nn.weighted_moments([1.0, 2.0, 4.0], [0], [1.0, 1.0, 2.0])) == (2.75, 1.6875)
    check_gradients(lambda x, w: kf.nn.weighted_moments(x, [0], w), [X, W])
    with pytest.raises(TypeError, match="weighted_moments: x must be floating"):
        kf.nn.weighted_moments(np.arange(3), [0], [1, 1, 1])


def test_moments_l2_normalize_log_softmax_against_numpy():
    mean, var = _run(kf.nn.moments(X, [0, 2]))
    np.testing.assert_allclose(mean, X.mean((0, 2)))
    np.testing.assert_allclose(var, X.var((0, 2)))
    np.testing.assert_allclose(_run(kf.nn.l2_normalize(X, axis=1)), X / np.sqrt((X ** 2).sum(1, keepdims=True)))
    z = X - X.max(-1, keepdims=True)
    np.testing.assert_allclose(_run(kf.nn.log_softmax(X)), z - np.log(np.exp(z).sum(-1, keepdims=True)))
    check_gradients(lambda x: kf.nn.moments(x, [0, 2]), [X])
    check_gradients(lambda x: kf.nn.l2_normalize(x, axis=1), [X])
    check_gradients(kf.nn.log_softmax, [X])
