"""Joining and splitting tensors: concat, stack, unstack, split (each beside its gradient).

Example:
    >>> ab = kf.concat([a, b], axis=1)
    >>> parts = kf.split(x, [2, -1], axis=0)
    >>> rows = kf.unstack(m)      # one tensor per row
"""
import numpy as np

from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like, pack, unpack, zeros_like
from kflow.engine.ops.identity_ops import identity
from kflow.engine.ops.params import make_param_op, constant_value, ints, canonical_axis
from kflow.engine.ops.reshape_ops import shape


def _same_dtype(op_type, name, values):
    """Converts ``values`` to tensors of one dtype; Python values adopt the first tensor's dtype."""
    if not isinstance(values, (list, tuple)):
        if is_tensor_like(values):
            raise build_error(op_type, name, [convert_to_tensor(values)], "%s expects a list of tensors, got a "
                              "single tensor" % op_type, TypeError)
        values = list(values)
    if not values:
        raise build_error(op_type, name, [], "%s needs at least one input tensor" % op_type)
    first = next((convert_to_tensor(v) for v in values if is_tensor_like(v)), None)
    dt = None if first is None else first.dtype
    out = [convert_to_tensor(v) if is_tensor_like(v) else convert_to_tensor(v, dtype=dt) for v in values]
    for t in out:
        if t.dtype is not out[0].dtype:
            raise build_error(op_type, name, out, "%s: all inputs must have the same dtype; got %s" % (
                op_type, ", ".join(v.dtype.name for v in out)), TypeError)
    return out


def _known_rank(values):
    ranks = {t.shape.ndims for t in values if t.shape.ndims is not None}
    return ranks


# ---- concat --------------------------------------------------------------------------------
def concat(values, axis, name="concat"):
    """Joins ``values`` along an existing ``axis``; other dimensions must match.

    Example:
        >>> kf.concat([[[1, 2]], [[3, 4]]], 0)   # [[1, 2], [3, 4]]
    """
    values = _same_dtype("ConcatV2", name, values)
    ranks = _known_rank(values)
    if len(ranks) > 1:
        raise build_error("ConcatV2", name, values, "concat: all inputs must have the same rank, got ranks %s"
                          % sorted(ranks))
    rank = ranks.pop() if ranks else None
    if rank == 0:
        raise build_error("ConcatV2", name, values, "concat: cannot concatenate scalars; use kf.stack")
    a = canonical_axis("ConcatV2", name, values, axis, rank)
    if len(values) == 1:
        return identity(values[0], name=name)
    out = None
    if rank is not None:
        out = []
        for i in range(rank):
            col = [t.shape.dims[i] if t.shape.dims is not None else None for t in values]
            if i == a:
                out.append(None if None in col else sum(col))
                continue
            known = {d for d in col if d is not None}
            if len(known) > 1:
                raise build_error("ConcatV2", name, values, "concat: dimension %d of the inputs must match "
                                  "(concatenating along axis %d), got shapes %s"
                                  % (i, a, ", ".join(str(t.shape) for t in values)))
            out.append(known.pop() if known else None)
    return make_op(CONCAT, values, [(values[0].dtype, out)], name, params={"axis": a}).outputs[0]


def _concat_kernel(*xs, axis):
    return np.concatenate(xs, axis=axis)


def _concat_grad(op, grad):
    a = op.attrs["axis"]
    sizes = [t.shape.dims[a] if t.shape.dims is not None else None for t in op.inputs]
    if None in sizes:  # sizes known only at run time
        sizes = stack([shape(t)[a] for t in op.inputs])
    return split(grad, sizes, axis=a, num=len(op.inputs))


CONCAT = OpDef("ConcatV2", _concat_kernel, grad=_concat_grad)


# ---- split ----------------------------------------------------------------------------------
def _split_kernel(x, sizes, axis, num, equal):
    if equal:
        parts = np.split(x, num, axis=axis)
    else:
        s = ints(sizes)
        rest = sum(d for d in s if d != -1)
        s = [x.shape[axis] - rest if d == -1 else d for d in s]
        if sum(s) != x.shape[axis] or min(s) < 0:
            raise ValueError("split sizes %s do not add up to dimension %d of size %d"
                             % (list(s), axis, x.shape[axis]))
        parts = np.split(x, np.cumsum(s[:-1]).tolist(), axis=axis)
    return tuple(parts) if num > 1 else parts[0]


