"""kf.losses.*: values against numpy (default SUM_BY_NONZERO_WEIGHTS), weights, smoothing, gradients."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.default_rng(6)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def test_regression_losses():
    y, p = RNG.standard_normal((4, 3)), RNG.standard_normal((4, 3)) * 2
    e = p - y
    np.testing.assert_allclose(_run(kf.losses.mean_squared_error(y, p)), np.mean(e ** 2))
    np.testing.assert_allclose(_run(kf.losses.absolute_difference(y, p)), np.mean(np.abs(e)))
    a = np.abs(e)
    huber = np.where(a <= 1.5, 0.5 * e ** 2, 1.5 * (a - 0.75))
    np.testing.assert_allclose(_run(kf.losses.huber_loss(y, p, delta=1.5)), np.mean(huber))
    pr, lab = RNG.uniform(0.05, 0.95, (4, 3)), RNG.integers(0, 2, (4, 3)).astype(np.float64)
    ll = -lab * np.log(pr + 1e-7) - (1 - lab) * np.log(1 - pr + 1e-7)
    np.testing.assert_allclose(_run(kf.losses.log_loss(lab, pr)), np.mean(ll))
    np.testing.assert_allclose(_run(kf.losses.hinge_loss(lab, p)), np.mean(np.maximum(0, 1 - (2 * lab - 1) * p)))
    u, v = y / np.linalg.norm(y, axis=1, keepdims=True), p / np.linalg.norm(p, axis=1, keepdims=True)
    np.testing.assert_allclose(_run(kf.losses.cosine_distance(u, v, axis=1)), np.mean(1 - np.sum(u * v, 1)))
    for fn in (kf.losses.mean_squared_error, kf.losses.absolute_difference, kf.losses.huber_loss):
        check_gradients(lambda q, fn=fn: fn(y, q), [p + 0.01])


def test_weights_and_nonzero_weights_reduction():
    y, p = np.zeros((4, 2)), RNG.standard_normal((4, 2))
    w = np.array([[1.0], [0.0], [2.0], [0.0]])  # broadcasts over the last axis
    expected = np.sum((p ** 2) * w) / 4.0  # 4 elements have a non-zero weight
    np.testing.assert_allclose(_run(kf.losses.mean_squared_error(y, p, weights=w)), expected)
    assert _run(kf.losses.mean_squared_error(y, p, weights=0.0)) == 0.0
    assert _run(kf.losses.mean_squared_error(y, p, weights=np.zeros((4, 1)))) == 0.0
    np.testing.assert_allclose(_run(kf.losses.mean_squared_error(y, p, weights=3.0)), 3 * np.mean(p ** 2))
    with pytest.raises(ValueError, match="weights can not be broadcast"):
        kf.losses.mean_squared_error(y, p, weights=np.ones((4, 3)))


def test_softmax_cross_entropy_with_smoothing_and_weights():
    z = RNG.standard_normal((5, 4))
    onehot = np.eye(4)[[0, 3, 1, 1, 2]]
    w = np.array([1.0, 0.0, 2.0, 1.0, 1.0])
    smooth = onehot * 0.9 + 0.1 / 4
    per = -(smooth * np.log(_softmax(z))).sum(1)
    loss = kf.losses.softmax_cross_entropy(onehot, z, weights=w, label_smoothing=0.1)
    np.testing.assert_allclose(_run(loss), np.sum(per * w) / 4, rtol=1e-12)
    check_gradients(lambda a: kf.losses.softmax_cross_entropy(onehot, a, label_smoothing=0.1), [z])
    oh = kf.placeholder(kf.float64, [None, None])
    dyn = kf.losses.softmax_cross_entropy(oh, z, label_smoothing=0.1)  # class count known only at run time
    np.testing.assert_allclose(_run(dyn, {oh: onehot}), per.mean(), rtol=1e-12)


def test_sparse_softmax_cross_entropy_squeezes_labels_and_weights():
    z = RNG.standard_normal((4, 3)).astype(np.float32)
    y = np.array([[0], [2], [1], [1]], np.int64)
    w = np.array([[1.0], [1.0], [0.0], [1.0]], np.float32)
    per = -np.log(_softmax(z.astype(np.float64))[np.arange(4), y[:, 0]])
    loss = kf.losses.sparse_softmax_cross_entropy(y, z, weights=w)
    assert loss.dtype == kf.float32 and loss.shape.as_list() == []
    np.testing.assert_allclose(_run(loss), np.sum(per * w[:, 0]) / 3, rtol=1e-5)
    check_gradients(lambda a: kf.losses.sparse_softmax_cross_entropy(y[:, 0], a), [z.astype(np.float64)])


def test_sigmoid_cross_entropy_with_smoothing():
    z, lab = RNG.standard_normal((3, 4)), RNG.integers(0, 2, (3, 4)).astype(np.float64)
    t = lab * 0.8 + 0.1
    s = 1 / (1 + np.exp(-z))
    per = -t * np.log(s) - (1 - t) * np.log(1 - s)
    np.testing.assert_allclose(_run(kf.losses.sigmoid_cross_entropy(lab, z, label_smoothing=0.2)), per.mean(),
                               rtol=1e-10)
    check_gradients(lambda a: kf.losses.sigmoid_cross_entropy(lab, a), [z])


def test_int_labels_cast_and_shape_errors():
    loss = kf.losses.mean_squared_error(np.array([1, 2], np.int32), np.array([1.5, 2.0], np.float32))
    assert loss.dtype == kf.float32 and np.isclose(_run(loss), 0.125)
    with pytest.raises(ValueError, match="not compatible"):
        kf.losses.mean_squared_error(kf.zeros([2, 3]), kf.zeros([2, 4]))
    with pytest.raises(ValueError, match="must not be None"):
        kf.losses.absolute_difference(None, kf.zeros([2]))
    with pytest.raises(ValueError, match="axis"):
        kf.losses.cosine_distance(kf.zeros([2]), kf.zeros([2]))
