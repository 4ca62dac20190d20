"""Fused cross-entropy ops: values, stability for huge logits, gradients for logits (and labels for _v2)."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
import nn_refs

RNG = np.random.default_rng(3)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _soft_labels(shape):
    p = RNG.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=-1, keepdims=True)


def test_softmax_xent_values_and_backprop_output():
    z, y = RNG.standard_normal((4, 5)), _soft_labels((4, 5))
    loss = kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z)
    expected = -(y * np.log(nn_refs.softmax(z))).sum(axis=1)
    np.testing.assert_allclose(_run(loss), expected, rtol=1e-12)
    # the fused op's second output is the backprop softmax - labels
    np.testing.assert_allclose(_run(loss.op.outputs[1]), nn_refs.softmax(z) - y, rtol=1e-12, atol=1e-15)


def test_softmax_xent_gradients_logits_and_labels():
    z, y = RNG.standard_normal((3, 4)), _soft_labels((3, 4))
    check_gradients(lambda a, b: kf.nn.softmax_cross_entropy_with_logits_v2(labels=b, logits=a), [z, y])
    zt, yt = kf.constant(z), kf.constant(y)
    v1 = kf.nn.softmax_cross_entropy_with_logits(labels=yt, logits=zt)
    g_logits, g_labels = kf.gradients(kf.reduce_sum(v1), [zt, yt])
    assert g_labels is None  # TF1's v1 does not backprop into labels
    np.testing.assert_allclose(_run(g_logits), nn_refs.softmax(z) - y, rtol=1e-12, atol=1e-15)


def test_softmax_xent_second_order():
    z, y = RNG.standard_normal((2, 3)), _soft_labels((2, 3))

    def grad_of(a):
        loss = kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=a)
        return kf.gradients(kf.reduce_sum(loss), a)[0]
    check_gradients(grad_of, [z])


def test_softmax_xent_other_axis_and_rank():
    z, y = RNG.standard_normal((2, 4, 3)), _soft_labels((2, 3, 4)).transpose(0, 2, 1)
    loss = kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=z, axis=1)
    assert loss.shape.as_list() == [2, 3]
    np.testing.assert_allclose(_run(loss), -(y * np.log(nn_refs.softmax(z, 1))).sum(axis=1), rtol=1e-12)
    check_gradients(lambda a: kf.nn.softmax_cross_entropy_with_logits_v2(labels=y, logits=a, axis=1), [z])
    l1 = kf.nn.softmax_cross_entropy_with_logits_v2(labels=[0.0, 1.0], logits=[1.0, 2.0])
    assert l1.shape.as_list() == [] and np.isclose(_run(l1), np.log1p(np.exp(-1.0)))


def test_sparse_xent_values_gradients_and_rank3():
    z, y = RNG.standard_normal((5, 4)), np.array([0, 3, 1, 1, 2], np.int32)
    loss = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z)
    np.testing.assert_allclose(_run(loss), -np.log(nn_refs.softmax(z)[np.arange(5), y]), rtol=1e-12)
    check_gradients(lambda a: kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=a), [z])
    z3, y3 = RNG.standard_normal((2, 3, 4)), RNG.integers(0, 4, (2, 3)).astype(np.int64)
    l3 = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y3, logits=z3)
    assert l3.shape.as_list() == [2, 3]
    p = nn_refs.softmax(z3)
    np.testing.assert_allclose(_run(l3), -np.log(np.take_along_axis(p, y3[..., None], -1)[..., 0]), rtol=1e-12)
    check_gradients(lambda a: kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y3, logits=a), [z3])


def test_sparse_xent_second_order():
    z = RNG.standard_normal((3, 4))

    def grad_of(a):
        loss = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 0, 3], logits=a)
        return kf.gradients(kf.reduce_sum(loss), a)[0]
    check_gradients(grad_of, [z])


def test_huge_logits_are_stable():
    z = np.array([[1e4, 0.0, -1e4], [-1e4, -1e4, 1e4]], np.float32)
    onehot = np.array([[0, 1, 0], [0, 0, 1]], np.float32)
    dense = kf.nn.softmax_cross_entropy_with_logits_v2(labels=onehot, logits=z)
    sparse = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=[1, 2], logits=z)
    sig = kf.nn.sigmoid_cross_entropy_with_logits(labels=onehot, logits=z)
    zt = dense.op.inputs[0]
    grads = kf.gradients(kf.reduce_sum(dense) + kf.reduce_sum(sig), zt)
    values = _run([dense, sparse, sig] + grads)
    for v in values:
        assert np.all(np.isfinite(v))
    np.testing.assert_allclose(values[0], [1e4, 0.0])
    np.testing.assert_allclose(values[1], [1e4, 0.0])
    np.testing.assert_allclose(values[2], [[1e4, np.log(2.0), 0], [0, 0, 0]], rtol=1e-6)


def test_sigmoid_xent_values_and_gradients():
    z, y = RNG.standard_normal((3, 4)) * 3, RNG.uniform(0, 1, (3, 4))
    loss = kf.nn.sigmoid_cross_entropy_with_logits(labels=y, logits=z)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(_run(loss), -y * np.log(s) - (1 - y) * np.log(1 - s), rtol=1e-10)
    check_gradients(lambda a, b: kf.nn.sigmoid_cross_entropy_with_logits(labels=b, logits=a), [z, y])

    def grad_of(a, b):
        loss = kf.nn.sigmoid_cross_entropy_with_logits(labels=b, logits=a)
        return kf.gradients(kf.reduce_sum(loss * loss), a)[0]
    check_gradients(grad_of, [z, y])


def test_weighted_cross_entropy():
    z, y = RNG.standard_normal((3, 2)), RNG.uniform(0, 1, (3, 2))
    loss = kf.nn.weighted_cross_entropy_with_logits(labels=y, logits=z, pos_weight=3.0)
    s = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(_run(loss), -3 * y * np.log(s) - (1 - y) * np.log(1 - s), rtol=1e-10)
    check_gradients(lambda a: kf.nn.weighted_cross_entropy_with_logits(labels=y, logits=a, pos_weight=3.0), [z])


def test_xent_errors():
    with pytest.raises(ValueError, match="same shape"):
        kf.nn.softmax_cross_entropy_with_logits_v2(labels=kf.zeros([2, 3]), logits=kf.zeros([2, 4]))
    with pytest.raises(ValueError, match="named arguments"):
        kf.nn.softmax_cross_entropy_with_logits(kf.zeros([2, 3]), kf.zeros([2, 3]))
    with pytest.raises(TypeError, match="integer"):
        kf.nn.sparse_softmax_cross_entropy_with_logits(labels=kf.zeros([2]), logits=kf.zeros([2, 3]))
    with pytest.raises(ValueError, match="labels shape"):
        kf.nn.sparse_softmax_cross_entropy_with_logits(labels=kf.zeros([2, 1], kf.int32), logits=kf.zeros([2, 3]))
    with pytest.raises(ValueError, match="same shape"):
        kf.nn.sigmoid_cross_entropy_with_logits(labels=kf.zeros([3]), logits=kf.zeros([2]))
    lab = kf.placeholder(kf.int32, [None])
    loss = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=lab, logits=kf.zeros([2, 3]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="label value of 3 .* range of \\[0, 3\\)"):
        _run(loss, {lab: [0, 3]})
