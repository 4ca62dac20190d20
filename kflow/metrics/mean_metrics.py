"""Streaming means: ``mean``, ``accuracy``, ``mean_absolute_error``, ``mean_squared_error``.

Each returns ``(value, update_op)``: ``update_op`` adds a batch to the running
``total``/``count`` variables and returns the updated mean; ``value`` reads it.

Example:
    >>> acc, acc_update = kf.metrics.accuracy(labels, kf.argmax(logits, 1))
    >>> sess.run(kf.local_variables_initializer())
    >>> for batch in batches:
    ...     sess.run(acc_update, feed_dict=batch)
    >>> sess.run(acc)
"""
from kflow.engine import dtypes
from kflow.engine.ops import comparison_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.metrics.metric_utils import (collect, metric_scope, metric_variable, prepare, safe_div, _weights,
                                        weighted_sum_and_count)


def mean(values, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """The (weighted) mean of all ``values`` seen so far (``tf.metrics.mean``).

    Variables: ``<scope>/total`` and ``<scope>/count`` (float32, local).
    """
    with metric_scope(name, "mean", [values, weights]):
        values = math_ops.cast(convert_to_tensor(values), dtypes.float32)
        weights = _weights("mean", weights, values)
        total = metric_variable([], dtypes.float32, "total")
        count = metric_variable([], dtypes.float32, "count")
        batch_sum, batch_count = weighted_sum_and_count(values, weights)
        update_total = total.assign_add(batch_sum)
        update_count = count.assign_add(batch_count)
        value = safe_div(total.value(), count.value(), "value")
        update_op = safe_div(update_total, update_count, "update_op")
    return collect(value, update_op, metrics_collections, updates_collections)


def accuracy(labels, predictions, weights=None, metrics_collections=None, updates_collections=None, name=None):
    """How often ``predictions`` equals ``labels`` (``tf.metrics.accuracy``); predictions are cast to the labels'
    dtype, and an ``[N, 1]`` side is squeezed to match ``[N]``."""
    with metric_scope(name, "accuracy", [labels, predictions, weights]) as scope:
        labels = convert_to_tensor(labels)
        predictions = convert_to_tensor(predictions)
        if predictions.dtype is not labels.dtype:
            predictions = math_ops.cast(predictions, labels.dtype)
        labels, predictions, weights = prepare("accuracy", labels, predictions, weights)
        is_correct = math_ops.cast(comparison_ops.equal(predictions, labels), dtypes.float32)
        return mean(is_correct, weights, metrics_collections, updates_collections, name=scope)


def mean_absolute_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                        name=None):
    """The running mean of ``|predictions - labels|`` (``tf.metrics.mean_absolute_error``)."""
    with metric_scope(name, "mean_absolute_error", [labels, predictions, weights]) as scope:
        labels, predictions, weights = prepare("mean_absolute_error", labels, predictions, weights, dtypes.float32)
        return mean(math_ops.abs(predictions - labels), weights, metrics_collections, updates_collections,
                    name=scope)


def mean_squared_error(labels, predictions, weights=None, metrics_collections=None, updates_collections=None,
                       name=None):
    """The running mean of ``(predictions - labels)**2`` (``tf.metrics.mean_squared_error``)."""
    with metric_scope(name, "mean_squared_error", [labels, predictions, weights]) as scope:
        labels, predictions, weights = prepare("mean_squared_error", labels, predictions, weights, dtypes.float32)
        return mean(math_ops.squared_difference(predictions, labels), weights, metrics_collections,
                    updates_collections, name=scope)
