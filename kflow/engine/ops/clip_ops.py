"""Clipping: clip_by_value, clip_by_norm, global_norm, clip_by_global_norm (TF1 semantics).

Example:
    >>> grads, norm = kf.clip_by_global_norm(grads, 5.0)   # None entries stay None
    >>> p = kf.clip_by_value(p, 1e-7, 1.0 - 1e-7)
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.graph import name_scope
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops import array_ops, comparison_ops, math_ops, reduction_ops
from kflow.engine.ops.concat_ops import stack


def _clip_kernel(x, lo, hi):
    return np.clip(x, lo, hi)


def _clip_by_value_grad(op, grad):
    x, lo, hi = op.inputs
    zeros = array_ops.zeros_like(grad)
    below, above = comparison_ops.less(x, lo), comparison_ops.greater(x, hi)
    inside = comparison_ops.logical_not(comparison_ops.logical_or(below, above))
    return [array_ops.where(inside, grad, zeros),
            math_ops.unbroadcast(array_ops.where(below, grad, zeros), lo),
            math_ops.unbroadcast(array_ops.where(above, grad, zeros), hi)]


CLIP_BY_VALUE = OpDef("ClipByValue", _clip_kernel, grad=_clip_by_value_grad)


def clip_by_value(t, clip_value_min, clip_value_max, name=None):
    """Clips ``t`` elementwise to ``[clip_value_min, clip_value_max]`` (bounds broadcast to ``t``).

    The gradient flows to ``t`` where it is inside the bounds, and to a tensor bound where it clips.

    Example:
        >>> kf.clip_by_value([-2.0, 0.5, 3.0], 0.0, 1.0)   # [0., 0.5, 1.]
    """
    t = convert_to_tensor(t)
    lo = convert_to_tensor(clip_value_min, dtype=None if hasattr(clip_value_min, "op") else t.dtype)
    hi = convert_to_tensor(clip_value_max, dtype=None if hasattr(clip_value_max, "op") else t.dtype)
    inputs = [t, lo, hi]
    if lo.dtype is not t.dtype or hi.dtype is not t.dtype:
        raise build_error("ClipByValue", name, inputs, "clip_by_value: the bounds must have the dtype of t (%s), "
                          "got %s and %s" % (t.dtype.name, lo.dtype.name, hi.dtype.name), TypeError)
    for bound in (lo, hi):
        try:
            out = shapes.broadcast_static(t.shape, bound.shape)
            ok = out.is_compatible_with(t.shape)
        except ValueError:
            ok = False
        if not ok:
            raise build_error("ClipByValue", name, inputs, "clip_by_value: bound of shape %s does not broadcast "
                              "to t's shape %s" % (bound.shape, t.shape))
    return make_op(CLIP_BY_VALUE, inputs, [(t.dtype, t.shape)], name or "clip_by_value").outputs[0]


def clip_by_norm(t, clip_norm, axes=None, name=None):
    """Rescales ``t`` so its L2 norm (over ``axes``, default all) is at most ``clip_norm``.

    Example:
        >>> kf.clip_by_norm([3.0, 4.0], 1.0)   # [0.6, 0.8]
    """
    with name_scope(name, "clip_by_norm", [t]):
        t = convert_to_tensor(t)
        if not t.dtype.is_floating:
            raise build_error("ClipByNorm", name, [t], "clip_by_norm: t must be floating point, got %s"
                              % t.dtype.name, TypeError)
        l2sum = reduction_ops.reduce_sum(t * t, axes, keepdims=True)
        positive = comparison_ops.greater(l2sum, 0.0)
        # sqrt's gradient at 0 is infinite: take it on a safe value and select the 0 back in
        safe = array_ops.where(positive, l2sum, array_ops.ones_like(l2sum))
        l2norm = array_ops.where(positive, math_ops.sqrt(safe), l2sum)
        clip_norm = math_ops.cast(clip_norm, t.dtype)
        return math_ops.divide(t * clip_norm, math_ops.maximum(l2norm, clip_norm), name="clipped")


def global_norm(t_list, name=None):
    """``sqrt(sum of squared L2 norms)`` of the tensors in ``t_list`` (None entries ignored).

    Example:
        >>> kf.global_norm([kf.constant([3.0]), kf.constant([4.0])])   # 5.0
    """
    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__") or hasattr(t_list, "op"):
        raise TypeError("t_list should be a sequence of tensors, got %r" % (t_list,))
    values = [convert_to_tensor(t) for t in t_list if t is not None]
    if not values:
        raise ValueError("global_norm: t_list has no tensors (only None entries)")
    dt = values[0].dtype if values[0].dtype.is_floating else dtypes.float32
    with name_scope(name, "global_norm", values):
        sums = [reduction_ops.reduce_sum(math_ops.square(math_ops.cast(v, dt))) for v in values]
        return math_ops.sqrt(reduction_ops.reduce_sum(stack(sums)), name="global_norm")


def clip_by_global_norm(t_list, clip_norm, use_norm=None, name=None):
    """Scales every tensor of ``t_list`` by ``clip_norm / max(global_norm, clip_norm)``.

    Returns:
        ``(list_clipped, global_norm)``; None entries of ``t_list`` stay None. A non-finite global norm
        makes every clipped value NaN, as in TF.

    Example:
        >>> grads, _ = kf.clip_by_global_norm([g1, None, g2], 1.0)
    """
    if isinstance(t_list, (str, bytes)) or not hasattr(t_list, "__iter__") or hasattr(t_list, "op"):
        raise TypeError("t_list should be a sequence of tensors, got %r" % (t_list,))
    t_list = list(t_list)
    norm = global_norm(t_list) if use_norm is None else convert_to_tensor(use_norm)
    with name_scope(name, "clip_by_global_norm", [t for t in t_list if t is not None]):
        clip_norm = math_ops.cast(clip_norm, norm.dtype)
        # clip / max(norm, clip) == clip * min(1/norm, 1/clip) (TF's form) without dividing by a zero norm
        scale = clip_norm / math_ops.maximum(norm, clip_norm)
        is_finite = comparison_ops.is_finite(norm)
        scale = array_ops.where(is_finite, scale, array_ops.fill([], np.array(np.nan, norm.dtype.as_numpy_dtype)))
        clipped = []
        for i, t in enumerate(t_list):
            if t is None:
                clipped.append(None)
                continue
            t = convert_to_tensor(t)
            clipped.append(math_ops.multiply(t, math_ops.cast(scale, t.dtype), name="clipped_%d" % i))
    return clipped, norm
