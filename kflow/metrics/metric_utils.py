"""Shared pieces of the streaming metrics: accumulator variables, safe division, input preparation.

Every metric keeps running totals in local variables (collections
``LOCAL_VARIABLES`` and ``METRIC_VARIABLES``, not trainable), initialized
to zero by ``kf.local_variables_initializer()``; its ``update_op`` adds one
batch and its value tensor reads the totals, as in TF1's ``tf.metrics``.

Example:
    >>> total = metric_variable([], kf.float32, "total")
    >>> ratio = safe_div(total, count, "value")   # 0 while count == 0
"""
import contextlib

from kflow.engine import dtypes, graph as graph_mod, shapes
from kflow.engine.graph import GraphKeys
from kflow.engine.operation import build_error
from kflow.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.variables import Variable

METRIC_COLLECTIONS = [GraphKeys.LOCAL_VARIABLES, GraphKeys.METRIC_VARIABLES]


def metric_variable(shape, dtype, name):
    """A zero-initialized, non-trainable accumulator in LOCAL_VARIABLES and METRIC_VARIABLES."""
    dtype = dtypes.as_dtype(dtype)
    return Variable(lambda: array_ops.zeros(shape, dtype), trainable=False, collections=METRIC_COLLECTIONS,
                    name=name, dtype=dtype)


def safe_div(numerator, denominator, name):
    """``numerator / denominator`` where ``denominator > 0``, else 0 (TF's ``_safe_div``), with no 0/0 warning."""
    positive = comparison_ops.greater(denominator, 0.0)
    safe_den = array_ops.where(positive, denominator, array_ops.ones_like(denominator))
    return array_ops.where(positive, math_ops.divide(numerator, safe_den), array_ops.zeros_like(numerator),
                           name=name)


@contextlib.contextmanager
def metric_scope(name, default_name, values):
    """The metric's (uniquified) name scope, in the graph of ``values``."""
    values = [v for v in values if v is not None]
    g = graph_mod._graph_of(values) if values else graph_mod.get_default_graph()
    with g.as_default(), g.name_scope(name or default_name) as scope:
        yield scope


def _squeeze_last(x):
    dims = x.shape.dims[:-1]
    if sum(d is None for d in dims) <= 1:
        return array_ops.reshape(x, [-1 if d is None else d for d in dims])
    return array_ops.reshape(x, array_ops.shape(x)[:-1])


def remove_squeezable_dimensions(predictions, labels):
    """Drops a trailing size-1 dimension that makes ranks differ by one (``[N, 1]`` vs ``[N]``)."""
    p, lab = predictions.shape, labels.shape
    if p.ndims is not None and lab.ndims is not None:
        if p.ndims == lab.ndims + 1 and p.dims[-1] == 1:
            predictions = _squeeze_last(predictions)
        elif lab.ndims == p.ndims + 1 and lab.dims[-1] == 1:
            labels = _squeeze_last(labels)
    return predictions, labels


def prepare(metric, labels, predictions, weights=None, dtype=None):
    """Converts and shape-checks ``labels``/``predictions`` (cast to ``dtype`` if given) and ``weights``."""
    labels = convert_to_tensor(labels)
    predictions = convert_to_tensor(predictions)
    if dtype is not None:
        labels, predictions = math_ops.cast(labels, dtype), math_ops.cast(predictions, dtype)
    predictions, labels = remove_squeezable_dimensions(predictions, labels)
    if not predictions.shape.is_compatible_with(labels.shape):
        raise build_error(metric, metric, [labels, predictions], "%s: labels shape %s and predictions shape %s "
                          "are incompatible" % (metric, labels.shape, predictions.shape))
    return labels, predictions, _weights(metric, weights, predictions)


def _weights(metric, weights, values):
    if weights is None:
        return None
    weights = math_ops.cast(convert_to_tensor(weights), dtypes.float32)
    w, v = weights.shape, values.shape
    if w.ndims is not None and v.ndims is not None and w.ndims == v.ndims + 1 and w.dims[-1] == 1:
        weights = _squeeze_last(weights)
    try:
        ok = shapes.broadcast_static(weights.shape, values.shape).is_compatible_with(values.shape)
    except ValueError:
        ok = False
    if not ok:
        raise build_error(metric, metric, [values, weights], "%s: weights of shape %s cannot be broadcast to the "
                          "values' shape %s" % (metric, weights.shape, values.shape))
    return weights


def weighted_sum_and_count(values, weights):
    """``(sum(values * weights), sum(broadcast weights))``, or ``(sum(values), size(values))`` without weights."""
    values = math_ops.cast(values, dtypes.float32)
    if weights is None:
        return reduction_ops.reduce_sum(values), math_ops.cast(array_ops.size(values), dtypes.float32)
    weights = math_ops.multiply(weights, array_ops.ones_like(values))
    return reduction_ops.reduce_sum(math_ops.multiply(values, weights)), reduction_ops.reduce_sum(weights)


def collect(metric_value, update_op, metrics_collections, updates_collections):
    """Adds the pair to the requested collections and returns it."""
    g = update_op.graph
    if metrics_collections:
        g.add_to_collections(metrics_collections, metric_value)
    if updates_collections:
        g.add_to_collections(updates_collections, update_op)
    return metric_value, update_op
