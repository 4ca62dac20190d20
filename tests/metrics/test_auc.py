"""Streaming AUC: TF's thresholds and Riemann sums, checked against a direct numpy transcription."""
import numpy as np
import pytest

import kflow as kf
from kflow.metrics.auc import default_thresholds


def _reference_auc(labels, preds, weights, num_thresholds, curve, method):
    """TF1's algorithm written out directly: [thresholds x examples] comparisons, then the sum."""
    thr = default_thresholds(num_thresholds)
    above = preds[None, :] > thr[:, None]
    pos = labels.astype(bool)[None, :]
    tp = (above & pos) @ weights
    fn = (~above & pos) @ weights
    tn = (~above & ~pos) @ weights
    fp = (above & ~pos) @ weights
    eps = 1e-6
    rec = (tp + eps) / (tp + fn + eps)
    x, y = (fp / (fp + tn + eps), rec) if curve == "ROC" else (rec, (tp + eps) / (tp + fp + eps))
    h = {"trapezoidal": (y[:-1] + y[1:]) / 2, "minoring": np.minimum(y[:-1], y[1:]),
         "majoring": np.maximum(y[:-1], y[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * h)


def test_thresholds_like_tf():
    t = default_thresholds(5)
    np.testing.assert_allclose(t, [-1e-7, 0.25, 0.5, 0.75, 1 + 1e-7], rtol=1e-6)
    assert t.dtype == np.float32


@pytest.mark.parametrize("curve,method", [("ROC", "trapezoidal"), ("PR", "trapezoidal"), ("ROC", "minoring"),
                                          ("PR", "majoring")])
def test_auc_streams_like_reference(curve, method):
    rng = np.random.RandomState(0)
    labels = kf.placeholder(kf.int32, [None])
    preds = kf.placeholder(kf.float32, [None])
    weights = kf.placeholder(kf.float32, [None])
    value, update = kf.metrics.auc(labels, preds, weights, num_thresholds=50, curve=curve, summation_method=method)
    batches = []
    for n in (30, 17):
        y = rng.randint(0, 2, n)
        p = np.clip(rng.rand(n) * 0.6 + y * 0.3, 0, 1).astype(np.float32)
        p[:3] = [0.0, 1.0, 0.5]  # predictions exactly at the ends and at a threshold
        batches.append((y, p, rng.rand(n).astype(np.float32)))
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        for y, p, w in batches:
            sess.run(update, {labels: y, preds: p, weights: w})
        got = sess.run(value)
    y, p, w = (np.concatenate(parts) for parts in zip(*batches))
    np.testing.assert_allclose(got, _reference_auc(y, p, w.astype(np.float64), 50, curve, method), rtol=1e-5)


def test_auc_approaches_exact_roc_auc_and_names():
    rng = np.random.RandomState(3)
    y = rng.randint(0, 2, 400)
    p = np.clip(rng.rand(400) * 0.7 + y * 0.3, 0, 1)
    value, update = kf.metrics.auc(kf.constant(y), kf.constant(p, kf.float32), num_thresholds=1000)
    assert value.name == "auc/value:0" and update.name == "auc/update_op:0"
    assert [v.name for v in kf.local_variables()] == ["auc/true_positives:0", "auc/false_negatives:0",
                                                      "auc/true_negatives:0", "auc/false_positives:0"]
    assert kf.local_variables()[0].shape.as_list() == [1000]
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        first = sess.run(update)
        assert sess.run(value) == first
    pos, neg = p[y == 1], p[y == 0]
    exact = ((pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()) / (pos.size * neg.size)
    np.testing.assert_allclose(first, exact, atol=5e-3)


def test_auc_errors():
    with pytest.raises(ValueError, match="curve"):
        kf.metrics.auc(kf.constant([1]), kf.constant([0.5]), curve="XY")
    with pytest.raises(ValueError, match="summation_method"):
        kf.metrics.auc(kf.constant([1]), kf.constant([0.5]), summation_method="careful")
    _, update = kf.metrics.auc(kf.constant([1, 0]), kf.constant([0.5, 1.5]))
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        with pytest.raises(kf.errors.InvalidArgumentError, match=r"in \[0, 1\]"):
            sess.run(update)
