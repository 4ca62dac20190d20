"""Streaming ``auc``: area under the ROC or PR curve from confusion counts at fixed thresholds.

As in TF1, ``num_thresholds`` thresholds are spread evenly over [0, 1] (the
first just below 0, the last just above 1); the update adds, per threshold,
the (weighted) true/false positives/negatives of a batch, and the value is a
Riemann sum over consecutive thresholds (trapezoidal by default).

Example:
    >>> auc, auc_update = kf.metrics.auc(labels, kf.sigmoid(logits))
    >>> sess.run(kf.local_variables_initializer())
    >>> sess.run(auc_update, feed_dict=batch)
"""
import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops import math_ops, reduction_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.metrics.metric_utils import collect, metric_scope, metric_variable, prepare

_KEPSILON = 1e-7  # TF's margin so that predictions of exactly 0 and 1 fall inside the outer thresholds
_SUMMATIONS = ("trapezoidal", "minoring", "majoring")


def default_thresholds(num_thresholds):
    """TF's thresholds: ``[-eps, 1/(n-1), ..., (n-2)/(n-1), 1+eps]``."""
    inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    return np.array([0.0 - _KEPSILON] + inner + [1.0 + _KEPSILON], np.float32)


def _confusion_kernel(labels, predictions, weights, thresholds):
    xp = devices.array_module(predictions)
    preds = predictions.reshape(-1)
    if preds.size and (float(preds.min()) < 0 or float(preds.max()) > 1):
        raise errors.InvalidArgumentError(None, None, "auc: predictions must be in [0, 1], got values in "
                                          "[%g, %g]" % (float(preds.min()), float(preds.max())))
    w = xp.broadcast_to(weights, predictions.shape).reshape(-1).astype(np.float64)
    pos = labels.reshape(-1).astype(bool)
    order = xp.argsort(preds)  # ties need no order: lookups land past all equal values
    # Cumulative weights of positives/negatives up to each sorted prediction: a threshold's counts
    # are then two lookups, O(N log N) in all instead of O(N * num_thresholds).
    zero = xp.zeros(1, np.float64)
    cum_pos = xp.concatenate([zero, xp.cumsum((w * pos)[order])])
    cum_neg = xp.concatenate([zero, xp.cumsum((w * ~pos)[order])])
    at_or_below = xp.searchsorted(preds[order], xp.asarray(thresholds), side="right")
    fn, tn = cum_pos[at_or_below], cum_neg[at_or_below]
    tp, fp = cum_pos[-1] - fn, cum_neg[-1] - tn
    return tuple(x.astype(np.float32) for x in (tp, fn, tn, fp))


CONFUSION_AT_THRESHOLDS = OpDef("ConfusionAtThresholds", _confusion_kernel, grad=None)


def confusion_at_thresholds(labels, predictions, weights, thresholds):
    """Per-threshold (weighted) ``tp, fn, tn, fp`` float32 vectors of one batch (prediction > threshold)."""
    n = len(thresholds)
    op = make_op(CONFUSION_AT_THRESHOLDS, [labels, predictions, weights], [(dtypes.float32, [n])] * 4,
                 "confusion_at_thresholds", attrs={"num_thresholds": n}, params={"thresholds": thresholds})
    return op.outputs


def _area(tp, fn, tn, fp, curve, summation_method, name):
    epsilon = 1.0e-6
    recall = (tp + epsilon) / (tp + fn + epsilon)
    if curve == "ROC":
        x, y = fp / (fp + tn + epsilon), recall
    else:
        x, y = recall, (tp + epsilon) / (tp + fp + epsilon)
    if summation_method == "trapezoidal":
        heights = (y[:-1] + y[1:]) / 2.0
    elif summation_method == "minoring":
        heights = math_ops.minimum(y[:-1], y[1:])
    else:
        heights = math_ops.maximum(y[:-1], y[1:])
    return reduction_ops.reduce_sum((x[:-1] - x[1:]) * heights, name=name)


def auc(labels, predictions, weights=None, num_thresholds=200, metrics_collections=None, updates_collections=None,
        curve="ROC", name=None, summation_method="trapezoidal", thresholds=None):
    """The approximate area under the ROC (or PR) curve (``tf.metrics.auc``).

    Args:
        labels: bool-castable labels.
        predictions: float probabilities in [0, 1] (running the update raises otherwise).
        weights: optional weights broadcastable to ``predictions``.
        num_thresholds: number of thresholds (>= 2) when ``thresholds`` is not given.
        curve: "ROC" or "PR".
        summation_method: "trapezoidal", "minoring" or "majoring".
        thresholds: optional explicit thresholds (0 - eps and 1 + eps are added at the ends).

    Variables: ``auc/true_positives``, ``auc/false_negatives``, ``auc/true_negatives``, ``auc/false_positives``.
    """
    if curve not in ("ROC", "PR"):
        raise ValueError("curve must be 'ROC' or 'PR', got %r" % (curve,))
    if summation_method not in _SUMMATIONS:
        raise ValueError("summation_method must be one of %s, got %r" % (", ".join(_SUMMATIONS), summation_method))
    if thresholds is not None:
        thresholds = np.array([0.0 - _KEPSILON] + sorted(float(t) for t in thresholds) + [1.0 + _KEPSILON],
                              np.float32)
    else:
        if num_thresholds < 2:
            raise ValueError("auc: num_thresholds must be >= 2, got %d" % num_thresholds)
        thresholds = default_thresholds(num_thresholds)
    with metric_scope(name, "auc", [labels, predictions, weights]):
        labels, predictions, weights = prepare("auc", math_ops.cast(convert_to_tensor(labels), dtypes.bool),
                                               math_ops.cast(convert_to_tensor(predictions), dtypes.float32),
                                               weights)
        if weights is None:
            weights = convert_to_tensor(np.float32(1.0))
        names = ("true_positives", "false_negatives", "true_negatives", "false_positives")
        counts = [metric_variable([len(thresholds)], dtypes.float32, n) for n in names]
        batch = confusion_at_thresholds(labels, predictions, weights, thresholds)
        updates = [v.assign_add(b) for v, b in zip(counts, batch)]
        value = _area(*[v.value() for v in counts], curve, summation_method, "value")
        update_op = _area(*updates, curve, summation_method, "update_op")
    return collect(value, update_op, metrics_collections, updates_collections)
