"""Sparse to dense conversion: ``kf.sparse.to_dense`` / ``kf.sparse_tensor_to_dense``.

Example:
    >>> dense = kf.sparse.to_dense(kf.SparseTensor([[0, 1]], [5], [2, 2]))   # [[0, 5], [0, 0]]
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.errors import InvalidArgumentError
from kflow.sparse.sparse_tensor import SparseTensor


def _to_dense_kernel(indices, values, dense_shape, default):
    xp = devices.array_module(values)
    shape = tuple(int(d) for d in devices.to_numpy(dense_shape))
    out = xp.full(shape, default, dtype=values.dtype)
    if len(indices):
        idx = devices.to_numpy(indices)
        if idx.ndim != 2 or idx.shape[1] != len(shape):
            raise InvalidArgumentError(None, None, "sparse indices have shape %s but the dense shape %s has rank %d"
                                       % (idx.shape, list(shape), len(shape)))
        if (idx < 0).any() or (idx >= np.asarray(shape)).any():
            bad = int(np.flatnonzero(((idx < 0) | (idx >= np.asarray(shape))).any(axis=1))[0])
            raise InvalidArgumentError(None, None, "indices[%d] = %s is out of bounds: need 0 <= index < %s"
                                       % (bad, idx[bad].tolist(), list(shape)))
        out[tuple(xp.asarray(idx).T)] = values
    return out


def _gather_values_kernel(grad, indices):
    if not len(indices):
        return grad.reshape(-1)[:0]
    xp = devices.array_module(grad)
    return grad[tuple(xp.asarray(devices.to_numpy(indices)).T)]


# no gradient defined: second derivatives through to_dense are not supported
SPARSE_TO_DENSE_VALUES_GRAD = OpDef("SparseToDenseValuesGrad", _gather_values_kernel)


def _to_dense_grad(op, grad):
    indices, values = op.inputs[0], op.inputs[1]
    values_grad = make_op(SPARSE_TO_DENSE_VALUES_GRAD, [grad, indices], [(values.dtype, values.shape)]).outputs[0]
    return [None, values_grad, None, None]


SPARSE_TO_DENSE = OpDef("SparseToDense", _to_dense_kernel, grad=_to_dense_grad)


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    """The dense tensor of ``sp_input`` with ``default_value`` (0 / b"") where no value is given."""
    if not isinstance(sp_input, SparseTensor):
        raise TypeError("to_dense expects a SparseTensor, got %s" % type(sp_input).__name__)
    dtype = sp_input.dtype
    if default_value is None:
        default_value = b"" if dtype.name == "string" else 0
    default = convert_to_tensor(np.asarray(default_value, dtype=dtype.as_numpy_dtype), name="default_value")
    if default.shape.ndims not in (None, 0):
        raise build_error("SparseToDense", name, [default], "default_value must be a scalar, got shape %s"
                          % default.shape)
    inputs = [sp_input.indices, sp_input.values, sp_input.dense_shape, default]
    return make_op(SPARSE_TO_DENSE, inputs, [(dtype, sp_input.shape)], name or "SparseToDense").outputs[0]


sparse_tensor_to_dense = to_dense
