"""Segment reductions: segment_sum/mean/max/min/prod (sorted ids) and unsorted_segment_* (any ids, given count).

``segment_ids`` label the leading dimensions of ``data`` (1-D for the sorted ops; any prefix shape for the
unsorted ones); entries with the same id are reduced into one output row. As in TF: empty segments give 0
(sum, mean, sorted max/min), 1 (prod), the dtype's lowest/highest value (unsorted max/min); unsorted ops drop
entries with a negative id. The max/min gradient is shared among tied entries.

Example:
    >>> kf.segment_sum([1.0, 2.0, 3.0], [0, 0, 1])                       # [3, 3]
    >>> kf.unsorted_segment_max([1.0, 5.0, 3.0], [1, 0, 1], num_segments=3)   # [5, 3, lowest]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.comparison_ops import equal
from kflow.engine.ops.elementwise import cast, ones_like
from kflow.engine.ops.gather_ops import gather
from kflow.engine.ops.math_ops import divide, maximum
from kflow.engine.ops.unary_math_ops import sqrt
from kflow.engine.ops.params import constant_value

_UFUNCS = {"sum": np.add, "mean": np.add, "max": np.maximum, "min": np.minimum, "prod": np.multiply}


def _identity(kind, dtype):
    if kind == "prod":
        return 1
    if kind in ("max", "min"):
        info = np.finfo(dtype) if dtype.kind == "f" else np.iinfo(dtype)
        return info.min if kind == "max" else info.max
    return 0


def _num_segments(op_type, ids, num):
    """The segment count: given (unsorted ops) or ``ids[-1] + 1`` after checking ids are sorted (sorted ops)."""
    host = devices.to_numpy(ids).reshape(-1)
    if num is not None:
        n = int(devices.to_numpy(num))
        if host.size and host.max() >= n:
            raise IndexError("%s: segment id %d is not below num_segments=%d" % (op_type, host.max(), n))
        return n
    if host.size and (host[0] < 0 or (np.diff(host) < 0).any()):
        raise ValueError("%s: segment_ids must be sorted non-negative ids, got %s" % (op_type, host.tolist()))
    return int(host[-1]) + 1 if host.size else 0


def _flat(data, ids):
    """``data`` with the id dimensions flattened into one, and the ids flattened alike."""
    if data.shape[:ids.ndim] != ids.shape:
        raise ValueError("segment ops: segment_ids shape %s must be a prefix of data shape %s"
                         % (ids.shape, data.shape))
    return data.reshape((-1,) + data.shape[ids.ndim:]), ids.reshape(-1)


def _segment_kernel(data, ids, *num, kind, op_type):
    xp = devices.array_module(data)
    n = _num_segments(op_type, ids, num[0] if num else None)
    flat, flat_ids = _flat(data, ids)
    keep = flat_ids >= 0
    flat, flat_ids = flat[keep], flat_ids[keep]
    out = xp.full((n,) + flat.shape[1:], _identity(kind, data.dtype), dtype=data.dtype)
    if xp is np:
        _UFUNCS[kind].at(out, flat_ids, flat)
    else:  # pragma: no cover - needs a GPU: scatter on the host
        host = devices.to_numpy(out)
        _UFUNCS[kind].at(host, devices.to_numpy(flat_ids), devices.to_numpy(flat))
        out = xp.asarray(host)
    if kind == "mean" or (kind in ("max", "min") and not num):
        count = xp.bincount(flat_ids, minlength=n).reshape((n,) + (1,) * (out.ndim - 1))
        if kind == "mean":
            out = (out / xp.maximum(count, 1)).astype(data.dtype)
        else:  # the sorted ops give 0 for an empty segment
            out[(count == 0).reshape(-1)] = 0
    return out


def _segment_gather_kernel(g, ids):
    """``g[ids]`` (each entry receives its segment's value); entries with a negative id get 0."""
    xp = devices.array_module(g)
    out = xp.take(g, xp.maximum(ids, 0), axis=0)
    if (ids < 0).any():
        out[ids < 0] = 0
    return out


def _prod_others_kernel(x, ids, *num):
    """For each entry, the product of the other entries of its segment (exact with zeros, as TF's gradient)."""
    xp = devices.array_module(x)
    n = _num_segments("SegmentProdGrad", ids, num[0] if num else None)
    flat, flat_ids = _flat(x, ids)
    host_ids = devices.to_numpy(flat_ids)
    keep, safe_ids = host_ids >= 0, np.maximum(host_ids, 0)  # dropped entries (id < 0) get 0 below
    host = devices.to_numpy(flat)
    zero = host == 0
    zeros = np.zeros((n,) + host.shape[1:], np.int64)
    np.add.at(zeros, host_ids[keep], zero[keep])
    nonzero_prod = np.ones((n,) + host.shape[1:], host.dtype)
    np.multiply.at(nonzero_prod, host_ids[keep], np.where(zero, 1, host)[keep])
    z, p = zeros[safe_ids], nonzero_prod[safe_ids]
    others = np.where(zero, np.where(z == 1, p, 0), np.where(z == 0, p / np.where(zero, 1, host), 0))
    others[~keep] = 0
    return xp.asarray(others.astype(x.dtype).reshape(x.shape))


def _segment_gather(g, ids):
    dims = None if g.shape.dims is None or ids.shape.dims is None else \
        list(ids.shape.dims) + list(g.shape.dims[1:])
    return make_op(SEGMENT_GATHER, [g, ids], [(g.dtype, dims)], "SegmentGather").outputs[0]


def _segment_grad(op, grad):
    data, ids = op.inputs[:2]
    kind = op.attrs["kind"]
    tail = [None] * (len(op.inputs) - 2)
    if kind == "sum":
        return [_segment_gather(grad, ids), None] + tail
    count = _segment_gather(_reduce(UNSORTED, "sum", ones_like(data), ids, _segments_of(op), None), ids)
    if kind == "mean":
        return [_segment_gather(grad, ids) / maximum(count, ones_like(count)), None] + tail
    if kind == "prod":
        others = make_op(PROD_OTHERS, list(op.inputs), [(data.dtype, data.shape)], "SegmentProdOthers").outputs[0]
        return [_segment_gather(grad, ids) * others, None] + tail
    # max/min: the entries equal to their segment's result share its gradient
    chosen = cast(equal(data, _segment_gather(op.outputs[0], ids)), data.dtype)
    ties = _segment_gather(_reduce(UNSORTED, "sum", chosen, ids, _segments_of(op), None), ids)
    return [_segment_gather(grad, ids) * chosen / maximum(ties, ones_like(ties)), None] + tail


def _segments_of(op):
    """The segment count of a segment op, as a tensor."""
    return op.inputs[2] if len(op.inputs) > 2 else _count_tensor(op.outputs[0])


def _count_tensor(out):
    return make_op(FIRST_DIM, [out], [(dtypes.int32, [])], "SegmentCount").outputs[0]


SORTED = OpDef("SegmentReduction", _segment_kernel, grad=_segment_grad)
UNSORTED = OpDef("UnsortedSegmentReduction", _segment_kernel, grad=_segment_grad)
SEGMENT_GATHER = OpDef("SegmentGather", _segment_gather_kernel,
                       grad=lambda op, grad: [_reduce(UNSORTED, "sum", grad, op.inputs[1],
                                                      _count_tensor(op.inputs[0]), None), None])
PROD_OTHERS = OpDef("SegmentProdOthers", _prod_others_kernel)
FIRST_DIM = OpDef("SegmentCount", lambda x: np.asarray(x.shape[0], np.int32), grad=None)


def _reduce(op_def, kind, data, segment_ids, num_segments, name):
    op_type = ("Unsorted" if op_def is UNSORTED else "") + "Segment" + kind.capitalize()
    x = convert_to_tensor(data)
    ids = convert_to_tensor(segment_ids)
    inputs = [x, ids]
    if not ids.dtype.is_integer:
        raise build_error(op_type, name, inputs, "%s: segment_ids must be int32 or int64, got %s"
                          % (op_type, ids.dtype.name), TypeError)
    if kind in ("mean",) and not x.dtype.is_floating:
        raise build_error(op_type, name, inputs, "%s: data must be floating point, got %s"
                          % (op_type, x.dtype.name), TypeError)
    xd, idd = x.shape.dims, ids.shape.dims
    if op_def is SORTED and idd is not None and len(idd) != 1:
        raise build_error(op_type, name, inputs, "%s: segment_ids must be 1-D, got shape %s" % (op_type, ids.shape))
    if xd is not None and idd is not None and (len(idd) > len(xd) or
                                               not x.shape[:len(idd)].is_compatible_with(ids.shape)):
        raise build_error(op_type, name, inputs, "%s: segment_ids shape %s must be a prefix of data shape %s"
                          % (op_type, ids.shape, x.shape))
    n = None
    if op_def is UNSORTED:
        num = convert_to_tensor(num_segments)
        inputs.append(num)
        known = constant_value(num)
        n = None if known is None else int(known)
    out = None if xd is None or idd is None else [n] + list(xd[len(idd):])
    return make_op(op_def, inputs, [(x.dtype, out)], name or op_type,
                   params={"kind": kind, "op_type": op_type}).outputs[0]


def _sorted(kind):
    def fn(data, segment_ids, name=None):
        return _reduce(SORTED, kind, data, segment_ids, None, name)
    fn.__name__ = "segment_" + kind
    fn.__doc__ = ("The %s of the rows of ``data`` in each segment; ``segment_ids`` (1-D, sorted) label the rows.\n\n"
                  "    Example:\n        >>> kf.segment_%s([1.0, 2.0, 4.0], [0, 0, 1])\n" % (kind, kind))
    return fn


def _unsorted(kind):
    def fn(data, segment_ids, num_segments, name=None):
        return _reduce(UNSORTED, kind, data, segment_ids, num_segments, name)
    fn.__name__ = "unsorted_segment_" + kind
    fn.__doc__ = ("The %s of the entries of ``data`` with each id in ``[0, num_segments)`` (negative ids are "
                  "dropped).\n\n    Example:\n        >>> kf.unsorted_segment_%s([1.0, 2.0, 4.0], [1, 0, 1], 2)\n"
                  % (kind, kind))
    return fn


segment_sum, segment_mean, segment_max, segment_min, segment_prod = (
    _sorted(k) for k in ("sum", "mean", "max", "min", "prod"))
unsorted_segment_sum, unsorted_segment_mean, unsorted_segment_max, unsorted_segment_min, unsorted_segment_prod = (
    _unsorted(k) for k in ("sum", "mean", "max", "min", "prod"))



def _sparse_segment(kind, rows, segment_ids, num_segments, name):
    if num_segments is None:
        return _reduce(SORTED, kind, rows, segment_ids, None, name)
    return _reduce(UNSORTED, kind, rows, segment_ids, num_segments, name)


def sparse_segment_sum(data, indices, segment_ids, name=None, num_segments=None):
    """``segment_sum`` of the rows ``data[indices]`` (with ``num_segments``: the unsorted form).

    Example:
        >>> kf.sparse_segment_sum([[1.0], [2.0], [4.0]], [0, 2, 2], [0, 0, 1])   # [[5], [4]]
    """
    return _sparse_segment("sum", gather(data, indices), segment_ids, num_segments, name)


def sparse_segment_mean(data, indices, segment_ids, name=None, num_segments=None):
    """``segment_mean`` of the rows ``data[indices]``.

    Example:
        >>> kf.sparse_segment_mean([[1.0], [2.0], [4.0]], [0, 2], [0, 0])   # [[2.5]]
    """
    return _sparse_segment("mean", gather(data, indices), segment_ids, num_segments, name)


def sparse_segment_sqrt_n(data, indices, segment_ids, name=None, num_segments=None):
    """The sum of the rows ``data[indices]`` in each segment divided by the square root of its size.

    Example:
        >>> kf.sparse_segment_sqrt_n([[1.0], [3.0]], [0, 1], [0, 0])   # [[4 / sqrt(2)]]
    """
    rows = gather(data, indices)
    total = _sparse_segment("sum", rows, segment_ids, num_segments, None)
    count = _sparse_segment("sum", ones_like(rows), segment_ids, num_segments, None)
    return divide(total, sqrt(maximum(count, ones_like(count))), name=name)
