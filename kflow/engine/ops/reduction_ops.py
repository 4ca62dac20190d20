"""Reductions (reduce_sum/mean/max/min/prod/any/all), argmax/argmin, and the running sum cumsum.

``axis`` may be None (all axes), an int, or a list; negative axes count from the end;
TF1's ``reduction_indices`` and ``keep_dims`` are accepted.

Example:
    >>> loss = kf.reduce_mean(kf.square(y - t), axis=1)
"""
import functools

import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.comparison_ops import equal
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import broadcast_like, cast
from kflow.engine.ops.params import canonical_axis
from kflow.engine.ops.reshape_ops import reshape_like, size


def _axes(op_type, x, axis, name):
    nd = x.shape.ndims
    if axis is None:
        return None
    if hasattr(axis, "op"):
        raise build_error(op_type, name, [x], "%s: axis must be a Python int or list of ints, got a tensor"
                          % op_type, TypeError)
    axes = [int(a) for a in (axis if isinstance(axis, (list, tuple, np.ndarray)) else [axis])]
    if nd is not None:
        for a in axes:
            if not -nd <= a < nd:
                raise build_error(op_type, name, [x], "Invalid reduction dimension %d for input with %d dimensions"
                                  % (a, nd))
        axes = sorted(set(a % nd for a in axes))
    return tuple(axes)


def _reduced_shape(x, axes, keepdims):
    dims = x.shape.dims
    if dims is None:
        return None
    if axes is None:
        return [1] * len(dims) if keepdims else []
    return [1 if i in axes else d for i, d in enumerate(dims)] if keepdims else \
        [d for i, d in enumerate(dims) if i not in axes]


def _reduce(op_def, input_tensor, axis, keepdims, name, reduction_indices, keep_dims, out_dtype=None):
    op_type = op_def.type
    x = convert_to_tensor(input_tensor)
    if axis is None:
        axis = reduction_indices
    keepdims = bool(keepdims if keepdims is not None else keep_dims)
    logical = op_type in ("Any", "All")
    if x.dtype.is_bool != logical or not (logical or x.dtype.is_numeric):
        raise build_error(op_type, name, [x], "%s needs %s input, got %s" % (
            op_type, "a bool" if logical else "a numeric", x.dtype.name), TypeError)
    axes = _axes(op_type, x, axis, name)
    return make_op(op_def, [x], [(out_dtype or x.dtype, _reduced_shape(x, axes, keepdims))], name or op_type,
                   params={"axes": axes, "keepdims": keepdims}).outputs[0]


def _reduction_kernel(np_fn):
    """The kernel ``np_fn(v, axis=axes, keepdims=keepdims)`` as an array: reductions to a scalar give numpy
    scalars, and ops exchange arrays (of the input's array module)."""
    def kernel(v, axes, keepdims):
        return devices.array_module(v).asarray(np_fn(v, axis=axes, keepdims=keepdims))
    return kernel


def _sum(v, axis, keepdims):
    return np.sum(v, axis=axis, keepdims=keepdims, dtype=v.dtype)  # numpy would widen int32 to int64


