"""Weighted reduction of per-element losses: ``Reduction`` and ``compute_weighted_loss`` (TF 1.x rules).

The default, ``SUM_BY_NONZERO_WEIGHTS``, divides the weighted sum by the number of elements whose
weight is non-zero (0 when there are none), so zero weights mask elements out of the mean.

Example:
    >>> per_example = kf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=z)
    >>> loss = kf.losses.compute_weighted_loss(per_example, weights=mask)
"""
from kflow.engine import dtypes, shapes
from kflow.engine.graph import GraphKeys, get_default_graph
from kflow.engine.operation import build_error
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.comparison_ops import equal, greater
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.reduction_ops import reduce_sum
from kflow.losses.util import add_loss


class Reduction:
    """How ``compute_weighted_loss`` reduces the weighted losses."""

    NONE = "none"
    SUM = "weighted_sum"
    SUM_OVER_BATCH_SIZE = "weighted_sum_over_batch_size"
    MEAN = "weighted_mean"
    SUM_BY_NONZERO_WEIGHTS = "weighted_sum_by_nonzero_weights"
    SUM_OVER_NONZERO_WEIGHTS = SUM_BY_NONZERO_WEIGHTS

    @classmethod
    def all(cls):
        return (cls.NONE, cls.SUM, cls.MEAN, cls.SUM_OVER_BATCH_SIZE, cls.SUM_OVER_NONZERO_WEIGHTS,
                cls.SUM_BY_NONZERO_WEIGHTS)

    @classmethod
    def validate(cls, key):
        if key not in cls.all():
            raise ValueError("Invalid Reduction Key %r. Expected one of %s" % (key, cls.all()))


def as_float(t):
    """``t`` as a tensor; integer/bool tensors become float32 (float64 inputs stay float64)."""
    t = convert_to_tensor(t)
    return t if t.dtype.is_floating else math_ops.cast(t, dtypes.float32)


def _safe_div(total, count):
    """``total / count``, or 0 when ``count`` is 0 (TF's div_no_nan)."""
    positive = greater(count, 0.0)
    return array_ops.where(positive, total / array_ops.where(positive, count, array_ops.ones_like(count)),
                           array_ops.zeros_like(total))


def _check_weights(losses, weights):
    """Weights must be a scalar or broadcast to the losses' shape without enlarging it."""
    ws, ls = weights.shape, losses.shape
    if ws.ndims is None or ls.ndims is None or ws.ndims == 0:
        return
    try:
        out = shapes.broadcast_static(ws, ls)
        ok = ws.ndims <= ls.ndims and out.is_compatible_with(ls) and \
            all(w is None or l is None or w in (1, l) for w, l in zip(ws.dims[::-1], ls.dims[::-1]))
    except ValueError:
        ok = False
    if not ok:
        raise build_error("compute_weighted_loss", None, [losses, weights], "weights can not be broadcast to "
                          "values: weights shape %s, losses shape %s (weights must be a scalar or broadcast to "
                          "the losses' shape)" % (ws, ls))


def _num_present(losses, weights):
    w = convert_to_tensor(weights, dtype=losses.dtype) if not is_tensor_like(weights) else weights
    present = array_ops.where(equal(w, 0.0), array_ops.zeros_like(w), array_ops.ones_like(w))
    return reduce_sum(present * array_ops.ones_like(losses), name="num_present")


def compute_weighted_loss(losses, weights=1.0, scope=None, loss_collection=GraphKeys.LOSSES,
                          reduction=Reduction.SUM_BY_NONZERO_WEIGHTS):
    """Multiplies ``losses`` by ``weights``, reduces them per ``reduction`` and adds the result to
    ``loss_collection``.

    Returns:
        A scalar (or the weighted losses for ``Reduction.NONE``) of the losses' floating dtype.

    Example:
        >>> kf.losses.compute_weighted_loss(per_example, weights=[1.0, 0.0, 1.0])   # mean of items 0 and 2
    """
    Reduction.validate(reduction)
    with get_default_graph().name_scope(scope or "weighted_loss"):
        losses = as_float(losses)
        scalar = not is_tensor_like(weights) and isinstance(weights, (int, float))
        if scalar:
            w = float(weights)
            weighted = losses if w == 1.0 else math_ops.multiply(losses, w)
        else:
            w = math_ops.cast(convert_to_tensor(weights), losses.dtype)
            _check_weights(losses, w)
            weighted = math_ops.multiply(losses, w)
        if reduction == Reduction.NONE:
            loss = weighted
        elif reduction == Reduction.SUM:
            loss = reduce_sum(weighted)
        elif scalar and weights != 0 and reduction != Reduction.MEAN:
            # every element counts: the sum over max(count, 1) (0 for no elements); MEAN divides by the
            # summed weights instead (w * count), below
            loss = reduce_sum(weighted) / _count(losses)
        else:
            loss = reduce_sum(weighted)
            if reduction == Reduction.MEAN:
                loss = _safe_div(loss, reduce_sum(array_ops.ones_like(losses) * w))
            elif reduction == Reduction.SUM_BY_NONZERO_WEIGHTS:
                loss = _safe_div(loss, _num_present(losses, w))
            else:
                loss = loss / _count(losses)
        add_loss(loss, loss_collection)
        return loss


def _count(losses):
    """max(number of elements, 1) of ``losses``: a Python float when static, else a scalar tensor."""
    n = losses.shape.num_elements()
    if n is not None:
        return float(max(n, 1))
    return math_ops.maximum(math_ops.cast(array_ops.size(losses), losses.dtype), 1.0)
