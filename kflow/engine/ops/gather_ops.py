"""Selecting parts of a tensor: gather, slice, boolean_mask (each beside its gradient).

Gradients scatter back into zeros shaped like the input (TF returns IndexedSlices for gather; kflow's
gradients are dense arrays, summed over repeated indices).

Example:
    >>> rows = kf.gather(table, ids)              # table[ids]
    >>> crop = kf.slice(img, [0, 1, 1, 0], [-1, 28, 28, -1])
    >>> pos = kf.boolean_mask(x, x > 0)
"""
import builtins

import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import (make_param_op, op_params, data_grads, constant_value, partial_shape, ints,
                                     canonical_axis)

_slice = builtins.slice  # this module defines kf.slice


def scatter_add(out, key, values):
    """``out[key] += values`` with repeated indices adding up, on numpy or CuPy arrays."""
    if devices.array_module(out) is np:
        np.add.at(out, key, values)
    else:  # pragma: no cover - needs a GPU
        import cupyx

        cupyx.scatter_add(out, key, values)
    return out



# ---- gather -------------------------------------------------------------------------------------
def _gather_kernel(p, idx, axis):
    n = p.shape[axis]
    if devices.array_module(idx) is np and idx.size and (idx.min() < 0 or idx.max() >= n):
        bad = idx[(idx < 0) | (idx >= n)].ravel()[0]
        raise IndexError("gather: index %d is not in [0, %d) (axis %d of params with shape %s)"
                         % (bad, n, axis, p.shape))
    return np.take(p, idx, axis=axis)


def _gather_grad_kernel(g, idx, p, axis):
    out = np.zeros_like(p, dtype=g.dtype)
    return scatter_add(out, (_slice(None),) * axis + (idx,), g)


def _scatter_back(grad_def):
    """The gradient of an op picking entries of its input (by indices or by a mask, its second input):
    ``grad_def`` puts the output's gradient back where the entries came from."""
    def grad(op, grad):
        x, picks = op.inputs
        return [make_op(grad_def, [grad, picks, x], [(grad.dtype, x.shape)], grad_def.type,
                        params={"axis": op.attrs["axis"]}).outputs[0], None]
    return grad


def _pick_again(pick):
    """The gradient of a scatter-back op: the same picking, applied to the incoming gradient."""
    return lambda op, grad: [pick(grad, op.inputs[1], axis=op.attrs["axis"]), None, None]


GATHER_GRAD = OpDef("GatherGrad", _gather_grad_kernel, grad=_pick_again(lambda *a, **k: gather(*a, **k)))
GATHER = OpDef("GatherV2", _gather_kernel, grad=_scatter_back(GATHER_GRAD))


def gather(params, indices, validate_indices=None, name=None, axis=0, batch_dims=0):
    """Entries of ``params`` along ``axis`` at ``indices``: shape ``p[:axis] + indices.shape + p[axis+1:]``.

    Example:
        >>> kf.gather([[1, 2], [3, 4], [5, 6]], [2, 0])   # [[5, 6], [1, 2]]
    """
    p = convert_to_tensor(params)
    idx = convert_to_tensor(indices)
    if not idx.dtype.is_integer:
        raise build_error("GatherV2", name, [p, idx], "gather: indices must be int32 or int64, got %s"
                          % idx.dtype.name, TypeError)
    if batch_dims:
        raise build_error("GatherV2", name, [p, idx], "gather: batch_dims=%r is not supported" % (batch_dims,))
    pd = p.shape.dims
    a = canonical_axis("GatherV2", name, [p, idx], axis, None if pd is None else len(pd))
    if pd is not None and pd[a] is not None:
        known = constant_value(idx)
        if known is not None and known.size and (known.min() < 0 or known.max() >= pd[a]):
            raise build_error("GatherV2", name, [p, idx], "gather: indices %s are out of range [0, %d) for axis %d"
                              % (known.tolist(), pd[a], a))
    out = None if pd is None or idx.shape.dims is None else list(pd[:a]) + list(idx.shape.dims) + list(pd[a + 1:])
    return make_op(GATHER, [p, idx], [(p.dtype, out)], name or "GatherV2", params={"axis": a}).outputs[0]


# ---- slice --------------------------------------------------------------------------------------
def _slice_key(begin, size, shape):
    b, s = ints(begin), ints(size)
    if len(b) != len(shape) or len(s) != len(shape):
        raise ValueError("slice: begin %s and size %s must have one entry per dimension of the input %s"
                         % (list(b), list(s), tuple(shape)))
    key = []
    for i, (lo, n, d) in enumerate(zip(b, s, shape)):
        hi = d if n == -1 else lo + n
        if lo < 0 or hi > d or hi < lo:
            raise ValueError("slice: begin %s, size %s out of bounds for dimension %d of size %d in input of "
                             "shape %s" % (list(b), list(s), i, d, tuple(shape)))
        key.append(_slice(lo, hi))
    return tuple(key)


