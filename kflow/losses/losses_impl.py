"""TF 1.x ``tf.losses`` functions: per-element losses reduced by ``compute_weighted_loss``.

Every function takes ``weights`` (scalar or broadcastable to the per-element losses), a ``scope``
name, the ``loss_collection`` to add the result to (``GraphKeys.LOSSES``) and a ``reduction``
(default ``Reduction.SUM_BY_NONZERO_WEIGHTS``). Integer inputs are cast to float32; float64 inputs
stay float64 (TF 1.x casts everything to float32).

Example:
    >>> loss = kf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    >>> loss = kf.losses.huber_loss(targets, predictions, delta=2.0, weights=mask)
"""
from kflow.engine.graph import GraphKeys, get_default_graph
from kflow.engine.operation import build_error
from kflow.engine.ops import array_ops, math_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.control_flow_ops import stop_gradient
from kflow.engine.ops.nn_ops import relu
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.engine.ops.xent_ops import (softmax_cross_entropy_with_logits_v2, sparse_softmax_cross_entropy_with_logits,
                                       sigmoid_cross_entropy_with_logits)
from kflow.losses.reduction import Reduction, compute_weighted_loss, as_float

_DEFAULT = Reduction.SUM_BY_NONZERO_WEIGHTS


def _pair(fn_name, labels, predictions, label_arg="labels", pred_arg="predictions"):
    """Both arguments as float tensors of one dtype and compatible shapes."""
    if labels is None:
        raise ValueError("%s: %s must not be None." % (fn_name, label_arg))
    if predictions is None:
        raise ValueError("%s: %s must not be None." % (fn_name, pred_arg))
    p = as_float(predictions)
    l = as_float(labels) if is_tensor_like(labels) else convert_to_tensor(labels, dtype=p.dtype)
    if l.dtype is not p.dtype:
        l = math_ops.cast(l, p.dtype)
    if not p.shape.is_compatible_with(l.shape):
        raise build_error(fn_name, None, [l, p], "%s: %s shape %s is not compatible with %s shape %s" % (
            fn_name, pred_arg, p.shape, label_arg, l.shape))
    return l, p


def _scope(scope, default):
    return get_default_graph().name_scope(scope or default)


