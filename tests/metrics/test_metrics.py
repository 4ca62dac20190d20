"""Streaming metrics: mean, accuracy, error means, confusion counts, precision and recall, over batches."""
import numpy as np
import pytest

import kflow as kf


def _stream(value, update, feeds):
    """Runs ``update`` once per feed dict from freshly initialized locals; returns (updates, final value)."""
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        assert sess.run(value) == 0.0  # nothing seen yet: safe division gives 0
        updates = [sess.run(update, f) for f in feeds]
        return updates, sess.run(value)


def test_mean_variables_names_and_collections():
    value, update = kf.metrics.mean(kf.constant([1.0, 2.0]))
    local = kf.get_collection(kf.GraphKeys.LOCAL_VARIABLES)
    assert [v.name for v in local] == ["mean/total:0", "mean/count:0"]
    assert kf.get_collection(kf.GraphKeys.METRIC_VARIABLES) == local
    assert kf.global_variables() == [] and kf.trainable_variables() == []
    assert (value.name, update.name) == ("mean/value:0", "mean/update_op:0")
    value2, _ = kf.metrics.mean(kf.constant(1.0))
    assert value2.name == "mean_1/value:0"


def test_mean_weighted_over_batches():
    x = kf.placeholder(kf.float32, [None])
    w = kf.placeholder(kf.float32, [None])
    value, update = kf.metrics.mean(x, weights=w, metrics_collections=["m"], updates_collections=["u"])
    assert kf.get_collection("m") == [value] and kf.get_collection("u") == [update]
    batches = [([1.0, 2.0], [1.0, 3.0]), ([10.0], [0.0]), ([4.0, 0.0, 2.0], [1.0, 1.0, 2.0])]
    updates, final = _stream(value, update, [{x: a, w: b} for a, b in batches])
    xs = np.concatenate([a for a, _ in batches])
    ws = np.concatenate([b for _, b in batches])
    np.testing.assert_allclose(final, (xs * ws).sum() / ws.sum(), rtol=1e-6)
    np.testing.assert_allclose(updates[0], 7.0 / 4.0, rtol=1e-6)
    assert updates[-1] == final


def test_accuracy_matches_numpy_with_squeeze_and_casts():
    labels = kf.placeholder(kf.int64, [None])
    predictions = kf.placeholder(kf.int32, [None, 1])  # [N, 1] vs [N] is squeezed; int32 cast to int64
    value, update = kf.metrics.accuracy(labels, predictions)
    rng = np.random.RandomState(0)
    feeds = [{labels: rng.randint(0, 3, n), predictions: rng.randint(0, 3, (n, 1))} for n in (5, 7, 1)]
    _, final = _stream(value, update, feeds)
    hits = sum(int((f[labels] == f[predictions][:, 0]).sum()) for f in feeds)
    np.testing.assert_allclose(final, hits / 13.0, rtol=1e-6)
    assert [v.name for v in kf.local_variables()] == ["accuracy/total:0", "accuracy/count:0"]


def test_accuracy_with_weights_and_argmax():
    logits = kf.constant([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    value, update = kf.metrics.accuracy(kf.constant([1, 1, 1], kf.int64), kf.argmax(logits, 1),
                                        weights=kf.constant([[1.0], [2.0], [1.0]]))
    _, final = _stream(value, update, [None])
    np.testing.assert_allclose(final, 2.0 / 4.0)


def test_error_means():
    labels = kf.constant([1.0, 2.0, 4.0])
    preds = kf.constant([2.0, 2.0, 1.0])
    mae, mae_up = kf.metrics.mean_absolute_error(labels, preds)
    mse, mse_up = kf.metrics.mean_squared_error(labels, preds)
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        sess.run([mae_up, mse_up])
        np.testing.assert_allclose(sess.run([mae, mse]), [4.0 / 3, 10.0 / 3], rtol=1e-6)


def test_confusion_counts_precision_recall():
    labels = kf.placeholder(kf.int64, [None])
    preds = kf.placeholder(kf.float32, [None])  # non-zero predictions count as positive
    metrics = {name: getattr(kf.metrics, name)(labels, preds) for name in (
        "true_positives", "false_positives", "true_negatives", "false_negatives", "precision", "recall")}
    rng = np.random.RandomState(1)
    feeds = [{labels: rng.randint(0, 2, n), preds: rng.randint(0, 2, n).astype(np.float32)} for n in (6, 9)]
    with kf.Session() as sess:
        sess.run(kf.local_variables_initializer())
        for f in feeds:
            sess.run([u for _, u in metrics.values()], f)
        got = sess.run({k: v for k, (v, _) in metrics.items()})
    y = np.concatenate([f[labels] for f in feeds]).astype(bool)
    p = np.concatenate([f[preds] for f in feeds]).astype(bool)
    tp, fp, tn, fn = (y & p).sum(), (~y & p).sum(), (~y & ~p).sum(), (y & ~p).sum()
    assert [got[k] for k in ("true_positives", "false_positives", "true_negatives", "false_negatives")] == \
        [tp, fp, tn, fn]
    np.testing.assert_allclose([got["precision"], got["recall"]], [tp / (tp + fp), tp / (tp + fn)], rtol=1e-6)
    names = [v.name for v in kf.local_variables()]
    assert "precision/true_positives/count:0" in names and "recall/false_negatives/count:0" in names


def test_precision_is_zero_without_positive_predictions_and_update_value_agree():
    value, update = kf.metrics.precision(kf.constant([True, True]), kf.constant([False, False]))
    updates, final = _stream(value, update, [None])
    assert updates == [0.0] and final == 0.0


def test_weighted_recall():
    value, update = kf.metrics.recall(kf.constant([1, 1, 1, 0]), kf.constant([1, 0, 1, 1]),
                                      weights=kf.constant([1.0, 3.0, 0.0, 5.0]))
    _, final = _stream(value, update, [None])
    np.testing.assert_allclose(final, 1.0 / 4.0)


def test_metrics_reset_with_local_initializer_and_are_per_session():
    value, update = kf.metrics.mean(kf.constant([2.0, 4.0]))
    with kf.Session() as a, kf.Session() as b:
        for s in (a, b):
            s.run(kf.local_variables_initializer())
        a.run(update)
        a.run(update)
        assert (a.run(value), b.run(value)) == (3.0, 0.0)
        a.run(kf.local_variables_initializer())
        assert a.run(value) == 0.0


def test_shape_errors_are_clear():
    with pytest.raises(ValueError, match=r"accuracy: labels shape \(3,\) and predictions shape \(4,\)"):
        kf.metrics.accuracy(kf.zeros([3]), kf.zeros([4]))
    with pytest.raises(ValueError, match="weights of shape"):
        kf.metrics.mean(kf.zeros([3]), weights=kf.ones([2]))
