"""kf.sets: TF's set operations on the last dimension (``tf.sets`` / TF1 ``set_intersection`` etc.).

Each row of the last dimension (of a dense tensor, or of a SparseTensor's present values) is a set of
integers or strings. The operations compare row by row and return a SparseTensor whose row ``i`` holds the
sorted result for row ``i``; its last dimension is the largest result size. ``size`` counts each row's
distinct values (a SparseTensor input, as in TF).

Example:
    >>> kf.sets.intersection([[1, 2, 2, 3]], [[2, 3, 9, 9]])   # SparseTensor: values [2 3], dense_shape [1 2]
"""
import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.sparse.sparse_tensor import SparseTensor

_SET_DTYPES = (dtypes.int8, dtypes.int16, dtypes.int32, dtypes.int64, dtypes.uint8, dtypes.uint16, dtypes.string)
_COMBINE = {"intersection": lambda a, b: a & b, "union": lambda a, b: a | b,
            "a-b": lambda a, b: a - b, "b-a": lambda a, b: b - a}


def _rows(arrays, sparse):
    """(row grid shape, {row index: python set}) of one operand's arrays."""
    if not sparse:
        dense = np.asarray(arrays[0])
        grid = dense.shape[:-1]
        flat = dense.reshape(-1, dense.shape[-1]) if dense.size or dense.shape[-1] else dense.reshape(-1, 0)
        return grid, {row: set(flat[n].tolist()) for n, row in enumerate(np.ndindex(grid))}
    indices, values, shape = (np.asarray(a) for a in arrays)
    grid = tuple(int(d) for d in shape[:-1])
    rows = {}
    for index, value in zip(indices, values.tolist()):
        rows.setdefault(tuple(int(i) for i in index[:-1]), set()).add(value)
    return grid, rows


def _as_sparse(grid, rows, dtype):
    results = {row: sorted(values) for row, values in rows.items() if values}
    width = max((len(v) for v in results.values()), default=0)
    indices, values = [], []
    for row in sorted(results):
        indices.extend(row + (col,) for col in range(len(results[row])))
        values.extend(results[row])
    out_values = np.empty(len(values), dtype=dtype)
    out_values[:] = values
    return (np.array(indices, np.int64).reshape(-1, len(grid) + 1), out_values,
            np.array(list(grid) + [width], np.int64))


def _set_kernel(*arrays, operation, a_sparse, b_sparse):
    split = 3 if a_sparse else 1
    grid_a, rows_a = _rows(arrays[:split], a_sparse)
    grid_b, rows_b = _rows(arrays[split:], b_sparse)
    if tuple(grid_a) != tuple(grid_b):
        raise errors.InvalidArgumentError(None, None, "set %s: mismatched row shapes %s vs %s (all dimensions but "
                                          "the last must agree)" % (operation, list(grid_a), list(grid_b)))
    combine = _COMBINE[operation]
    rows = {row: combine(rows_a.get(row, set()), rows_b.get(row, set())) for row in np.ndindex(grid_a)}
    dtype = object if np.asarray(arrays[split - 1]).dtype == object else np.asarray(arrays[split - 1]).dtype
    return _as_sparse(grid_a, rows, dtype)


def _size_kernel(indices, values, shape):
    grid, rows = _rows((indices, values, shape), True)
    out = np.zeros(grid, np.int32)
    for row, members in rows.items():
        out[row] = len(members)
    return out


SET_OPERATION = OpDef("SetOperation", _set_kernel, grad=None, host_only=True)  # TF: (Dense|Sparse)To*SetOperation
SET_SIZE = OpDef("SetSize", _size_kernel, grad=None, host_only=True)


def _operand(x, what, op_name, name):
    if isinstance(x, SparseTensor):
        parts, dtype, rank = [x.indices, x.values, x.dense_shape], x.values.dtype, x.shape.ndims
    else:
        t = convert_to_tensor(x)
        parts, dtype, rank = [t], t.dtype, t.shape.ndims
    if dtype not in _SET_DTYPES:
        raise build_error(op_name, name, parts, "sets.%s: %s has invalid dtype %s (sets hold int8/16/32/64, "
                          "uint8/16 or string values)" % (op_name, what, dtype.name), TypeError)
    if rank is not None and rank < 2:
        raise build_error(op_name, name, parts, "sets.%s: %s must have rank >= 2 (sets along the last dimension), "
                          "got rank %d" % (op_name, what, rank))
    return parts, dtype, rank, isinstance(x, SparseTensor)


def _set_operation(a, b, operation, op_name, name):
    a_parts, a_dtype, rank, a_sparse = _operand(a, "a", op_name, name)
    b_parts, b_dtype, _, b_sparse = _operand(b, "b", op_name, name)
    if a_dtype is not b_dtype:
        raise build_error(op_name, name, a_parts + b_parts, "sets.%s: a and b must have one dtype, got %s and %s"
                          % (op_name, a_dtype.name, b_dtype.name), TypeError)
    op = make_op(SET_OPERATION, a_parts + b_parts,
                 [(dtypes.int64, [None, rank]), (a_dtype, [None]), (dtypes.int64, [rank])], name or op_name,
                 params={"operation": operation, "a_sparse": a_sparse, "b_sparse": b_sparse})
    return SparseTensor(*op.outputs)


def intersection(a, b, validate_indices=True, name=None):
    """Row-wise set intersection of the last dimension of ``a`` and ``b`` (dense or SparseTensor), as a
    SparseTensor."""
    return _set_operation(a, b, "intersection", "intersection", name)


def union(a, b, validate_indices=True, name=None):
    """Row-wise set union of the last dimension of ``a`` and ``b``, as a SparseTensor."""
    return _set_operation(a, b, "union", "union", name)


def difference(a, b, aminusb=True, validate_indices=True, name=None):
    """Row-wise ``a - b`` (or ``b - a`` when ``aminusb`` is False) of the last dimension, as a SparseTensor."""
    return _set_operation(a, b, "a-b" if aminusb else "b-a", "difference", name)


def size(a, validate_indices=True, name=None):
    """The number of distinct values in each row of the SparseTensor ``a`` (int32, shape ``dense_shape[:-1]``).

    Raises:
        TypeError: ``a`` is not a SparseTensor (as in TF).
    """
    if not isinstance(a, SparseTensor):
        raise TypeError("sets.size: expected a SparseTensor, got %r (build one with kf.SparseTensor(indices, values, "
                        "dense_shape))" % (a,))
    parts, _, rank, _ = _operand(a, "a", "size", name)
    return make_op(SET_SIZE, parts, [(dtypes.int32, [None] * (rank - 1) if rank else None)],
                   name or "SetSize").outputs[0]


set_intersection, set_union, set_difference, set_size = intersection, union, difference, size

__all__ = ["intersection", "union", "difference", "size", "set_intersection", "set_union", "set_difference",
           "set_size"]