def absolute_difference(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                        reduction=_DEFAULT):
    """Weighted ``|predictions - labels|``."""
    with _scope(scope, "absolute_difference"):
        l, p = _pair("absolute_difference", labels, predictions)
        losses = math_ops.abs(math_ops.subtract(p, l))
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def mean_squared_error(labels, predictions, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                       reduction=_DEFAULT):
    """Weighted ``(predictions - labels) ** 2``.

    Example:
        >>> kf.losses.mean_squared_error([[1.0], [2.0]], [[1.5], [2.0]])   # 0.125
    """
    with _scope(scope, "mean_squared_error"):
        l, p = _pair("mean_squared_error", labels, predictions)
        losses = math_ops.squared_difference(p, l)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def huber_loss(labels, predictions, weights=1.0, delta=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
               reduction=_DEFAULT):
    """``0.5 * e**2`` for ``|e| <= delta``, ``delta * (|e| - 0.5 * delta)`` beyond, with
    ``e = predictions - labels``."""
    with _scope(scope, "huber_loss"):
        l, p = _pair("huber_loss", labels, predictions)
        abs_error = math_ops.abs(math_ops.subtract(p, l))
        quadratic = math_ops.minimum(abs_error, delta)
        linear = math_ops.subtract(abs_error, quadratic)
        losses = math_ops.add(0.5 * math_ops.multiply(quadratic, quadratic), math_ops.multiply(linear, delta))
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def log_loss(labels, predictions, weights=1.0, epsilon=1e-7, scope=None, loss_collection=GraphKeys.LOSSES,
             reduction=_DEFAULT):
    """Binary log loss of probabilities: ``-labels*log(p + eps) - (1 - labels)*log(1 - p + eps)``."""
    with _scope(scope, "log_loss"):
        l, p = _pair("log_loss", labels, predictions)
        losses = -math_ops.multiply(l, math_ops.log(p + epsilon)) - math_ops.multiply(
            1.0 - l, math_ops.log(1.0 - p + epsilon))
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def hinge_loss(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """``max(0, 1 - (2 * labels - 1) * logits)`` for labels in {0, 1}."""
    with _scope(scope, "hinge_loss"):
        l, x = _pair("hinge_loss", labels, logits, pred_arg="logits")
        losses = relu(1.0 - (2.0 * l - 1.0) * x)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def cosine_distance(labels, predictions, axis=None, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                    reduction=_DEFAULT, dim=None):
    """``1 - sum(labels * predictions, axis)`` for unit-normalized inputs."""
    axis = dim if axis is None else axis
    if axis is None:
        raise ValueError("cosine_distance: you must specify 'axis'.")
    with _scope(scope, "cosine_distance_loss"):
        l, p = _pair("cosine_distance", labels, predictions)
        losses = 1.0 - reduce_sum(math_ops.multiply(p, l), axis, keepdims=True)
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def softmax_cross_entropy(onehot_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """Softmax cross-entropy against one-hot (or soft) labels; no gradient flows into the labels.

    With ``label_smoothing`` s, labels become ``labels * (1 - s) + s / num_classes``.

    Example:
        >>> kf.losses.softmax_cross_entropy(kf.one_hot(y, 10), logits, label_smoothing=0.1)
    """
    with _scope(scope, "softmax_cross_entropy_loss"):
        l, x = _pair("softmax_cross_entropy", onehot_labels, logits, "onehot_labels", "logits")
        if label_smoothing > 0:
            dims = l.shape.dims
            classes = dims[-1] if dims is not None and dims[-1] is not None else \
                math_ops.cast(array_ops.shape(l)[-1], l.dtype)
            l = l * (1.0 - label_smoothing) + label_smoothing / classes
        l = stop_gradient(l, name="labels_stop_gradient")
        losses = softmax_cross_entropy_with_logits_v2(labels=l, logits=x, name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def _squeeze_last(t, rank):
    """``t`` without a trailing size-1 axis when its rank is ``rank`` (labels/weights given as [batch, 1])."""
    if t.shape.ndims == rank and t.shape.dims[-1] in (1, None):
        return shape_ops.squeeze(t, [-1])
    return t


def sparse_softmax_cross_entropy(labels, logits, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                                 reduction=_DEFAULT):
    """Softmax cross-entropy against integer class ids (``[batch]``, or ``[batch, 1]``).

    Example:
        >>> kf.losses.sparse_softmax_cross_entropy(labels=y, logits=logits)
    """
    with _scope(scope, "sparse_softmax_cross_entropy_loss"):
        x = convert_to_tensor(logits)
        y = convert_to_tensor(labels)
        if x.shape.ndims is not None:
            y = _squeeze_last(y, x.shape.ndims)
            if is_tensor_like(weights) or not isinstance(weights, (int, float)):
                weights = _squeeze_last(convert_to_tensor(weights), x.shape.ndims)
        losses = sparse_softmax_cross_entropy_with_logits(labels=y, logits=x, name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)


def sigmoid_cross_entropy(multi_class_labels, logits, weights=1.0, label_smoothing=0, scope=None,
                          loss_collection=GraphKeys.LOSSES, reduction=_DEFAULT):
    """Sigmoid cross-entropy for independent binary labels; smoothing maps labels to ``l*(1-s) + s/2``."""
    with _scope(scope, "sigmoid_cross_entropy_loss"):
        l, x = _pair("sigmoid_cross_entropy", multi_class_labels, logits, "multi_class_labels", "logits")
        if label_smoothing > 0:
            l = l * (1.0 - label_smoothing) + 0.5 * label_smoothing
        losses = sigmoid_cross_entropy_with_logits(labels=l, logits=x, name="xentropy")
        return compute_weighted_loss(losses, weights, None, loss_collection, reduction)
