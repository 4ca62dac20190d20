"""Reductions (reduce_sum/mean/max/min/prod/any/all), argmax/argmin, and the running sum cumsum.

``axis`` may be None (all axes), an int, or a list; negative axes count from the end;
TF1's ``reduction_indices`` and ``keep_dims`` are accepted.

Example:
    >>> loss = kf.reduce_mean(kf.square(y - t), axis=1)
"""
import numpy as np

from kflow.engine import backend, dtypes
from kflow.engine.operation import make_op, register_gradient, not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops import array_ops, math_ops
from kflow.engine.ops.params import canonical_axis


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


def _reduce(op_type, np_fn, input_tensor, axis, keepdims, name, reduction_indices, keep_dims, out_dtype=None):
    x = convert_to_tensor(input_tensor)
    if axis is None:
        axis = reduction_indices
    keepdims = bool(keepdims if keepdims is not None else keep_dims)
    logical = op_type in ("Any", "All")
    if x.dtype.is_bool != logical or not (logical or x.dtype.is_numeric):
        raise build_error(op_type, name, [x], "%s needs %s input, got %s" % (
            op_type, "a bool" if logical else "a numeric", x.dtype.name), TypeError)
    axes = _axes(op_type, x, axis, name)
    np_axes = axes

    def kernel(v):
        # reductions to a scalar give numpy scalars; ops exchange arrays (of the input's array module)
        return backend.array_module(v).asarray(np_fn(v, axis=np_axes, keepdims=keepdims))

    return make_op(op_type, [x], kernel, [(out_dtype or x.dtype, _reduced_shape(x, axes, keepdims))],
                   name or op_type, attrs={"axes": axes, "keepdims": keepdims}).outputs[0]


def _sum(v, axis, keepdims):
    return np.sum(v, axis=axis, keepdims=keepdims, dtype=v.dtype)  # numpy would widen int32 to int64


def _prod(v, axis, keepdims):
    return np.prod(v, axis=axis, keepdims=keepdims, dtype=v.dtype)


