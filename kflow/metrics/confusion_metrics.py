"""Streaming confusion counts and ``precision`` / ``recall`` (binary; inputs are cast to bool).

Example:
    >>> prec, prec_update = kf.metrics.precision(labels, predictions)
    >>> rec, rec_update = kf.metrics.recall(labels, predictions)
    >>> sess.run([prec_update, rec_update], feed_dict=batch)
"""
from kflow.engine import dtypes
from kflow.engine.ops import comparison_ops, math_ops
from kflow.metrics.metric_utils import collect, metric_scope, metric_variable, prepare, safe_div, \
    weighted_sum_and_count


def _count_condition(condition, weights, metrics_collections, updates_collections):
    """A ``count`` variable summing the (weighted) true entries of the bool ``condition``."""
    count = metric_variable([], dtypes.float32, "count")
    batch_count, _ = weighted_sum_and_count(condition, weights)
    update_op = count.assign_add(batch_count)
    return collect(count.value(), update_op, metrics_collections, updates_collections)


def _confusion_count(kind, label_value, prediction_value):
    def metric(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
        with metric_scope(name, kind, [labels, predictions, weights]):
            labels, predictions, weights = prepare(kind, labels, predictions, weights, dtypes.bool)
            if not label_value:
                labels = comparison_ops.logical_not(labels)
            if not prediction_value:
                predictions = comparison_ops.logical_not(predictions)
            return _count_condition(comparison_ops.logical_and(labels, predictions), weights,
                                    metrics_collections, updates_collections)

    metric.__name__ = kind
    metric.__doc__ = ("The running (weighted) count of %s: label %s and prediction %s (``tf.metrics.%s``)."
                      % (kind.replace("_", " "), label_value, prediction_value, kind))
    return metric


true_positives = _confusion_count("true_positives", True, True)
false_positives = _confusion_count("false_positives", False, True)
true_negatives = _confusion_count("true_negatives", False, False)
false_negatives = _confusion_count("false_negatives", True, False)


def _ratio(kind, counted, other, labels, predictions, weights, metrics_collections, updates_collections, name):
    """``counted / (counted + other)`` over running counts, e.g. precision = tp / (tp + fp)."""
    with metric_scope(name, kind, [labels, predictions, weights]):
        labels, predictions, weights = prepare(kind, labels, predictions, weights, dtypes.bool)
        hits, update_hits = counted(labels, predictions, weights)
        misses, update_misses = other(labels, predictions, weights)
        value = safe_div(hits, math_ops.add(hits, misses), "value")
        update_op = safe_div(update_hits, math_ops.add(update_hits, update_misses), "update_op")
    return collect(value, update_op, metrics_collections, updates_collections)


def precision(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The running precision tp / (tp + fp); 0 while nothing was predicted positive (``tf.metrics.precision``).

    Variables: ``precision/true_positives/count`` and ``precision/false_positives/count``.
    """
    return _ratio("precision", true_positives, false_positives, labels, predictions, weights,
                  metrics_collections, updates_collections, name)


def recall(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The running recall tp / (tp + fn); 0 while no label was positive (``tf.metrics.recall``).

    Variables: ``recall/true_positives/count`` and ``recall/false_negatives/count``.
    """
    return _ratio("recall", true_positives, false_negatives, labels, predictions, weights,
                  metrics_collections, updates_collections, name)
