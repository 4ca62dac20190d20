"""compute_weighted_loss reductions and the LOSSES / REGULARIZATION_LOSSES collection helpers."""
import numpy as np
import pytest

import kflow as kf
from kflow.losses import Reduction

LOSSES = np.array([[1.0, 2.0], [3.0, 4.0]])
WEIGHTS = np.array([[1.0, 0.0], [2.0, 1.0]])


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


@pytest.mark.parametrize("reduction,expected", [
    (Reduction.NONE, LOSSES * WEIGHTS),
    (Reduction.SUM, 11.0),
    (Reduction.MEAN, 11.0 / 4.0),
    (Reduction.SUM_OVER_BATCH_SIZE, 11.0 / 4.0),
    (Reduction.SUM_BY_NONZERO_WEIGHTS, 11.0 / 3.0),
])
def test_reductions(reduction, expected):
    loss = kf.losses.compute_weighted_loss(LOSSES, WEIGHTS, reduction=reduction)
    np.testing.assert_allclose(_run(loss), expected)
    assert kf.losses.get_losses() == [loss]


@pytest.mark.parametrize("weights", [3.0, np.array([[1.0, 0.0], [2.0, 2.0]]), np.array([[0.5], [2.0]])])
def test_each_reduction_divides_by_its_own_count(weights):
    # the weights are chosen so that sum(weights), the element count and the non-zero count all differ
    w = np.broadcast_to(weights, LOSSES.shape)
    total = np.sum(LOSSES * w)
    expected = {Reduction.SUM: total, Reduction.MEAN: total / w.sum(), Reduction.SUM_OVER_BATCH_SIZE: total / 4,
                Reduction.SUM_BY_NONZERO_WEIGHTS: total / np.count_nonzero(w)}
    for reduction, want in expected.items():
        np.testing.assert_allclose(_run(kf.losses.compute_weighted_loss(LOSSES, weights, reduction=reduction)),
                                   want, rtol=1e-12)


def test_default_reduction_with_dynamic_and_empty_batch():
    per = kf.placeholder(kf.float32, [None])
    loss = kf.losses.compute_weighted_loss(per)
    assert np.isclose(_run(loss, {per: [1.0, 2.0, 6.0]}), 3.0)
    assert _run(loss, {per: np.zeros(0, np.float32)}) == 0.0  # no elements: 0, not nan
    w = kf.placeholder(kf.float32, [None])
    wl = kf.losses.compute_weighted_loss(per, w, loss_collection=None)
    assert _run(wl, {per: [1.0, 5.0], w: [0.0, 0.0]}) == 0.0
    assert len(kf.losses.get_losses()) == 1  # loss_collection=None adds nothing


def test_invalid_reduction():
    with pytest.raises(ValueError, match="Invalid Reduction"):
        kf.losses.compute_weighted_loss(LOSSES, reduction="bogus")


def test_total_loss_includes_regularization():
    v = kf.Variable([3.0, 4.0])
    kf.add_to_collection(kf.GraphKeys.REGULARIZATION_LOSSES, kf.nn.l2_loss(v))
    assert kf.losses.get_regularization_losses()[0].op.type == "L2Loss"
    data = kf.losses.mean_squared_error([1.0], [3.0])
    kf.losses.add_loss(kf.constant(1.0))
    total = kf.losses.get_total_loss()
    no_reg = kf.losses.get_total_loss(add_regularization_losses=False)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert np.isclose(sess.run(total), 4.0 + 1.0 + 12.5)
        assert np.isclose(sess.run(no_reg), 5.0)
        assert np.isclose(sess.run(kf.losses.get_regularization_loss()), 12.5)
    assert total.name == "total_loss:0" and data in kf.losses.get_losses()


def test_empty_collections():
    assert _run(kf.losses.get_regularization_loss()) == 0.0
    with pytest.raises(ValueError, match="no losses"):
        kf.losses.get_total_loss()