def _slice_kernel(x, begin, size):
    return x[_slice_key(begin, size, x.shape)]


def _slice_grad_kernel(x, g, begin, size):
    out = np.zeros_like(x, dtype=g.dtype)
    out[_slice_key(begin, size, x.shape)] = g
    return out


def _slice_grad_grad(op, grad):
    begin, size = op_params(op)
    return data_grads(op, [None, slice(grad, begin, size)])


SLICE_GRAD = OpDef("SliceGrad", _slice_grad_kernel, grad=_slice_grad_grad)


def _slice_grad(op, grad):
    x = op.inputs[0]
    g = make_param_op(SLICE_GRAD, [x, grad], op_params(op), [(grad.dtype, x.shape)], "SliceGrad").outputs[0]
    return data_grads(op, [g])


# basic slicing returns a view of the input
SLICE = OpDef("Slice", _slice_kernel, grad=_slice_grad, view=True)


def slice(input_, begin, size, name=None):  # noqa: A001 - TF's public name
    """The block of ``input_`` starting at ``begin`` with ``size`` (-1: everything to the end) per axis.

    Example:
        >>> kf.slice([[1, 2, 3], [4, 5, 6]], [0, 1], [2, -1])   # [[2, 3], [5, 6]]
    """
    x = convert_to_tensor(input_)
    dims = x.shape.dims
    b, s = partial_shape(begin), partial_shape(size)
    out = None
    if b is not None and s is not None:
        if len(b) != len(s) or (dims is not None and len(b) != len(dims)):
            raise build_error("Slice", name, [x], "slice: begin %s and size %s must have one entry per dimension "
                              "of the input" % (b, s))
        out = []
        for i, (lo, n) in enumerate(zip(b, s)):
            d = None if dims is None else dims[i]
            if (lo is not None and lo < 0) or (n is not None and n < -1) or (
                    d is not None and lo is not None and n is not None and lo + max(n, 0) > d):
                raise build_error("Slice", name, [x], "slice: begin %s, size %s out of bounds for dimension %d "
                                  "of size %s" % (b, s, i, d))
            if n == -1:
                out.append(None if d is None or lo is None else d - lo)
            else:
                out.append(n)
    elif b is not None or s is not None:
        out = [None] * len(b if b is not None else s)
    return make_param_op(SLICE, [x], [begin, size], [(x.dtype, out)], name or "Slice").outputs[0]


# ---- boolean_mask ---------------------------------------------------------------------------------
def _boolean_mask_kernel(v, c, axis):
    return v[(_slice(None),) * axis + (c,)]


def _boolean_mask_grad_kernel(g, c, x, axis):
    out = np.zeros_like(x, dtype=g.dtype)
    out[(_slice(None),) * axis + (c,)] = g
    return out


BOOLEAN_MASK_GRAD = OpDef("BooleanMaskGrad", _boolean_mask_grad_kernel,
                          grad=_pick_again(lambda *a, **k: boolean_mask(*a, **k)))
BOOLEAN_MASK = OpDef("BooleanMask", _boolean_mask_kernel, grad=_scatter_back(BOOLEAN_MASK_GRAD))


def boolean_mask(tensor, mask, name="boolean_mask", axis=None):
    """The entries of ``tensor`` where the k-D bool ``mask`` (matching dims ``axis..axis+k``) is True.

    The masked dimensions collapse into one of unknown size.

    Example:
        >>> kf.boolean_mask([[1, 2], [3, 4]], [True, False])   # [[1, 2]]
    """
    x = convert_to_tensor(tensor)
    m = convert_to_tensor(mask)
    if m.dtype.name != "bool":
        raise build_error("BooleanMask", name, [x, m], "boolean_mask: mask must be bool, got %s" % m.dtype.name,
                          TypeError)
    k = m.shape.ndims
    if k is None or k == 0:
        raise build_error("BooleanMask", name, [x, m], "boolean_mask: mask must have a known rank >= 1, got %s"
                          % m.shape)
    dims = x.shape.dims
    a = 0 if axis is None else canonical_axis("BooleanMask", name, [x, m], axis, None if dims is None else len(dims))
    out = None
    if dims is not None:
        if a + k > len(dims) or not m.shape.is_compatible_with(list(dims[a:a + k])):
            raise build_error("BooleanMask", name, [x, m], "boolean_mask: mask shape %s must match dimensions %d.."
                              "%d of the tensor shape %s" % (m.shape, a, a + k - 1, x.shape))
        out = list(dims[:a]) + [None] + list(dims[a + k:])
    return make_op(BOOLEAN_MASK, [x, m], [(x.dtype, out)], name, params={"axis": a}).outputs[0]