def reduce_sum(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Sum", _sum, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def _mean(v, axis, keepdims):
    if v.dtype.kind in "iu":  # TF's integer mean truncates and keeps the dtype
        return (np.sum(v, axis=axis, keepdims=keepdims) // _count(v, axis)).astype(v.dtype)
    return np.mean(v, axis=axis, keepdims=keepdims, dtype=v.dtype)


def _count(v, axis):
    if axis is None:
        return max(v.size, 1)
    return int(np.prod([v.shape[a] for a in axis])) or 1


def reduce_mean(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Mean", _mean, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_max(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Max", np.max, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_min(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Min", np.min, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_prod(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Prod", _prod, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_any(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("Any", np.any, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def reduce_all(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    return _reduce("All", np.all, input_tensor, axis, keepdims, name, reduction_indices, keep_dims)


def _kept(op, grad):
    """``grad`` reshaped so it broadcasts against the reduction's input (reduced axes kept as 1)."""
    if op.attrs["keepdims"]:
        return grad
    x = op.inputs[0]
    axes = op.attrs["axes"]
    return make_op("ExpandReduced", [grad, x], lambda g, v: np.expand_dims(g, axes if axes is not None else
                                                                              tuple(range(v.ndim))),
                   [(grad.dtype, _reduced_shape(x, axes, True))], "ExpandReduced",
                   attrs={"axes": axes}).outputs[0]


@register_gradient("ExpandReduced")
def _expand_reduced_grad(op, grad):
    return [array_ops.reshape_like(grad, op.inputs[0]), None]


@register_gradient("Sum")
def _sum_grad(op, grad):
    return [math_ops.broadcast_like(_kept(op, grad), op.inputs[0])]


@register_gradient("Mean")
def _mean_grad(op, grad):
    x = op.inputs[0]
    n = math_ops.cast(array_ops.size(x), grad.dtype) / math_ops.cast(array_ops.size(op.outputs[0]), grad.dtype)
    return [math_ops.broadcast_like(_kept(op, grad), x) / n]


def _minmax_grad(op, grad):
    x = op.inputs[0]
    y = _kept(op, op.outputs[0])
    mask = math_ops.cast(math_ops.comparison_ops.equal(x, y), grad.dtype)
    count = reduce_sum(mask, axis=op.attrs["axes"], keepdims=True)
    return [mask * _kept(op, grad) / count]


register_gradient("Max")(_minmax_grad)
register_gradient("Min")(_minmax_grad)


def _prod_others_kernel(axes):
    """Each element replaced by the product of the *other* elements of its reduction group.

    Exclusive running products from both ends (as TF's Prod gradient) instead of ``prod / x``, so inputs
    that contain zeros get exact gradients rather than nan.
    """
    def kernel(v):
        xp = backend.array_module(v)
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
    return kernel


def _prod_others(x, axes):
    return make_op("ProdOthers", [x], _prod_others_kernel(axes), [(x.dtype, x.shape)], "ProdOthers",
                   attrs={"axes": axes}).outputs[0]


@register_gradient("Prod")
def _prod_grad(op, grad):
    return [_kept(op, grad) * _prod_others(op.inputs[0], op.attrs["axes"])]


@register_gradient("ProdOthers")
def _prod_others_grad(op, grad):
    # d others_i / d x_j = others_i / x_j for j != i (0 for j == i), so the VJP at x_j is
    # (sum_i g_i others_i - g_j others_j) / x_j. Like TF's second derivative of Prod (through Cumprod's
    # gradient), it divides by x and is exact only where x is non-zero.
    x, axes = op.inputs[0], op.attrs["axes"]
    weighted = grad * op.outputs[0]
    return [(reduce_sum(weighted, axis=axes, keepdims=True) - weighted) / x]


not_differentiable("Any", "All")


def argmax(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg("ArgMax", np.argmax, input, axis, name, dimension, output_type)


def argmin(input, axis=None, name=None, dimension=None, output_type=dtypes.int64):  # noqa: A002
    return _arg("ArgMin", np.argmin, input, axis, name, dimension, output_type)


def _arg(op_type, fn, x, axis, name, dimension, output_type):
    x = convert_to_tensor(x)
    if axis is None:
        axis = dimension if dimension is not None else 0
    (a,) = _axes(op_type, x, axis, name)
    out = dtypes.as_dtype(output_type)
    np_dt = out.as_numpy_dtype
    shape = _reduced_shape(x, (a,), False)
    return make_op(op_type, [x], lambda v: fn(v, axis=a).astype(np_dt), [(out, shape)], name or op_type,
                   attrs={"axis": a}).outputs[0]


not_differentiable("ArgMax", "ArgMin")


def _cumsum_kernel(axis, exclusive, reverse):
    def kernel(v):
        if reverse:
            v = np.flip(v, axis)
        out = np.cumsum(v, axis=axis, dtype=v.dtype)  # numpy would widen int32 sums to int64
        if exclusive:
            out = np.roll(out, 1, axis)  # a fresh array: safe to write into
            out[(slice(None),) * axis + (0,)] = 0
        return np.flip(out, axis) if reverse else out
    return kernel


def cumsum(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running sum along ``axis``; ``exclusive`` leaves out each element itself, ``reverse`` sums from the end.

    Example:
        >>> kf.cumsum([1, 2, 3], exclusive=True)   # [0, 1, 3]
    """
    x = convert_to_tensor(x)
    a = canonical_axis("Cumsum", name, [x], axis, x.shape.ndims)
    return make_op("Cumsum", [x], _cumsum_kernel(a, bool(exclusive), bool(reverse)), [(x.dtype, x.shape)],
                   name or "Cumsum", attrs={"axis": a, "exclusive": bool(exclusive), "reverse": bool(reverse)}
                   ).outputs[0]


@register_gradient("Cumsum")
def _cumsum_grad(op, grad):
    return [cumsum(grad, op.attrs["axis"], op.attrs["exclusive"], not op.attrs["reverse"])]