def _prod(v, axis, keepdims):
    return np.prod(v, axis=axis, keepdims=keepdims, dtype=v.dtype)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(SUM, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def _mean(v, axis, keepdims):
    if v.dtype.kind in "iu":  # TF's integer mean truncates and keeps the dtype
        return (np.sum(v, axis=axis, keepdims=keepdims) // _count(v, axis)).astype(v.dtype)
    count = _count(v, axis)
    if v.dtype.kind != "f" or v.dtype.itemsize < 4 or count >= 1 << 24 or not v.size:
        return np.mean(v, axis=axis, keepdims=keepdims, dtype=v.dtype)  # (an empty mean is nan, as in TF)
    # np.mean's steps without its Python wrapper, which cost more than the sum for a loss's batch mean (~5 of 7
    # us): a sum in the input's dtype, then a division by the count, exact in float32/64 below 2**24, so the
    # quotient is the one np.mean rounds from float64 (the same bits)
    return v.sum(axis=axis, keepdims=keepdims, dtype=v.dtype) / count


def _count(v, axis):
    if axis is None:
        return max(v.size, 1)
    return int(np.prod([v.shape[a] for a in axis])) or 1


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(MEAN, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(MAX, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(MIN, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(PROD, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(ANY, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce(ALL, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def _kept(op, grad):
    """``grad`` reshaped so it broadcasts against the reduction's input (reduced axes kept as 1)."""
    if op.attrs["keepdims"]:
        return grad
    x = op.inputs[0]
    axes = op.attrs["axes"]
    return make_op(EXPAND_REDUCED, [grad, x], [(grad.dtype, _reduced_shape(x, axes, True))], "ExpandReduced",
                   params={"axes": axes}).outputs[0]


def _expand_reduced(g, v, axes):
    return np.expand_dims(g, axes if axes is not None else tuple(range(v.ndim)))


EXPAND_REDUCED = OpDef("ExpandReduced", _expand_reduced, view=True,
                       grad=lambda op, grad: [reshape_like(grad, op.inputs[0]), None])


def _sum_grad(op, grad):
    return [broadcast_like(_kept(op, grad), op.inputs[0])]


def _mean_grad(op, grad):
    x = op.inputs[0]
    if not grad.dtype.is_floating:  # TF's integer mean gradient: kept as the general graph of ops
        n = cast(size(x), grad.dtype) / cast(size(op.outputs[0]), grad.dtype)
        return [broadcast_like(_kept(op, grad), x) / n]
    # one op instead of the eight of size / cast / divide / expand / broadcast: a loss's mean is in every step
    return [make_op(MEAN_GRAD, [grad, x], [(grad.dtype, x.shape)], "MeanGrad",
                    params={"axes": op.attrs["axes"], "keepdims": op.attrs["keepdims"]}).outputs[0]]


def _mean_grad_kernel(g, v, axes, keepdims):
    """``g`` (the mean's output gradient) spread over ``v``'s shape and divided by the group size."""
    xp = devices.array_module(g, v)
    if not keepdims and g.ndim and axes is not None:  # (a 0-d gradient, a loss mean, broadcasts as it is)
        kept = list(v.shape)
        for a in axes:
            kept[a] = 1
        g = g.reshape(kept)
    out = xp.empty(v.shape, g.dtype)
    # the group size as the divisor (not its reciprocal): the same bits as the unfused graph
    return xp.divide(g, g.dtype.type(v.size // max(g.size, 1) if v.size else 1), out=out)


def _mean_grad_grad(op, grad):
    # linear in the incoming gradient: its transpose sums each group and divides by the group size
    return [reduce_mean(grad, axis=op.attrs["axes"], keepdims=op.attrs["keepdims"]), None]


MEAN_GRAD = OpDef("MeanGrad", _mean_grad_kernel, grad=_mean_grad_grad)


def _minmax_grad(op, grad):
    x = op.inputs[0]
    y = _kept(op, op.outputs[0])
    mask = cast(equal(x, y), grad.dtype)
    count = reduce_sum(mask, axis=op.attrs["axes"], keepdims=True)
    return [mask * _kept(op, grad) / count]


def _prod_grad(op, grad):
    return [_kept(op, grad) * _prod_others(op.inputs[0], op.attrs["axes"])]


SUM = OpDef("Sum", _reduction_kernel(_sum), grad=_sum_grad)
MEAN = OpDef("Mean", _reduction_kernel(_mean), grad=_mean_grad)
MAX = OpDef("Max", _reduction_kernel(np.max), grad=_minmax_grad)
MIN = OpDef("Min", _reduction_kernel(np.min), grad=_minmax_grad)
PROD = OpDef("Prod", _reduction_kernel(_prod), grad=_prod_grad)
ANY = OpDef("Any", _reduction_kernel(np.any), grad=None)
ALL = OpDef("All", _reduction_kernel(np.all), grad=None)


def _prod_others_kernel(v, axes):
    """Each element replaced by the product of the *other* elements of its reduction group.

    Exclusive running products from both ends (as TF's Prod gradient) instead of ``prod / x``, so inputs
    that contain zeros get exact gradients rather than nan.
    """
    xp = devices.array_module(v)
    red = tuple(range(v.ndim)) if axes is None else tuple(sorted(a % v.ndim for a in axes))
    front = tuple(range(len(red)))
    moved = xp.moveaxis(v, red, front)
    rest = moved.shape[len(red):]
    flat = moved.reshape((int(np.prod(moved.shape[:len(red)], dtype=np.int64)),) + rest)
    left, right = xp.ones_like(flat), xp.ones_like(flat)
    if flat.shape[0] > 1:
        left[1:] = xp.cumprod(flat[:-1], axis=0, dtype=flat.dtype)
        right[:-1] = xp.cumprod(flat[::-1][:-1], axis=0, dtype=flat.dtype)[::-1]
    left *= right
    return xp.moveaxis(left.reshape(moved.shape), front, red)


def _prod_others(x, axes):
    return make_op(PROD_OTHERS, [x], [(x.dtype, x.shape)], "ProdOthers", params={"axes": axes}).outputs[0]


def _prod_others_grad(op, grad):
    # d others_i / d x_j = others_i / x_j for j != i (0 for j == i), so the VJP at x_j is
    # (sum_i g_i others_i - g_j others_j) / x_j. Like TF's second derivative of Prod (through Cumprod's
    # gradient), it divides by x and is exact only where x is non-zero.
    x, axes = op.inputs[0], op.attrs["axes"]
    weighted = grad * op.outputs[0]
    return [(reduce_sum(weighted, axis=axes, keepdims=True) - weighted) / x]


PROD_OTHERS = OpDef("ProdOthers", _prod_others_kernel, grad=_prod_others_grad)


def _arg_kernel(fn):
    def kernel(v, axis, output_type):
        return fn(v, axis=axis).astype(output_type.as_numpy_dtype)
    return kernel


ARG_MAX = OpDef("ArgMax", _arg_kernel(np.argmax), grad=None)
ARG_MIN = OpDef("ArgMin", _arg_kernel(np.argmin), grad=None)


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg(ARG_MAX, input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg(ARG_MIN, input, axis, name, dimension, output_type)


def _arg(op_def, x, axis, name, dimension, output_type):
    op_type = op_def.type
    x = convert_to_tensor(x)
    if axis is None:
        axis = dimension if dimension is not None else 0
    (a,) = _axes(op_type, x, axis, name)
    out = dtypes.as_dtype(output_type)
    shape = _reduced_shape(x, (a,), False)
    return make_op(op_def, [x], [(out, shape)], name or op_type, params={"axis": a, "output_type": out}).outputs[0]


def running_kernel(v, axis, exclusive, reverse, accumulate, identity):
    """``accumulate`` (np.cumsum, np.cumprod) along ``axis``; ``exclusive`` shifts in ``identity`` first."""
    if reverse:
        v = np.flip(v, axis)
    out = accumulate(v, axis=axis, dtype=v.dtype)  # numpy would widen int32 sums to int64
    if exclusive:
        out = np.roll(out, 1, axis)  # a fresh array: safe to write into
        out[(slice(None),) * axis + (0,)] = identity
    return np.flip(out, axis) if reverse else out


def running_op(op_def, x, axis, exclusive, reverse, name):
    """An op of a ``running_kernel`` family (Cumsum, Cumprod) over ``x``; its params are TF's attributes."""
    x = convert_to_tensor(x)
    a = canonical_axis(op_def.type, name, [x], axis, x.shape.ndims)
    return make_op(op_def, [x], [(x.dtype, x.shape)], name or op_def.type,
                   params={"axis": a, "exclusive": bool(exclusive), "reverse": bool(reverse)}).outputs[0]


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along ``axis``; ``exclusive`` leaves out each element itself, ``reverse`` sums from the end.

    Example:
        >>> kf.cumsum([1, 2, 3], exclusive=True)   # [0, 1, 3]
    """
    return running_op(CUMSUM, x, axis, exclusive, reverse, name)


CUMSUM = OpDef("Cumsum", functools.partial(running_kernel, accumulate=np.cumsum, identity=0),
               grad=lambda op, grad: [cumsum(grad, op.attrs["axis"], op.attrs["exclusive"], not op.attrs["reverse"])])
