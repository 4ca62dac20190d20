"""Ordering ops: sort, argsort (along any axis, stable), unique and unique_with_counts.

sort is argsort followed by a gather along the last axis, so its gradient routes each value's gradient back to
where the value came from. unique keeps the order of first occurrence, as TF does.

Example:
    >>> kf.sort([3, 1, 2])                          # [1, 2, 3]
    >>> kf.argsort([3, 1, 2], direction="DESCENDING")   # [0, 2, 1]
    >>> y, idx = kf.unique([4, 1, 4, 2])            # y [4, 1, 2], idx [0, 1, 0, 2]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import canonical_axis
from kflow.engine.ops.shape_ops import transpose
from kflow.engine.ops.topk_ops import GATHER_LAST_AXIS

_DIRECTIONS = ("ASCENDING", "DESCENDING")


def _argsort_kernel(x, descending, out_type):
    xp = devices.array_module(x)
    key = x
    if descending:  # stable among ties, lower index first (as TF)
        key = -(x.astype(np.float64) if x.dtype.kind in "ub" else x)
    return xp.argsort(key, axis=-1, kind="stable").astype(out_type.as_numpy_dtype)


ARG_SORT = OpDef("ArgSort", _argsort_kernel, grad=None)


def _last_axis_first(x, axis, name, op_type):
    """``(x with axis moved last, the permutation that moves it back)``; the permutation is None if none needed."""
    rank = x.shape.ndims
    if rank is None:
        raise build_error(op_type, name, [x], "%s: the input's rank must be known" % op_type)
    if rank == 0:
        raise build_error(op_type, name, [x], "%s: the input must have rank >= 1, got a scalar" % op_type)
    a = canonical_axis(op_type, name, [x], axis, rank)
    if a == rank - 1:
        return x, None
    perm = [i for i in range(rank) if i != a] + [a]
    back = [perm.index(i) for i in range(rank)]
    return transpose(x, perm), back


def _check(op_type, name, x, direction):
    if direction not in _DIRECTIONS:
        raise build_error(op_type, name, [x], "%s: direction must be 'ASCENDING' or 'DESCENDING', got %r"
                          % (op_type, direction))
    if not x.dtype.is_numeric or x.dtype.is_bool:
        raise build_error(op_type, name, [x], "%s: values must be real numbers, got %s" % (op_type, x.dtype.name),
                          TypeError)


def argsort(values, axis=-1, direction="ASCENDING", stable=False, name=None):
    """The indices that sort ``values`` along ``axis`` (int32); ties keep their order.

    Example:
        >>> kf.argsort([[3.0, 1.0, 2.0]])   # [[1, 2, 0]]
    """
    x = convert_to_tensor(values)
    _check("ArgSort", name, x, direction)
    moved, back = _last_axis_first(x, axis, name, "ArgSort")
    idx = make_op(ARG_SORT, [moved], [(dtypes.int32, moved.shape)], name or "argsort",
                  params={"descending": direction == "DESCENDING", "out_type": dtypes.int32}).outputs[0]
    return idx if back is None else transpose(idx, back)


def sort(values, axis=-1, direction="ASCENDING", name=None):
    """``values`` sorted along ``axis`` (differentiable: gradients go back to the unsorted positions).

    Example:
        >>> kf.sort([[3.0, 1.0, 2.0]], direction="DESCENDING")   # [[3., 2., 1.]]
    """
    x = convert_to_tensor(values)
    _check("Sort", name, x, direction)
    moved, back = _last_axis_first(x, axis, name, "Sort")
    idx = make_op(ARG_SORT, [moved], [(dtypes.int32, moved.shape)], "argsort",
                  params={"descending": direction == "DESCENDING", "out_type": dtypes.int32}).outputs[0]
    out = make_op(GATHER_LAST_AXIS, [moved, idx], [(x.dtype, moved.shape)], name or "sort").outputs[0]
    return out if back is None else transpose(out, back)


def _unique_kernel(x, out_idx, counts):
    xp = devices.array_module(x)
    values, first, inverse, count = xp.unique(x, return_index=True, return_inverse=True, return_counts=True)
    order = xp.argsort(first, kind="stable")  # numpy sorts the values; TF keeps first-occurrence order
    rank = xp.empty_like(order)
    rank[order] = xp.arange(order.size)
    y, idx = values[order], rank[inverse.reshape(-1)].astype(out_idx.as_numpy_dtype)
    return (y, idx, count[order].astype(out_idx.as_numpy_dtype)) if counts else (y, idx)


UNIQUE = OpDef("Unique", _unique_kernel, grad=None)
UNIQUE_WITH_COUNTS = OpDef("UniqueWithCounts", _unique_kernel, grad=None)


def _unique(op_def, x, out_idx, name, counts):
    x = convert_to_tensor(x)
    if x.shape.ndims is not None and x.shape.ndims != 1:
        raise build_error(op_def.type, name, [x], "%s: x must be 1-D, got shape %s" % (op_def.type, x.shape))
    out_idx = dtypes.as_dtype(out_idx)
    if out_idx not in (dtypes.int32, dtypes.int64):
        raise build_error(op_def.type, name, [x], "%s: out_idx must be int32 or int64, got %s"
                          % (op_def.type, out_idx.name), TypeError)
    specs = [(x.dtype, [None]), (out_idx, x.shape)] + ([(out_idx, [None])] if counts else [])
    return tuple(make_op(op_def, [x], specs, name, params={"out_idx": out_idx, "counts": counts}).outputs)


def unique(x, out_idx=dtypes.int32, name=None):
    """The distinct values of 1-D ``x`` in order of first occurrence, and each entry's index into them.

    Example:
        >>> y, idx = kf.unique([1, 1, 2, 4, 4, 4, 7, 8, 8])   # y [1, 2, 4, 7, 8]; idx [0, 0, 1, 2, 2, 2, 3, 4, 4]
    """
    return _unique(UNIQUE, x, out_idx, name, counts=False)


def unique_with_counts(x, out_idx=dtypes.int32, name=None):
    """``unique`` plus how many times each distinct value occurs.

    Example:
        >>> y, idx, count = kf.unique_with_counts([1, 1, 2])   # count [2, 1]
    """
    return _unique(UNIQUE_WITH_COUNTS, x, out_idx, name, counts=True)


def _searchsorted_kernel(sorted_sequence, values, side, out_type):
    xp = devices.array_module(sorted_sequence)
    seq = sorted_sequence.reshape(-1, sorted_sequence.shape[-1])
    vals = values.reshape(-1, values.shape[-1])
    if seq.shape[0] != vals.shape[0]:
        raise ValueError("searchsorted: sorted_sequence %s and values %s must have the same leading dimensions"
                         % (sorted_sequence.shape, values.shape))
    out = xp.stack([xp.searchsorted(s, v, side=side) for s, v in zip(seq, vals)]) if len(seq) else \
        xp.zeros(vals.shape, np.int64)
    return out.reshape(values.shape).astype(out_type.as_numpy_dtype)


SEARCH_SORTED = OpDef("SearchSorted", _searchsorted_kernel, grad=None)


def searchsorted(sorted_sequence, values, side="left", out_type=dtypes.int32, name=None):
    """Where each of ``values`` would be inserted into the sorted innermost rows of ``sorted_sequence`` to keep
    them sorted (``side`` "left": before equal entries; "right": after).

    Example:
        >>> kf.searchsorted([[0, 3, 9], [1, 2, 3]], [[2, 9], [0, 3]])   # [[1, 2], [0, 2]]
    """
    seq, vals = convert_to_tensor(sorted_sequence), convert_to_tensor(values)
    if side not in ("left", "right"):
        raise build_error("SearchSorted", name, [seq, vals], "searchsorted: side must be 'left' or 'right', got %r"
                          % (side,))
    if seq.dtype is not vals.dtype:
        raise build_error("SearchSorted", name, [seq, vals], "searchsorted: sorted_sequence (%s) and values (%s) "
                          "must have one dtype" % (seq.dtype.name, vals.dtype.name), TypeError)
    sd, vd = seq.shape.dims, vals.shape.dims
    if sd is not None and vd is not None and (len(sd) != len(vd) or len(sd) == 0 or
                                              not seq.shape[:-1].is_compatible_with(vals.shape[:-1])):
        raise build_error("SearchSorted", name, [seq, vals], "searchsorted: sorted_sequence %s and values %s must "
                          "have the same rank (>= 1) and leading dimensions" % (seq.shape, vals.shape))
    out_type = dtypes.as_dtype(out_type)
    return make_op(SEARCH_SORTED, [seq, vals], [(out_type, vals.shape)], name or "SearchSorted",
                   params={"side": side, "out_type": out_type}).outputs[0]