def _split_grad(op, *grads):
    grads = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs)]
    return [concat(grads, op.attrs["axis"])] + [None] * (len(op.inputs) - 1)


SPLIT = OpDef("Split", _split_kernel, grad=_split_grad, view=True)


def split(value, num_or_size_splits, axis=0, num=None, name="split"):
    """Splits ``value`` along ``axis`` into equal parts (an int) or parts of the given sizes (one may be -1).

    Returns:
        A list of tensors.

    Example:
        >>> a, b, c = kf.split(x, 3, axis=1)
        >>> head, tail = kf.split(x, [1, -1])
    """
    x = convert_to_tensor(value)
    dims = x.shape.dims
    a = canonical_axis("Split", name, [x], axis, None if dims is None else len(dims))
    size = None if dims is None else dims[a]
    known = constant_value(num_or_size_splits)
    if known is not None and np.ndim(known) == 0:
        n = int(known)
        if n <= 0 or (size is not None and size % n):
            raise build_error("Split", name, [x], "split: dimension %d of size %s cannot be split into %d equal "
                              "parts" % (a, size, n))
        sizes = [None if size is None else size // n] * n
        param = [n]  # unused by the kernel: an equal split needs only n
    elif known is not None:
        sizes = [int(s) for s in np.ravel(known)]
        n = len(sizes)
        if sizes.count(-1) > 1 or any(s < -1 for s in sizes):
            raise build_error("Split", name, [x], "split: sizes must be >= 0 with at most one -1, got %s" % sizes)
        fixed = sum(s for s in sizes if s != -1)
        if size is not None and (fixed > size or (-1 not in sizes and fixed != size)):
            raise build_error("Split", name, [x], "split: sizes %s do not add up to dimension %d of size %d"
                              % (sizes, a, size))
        sizes = [(None if size is None else size - fixed) if s == -1 else s for s in sizes]
        param = np.asarray(known).ravel()
    else:
        sz = convert_to_tensor(num_or_size_splits)
        n = num if num is not None else (sz.shape.dims[0] if sz.shape.ndims == 1 else None)
        if n is None:
            raise build_error("Split", name, [x], "split: cannot infer the number of outputs from a size tensor of "
                              "unknown length; pass num=", ValueError)
        sizes = [None] * n
        param = sz
    specs = [(x.dtype, None if dims is None else list(dims[:a]) + [s] + list(dims[a + 1:])) for s in sizes]
    equal = known is not None and np.ndim(known) == 0
    op = make_param_op(SPLIT, [x], [param], specs, name, kernel_params={"axis": a, "num": n, "equal": equal})
    return list(op.outputs)


# ---- stack / unstack ----------------------------------------------------------------------
def stack(values, axis=0, name="stack"):
    """Stacks tensors of one shape along a new ``axis``.

    Example:
        >>> kf.stack([x, y], axis=1)   # [N] and [N] -> [N, 2]
    """
    values = _same_dtype("Pack", name, values)
    rank = next((t.shape.ndims for t in values if t.shape.ndims is not None), None)
    a = canonical_axis("Pack", name, values, axis, rank, extra=1)
    try:
        return pack(values, a, name)  # merges the shapes, raising ValueError when they differ
    except ValueError as e:
        raise build_error("Pack", name, values, str(e)) from None


def unstack(value, num=None, axis=0, name="unstack"):
    """Splits ``value`` along ``axis`` into a list of ``num`` tensors with that axis removed.

    Example:
        >>> a, b = kf.unstack(kf.constant([[1, 2], [3, 4]]))   # [1, 2] and [3, 4]
    """
    x = convert_to_tensor(value)
    dims = x.shape.dims
    a = canonical_axis("Unpack", name, [x], axis, None if dims is None else len(dims))
    if num is None:
        num = None if dims is None else dims[a]
        if num is None:
            raise build_error("Unpack", name, [x], "unstack: cannot infer num from shape %s; pass num=" % x.shape)
    elif dims is not None and dims[a] is not None and dims[a] != num:
        raise build_error("Unpack", name, [x], "unstack: num=%d does not match dimension %d of size %d"
                          % (num, a, dims[a]))
    return unpack(x, num, a, name)


def parallel_stack(values, name="parallel_stack"):
    return stack(values, 0, name)

