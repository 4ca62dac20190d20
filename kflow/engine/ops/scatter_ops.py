"""N-d indexing: gather_nd, scatter_nd and tensor_scatter_nd_update/add/sub (each beside its gradient).

``indices`` has shape ``[..., K]``: each innermost vector addresses the first K dimensions of the tensor, so
a slice of shape ``shape[K:]`` is read or written per index vector. Repeated indices add up in scatter_nd and
tensor_scatter_nd_add/sub (as TF); in tensor_scatter_nd_update the last write wins.

Example:
    >>> kf.gather_nd([[1, 2], [3, 4]], [[1, 0], [0, 1]])            # [3, 2]
    >>> kf.scatter_nd([[0], [2]], [5.0, 7.0], [4])                  # [5, 0, 7, 0]
    >>> kf.tensor_scatter_nd_update(kf.zeros([3]), [[1]], [9.0])    # [0, 9, 0]
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import scatter_add
from kflow.engine.ops.params import constant_value
from kflow.engine.ops.unary_math_ops import negative
from kflow.engine.ops.array_ops import zeros_like


def _key(op_type, idx, shape):
    """The numpy index tuple of ``idx`` ([..., K]) into ``shape``; out-of-range indices raise IndexError."""
    k = idx.shape[-1]
    if k > len(shape):
        raise IndexError("%s: index depth %d exceeds the rank %d of the tensor (shape %s)"
                         % (op_type, k, len(shape), tuple(shape)))
    if devices.array_module(idx) is np and idx.size:
        bound = np.asarray(shape[:k])
        bad = (idx < 0) | (idx >= bound)
        if bad.any():
            where = np.argwhere(bad.any(axis=-1))[0]
            raise IndexError("%s: index %s (at position %s of indices with shape %s) is out of range for a "
                             "tensor of shape %s" % (op_type, idx[tuple(where)].tolist(), where.tolist(),
                                                     idx.shape, tuple(shape)))
    return tuple(np.moveaxis(idx, -1, 0))


def _gather_nd_kernel(p, idx):
    return p[_key("GatherNd", idx, p.shape)]


def _scatter_nd_kernel(idx, updates, shape):
    shape = tuple(int(s) for s in devices.to_numpy(shape))
    out = devices.array_module(updates).zeros(shape, updates.dtype)
    return scatter_add(out, _key("ScatterNd", idx, shape), updates)


def _gather_nd_grad_kernel(g, idx, p):
    out = devices.array_module(g).zeros(p.shape, g.dtype)
    return scatter_add(out, _key("GatherNdGrad", idx, p.shape), g)


def _tensor_scatter_kernel(mode):
    def kernel(x, idx, updates):
        out = x.copy()
        key = _key("TensorScatter" + mode, idx, x.shape)
        if mode == "Update":
            out[key] = updates
        else:
            scatter_add(out, key, updates if mode == "Add" else -updates)
        return out
    return kernel


def _gather_nd_grad(op, grad):
    p, idx = op.inputs
    return [make_op(GATHER_ND_GRAD, [grad, idx, p], [(grad.dtype, p.shape)], "GatherNdGrad").outputs[0], None]


def _scatter_nd_grad(op, grad):
    return [None, gather_nd(grad, op.inputs[0]), None]


def _tensor_scatter_grad(mode):
    def grad_fn(op, grad):
        x, idx, updates = op.inputs
        picked = gather_nd(grad, idx)
        if mode == "Update":  # overwritten entries of x do not reach the output
            return [tensor_scatter_nd_update(grad, idx, zeros_like(updates)), None, picked]
        return [grad, None, picked if mode == "Add" else negative(picked)]
    return grad_fn


GATHER_ND = OpDef("GatherNd", _gather_nd_kernel, grad=_gather_nd_grad)
GATHER_ND_GRAD = OpDef("GatherNdGrad", _gather_nd_grad_kernel,
                       grad=lambda op, grad: [gather_nd(grad, op.inputs[1]), None, None])
SCATTER_ND = OpDef("ScatterNd", _scatter_nd_kernel, grad=_scatter_nd_grad)
TENSOR_SCATTER_UPDATE = OpDef("TensorScatterUpdate", _tensor_scatter_kernel("Update"),
                              grad=_tensor_scatter_grad("Update"))
TENSOR_SCATTER_ADD = OpDef("TensorScatterAdd", _tensor_scatter_kernel("Add"), grad=_tensor_scatter_grad("Add"))
TENSOR_SCATTER_SUB = OpDef("TensorScatterSub", _tensor_scatter_kernel("Sub"), grad=_tensor_scatter_grad("Sub"))


def _indices(op_type, name, idx, others):
    idx = convert_to_tensor(idx)
    if not idx.dtype.is_integer:
        raise build_error(op_type, name, others + [idx], "%s: indices must be int32 or int64, got %s"
                          % (op_type, idx.dtype.name), TypeError)
    if idx.shape.ndims == 0:
        raise build_error(op_type, name, others + [idx], "%s: indices must have rank >= 1 ([..., K]), got a "
                          "scalar" % op_type)
    return idx


def _slices_shape(idx, shape_dims):
    """``indices.shape[:-1] + shape[K:]``: the shape of what one gather_nd reads (or one scatter writes)."""
    idims = idx.shape.dims
    if idims is None or shape_dims is None or idims[-1] is None:
        return None
    return list(idims[:-1]) + list(shape_dims[idims[-1]:])


def _check_static(op_type, name, idx, shape_dims, inputs):
    known = constant_value(idx)
    if known is None or shape_dims is None or known.ndim == 0:
        return
    k = known.shape[-1]
    if k > len(shape_dims):
        raise build_error(op_type, name, inputs, "%s: index depth %d exceeds the rank %d of the tensor"
                          % (op_type, k, len(shape_dims)))
    bound = [d if d is not None else np.iinfo(np.int64).max for d in shape_dims[:k]]
    if known.size and ((known < 0) | (known >= np.asarray(bound))).any():
        raise build_error(op_type, name, inputs, "%s: indices %s are out of range for a tensor of shape %s"
                          % (op_type, known.tolist(), list(shape_dims)), IndexError)


def gather_nd(params, indices, name=None, batch_dims=0):
    """Slices of ``params`` addressed by the index vectors in the last dimension of ``indices``.

    Returns:
        A tensor of shape ``indices.shape[:-1] + params.shape[K:]`` (K = ``indices.shape[-1]``).

    Example:
        >>> kf.gather_nd([[1, 2], [3, 4]], [[1]])   # [[3, 4]]
    """
    p = convert_to_tensor(params)
    idx = _indices("GatherNd", name, indices, [p])
    if batch_dims:
        raise build_error("GatherNd", name, [p, idx], "gather_nd: batch_dims=%r is not supported" % (batch_dims,))
    _check_static("GatherNd", name, idx, p.shape.dims, [p, idx])
    return make_op(GATHER_ND, [p, idx], [(p.dtype, _slices_shape(idx, p.shape.dims))], name).outputs[0]


def scatter_nd(indices, updates, shape, name=None):
    """A zero tensor of ``shape`` with ``updates`` added at ``indices`` (repeated indices add up).

    Example:
        >>> kf.scatter_nd([[1], [1]], [2.0, 3.0], [3])   # [0, 5, 0]
    """
    u = convert_to_tensor(updates)
    idx = _indices("ScatterNd", name, indices, [u])
    s = convert_to_tensor(shape, dtype=idx.dtype)
    known = constant_value(s)
    dims = None if known is None else [int(d) for d in known]
    _check_static("ScatterNd", name, idx, dims, [idx, u])
    expected = _slices_shape(idx, dims)
    if expected is not None and not u.shape.is_compatible_with(expected):
        raise build_error("ScatterNd", name, [idx, u], "scatter_nd: updates must have shape indices.shape[:-1] + "
                          "shape[K:] = %s for shape %s, got %s" % (expected, dims, u.shape))
    return make_op(SCATTER_ND, [idx, u, s], [(u.dtype, dims)], name).outputs[0]


def _tensor_scatter(op_def, tensor, indices, updates, name):
    x = convert_to_tensor(tensor)
    u = convert_to_tensor(updates, dtype=x.dtype)
    idx = _indices(op_def.type, name, indices, [x, u])
    if u.dtype != x.dtype:
        raise build_error(op_def.type, name, [x, idx, u], "%s: updates dtype %s does not match the tensor's %s"
                          % (op_def.type, u.dtype.name, x.dtype.name), TypeError)
    _check_static(op_def.type, name, idx, x.shape.dims, [x, idx, u])
    expected = _slices_shape(idx, x.shape.dims)
    if expected is not None and not u.shape.is_compatible_with(expected):
        raise build_error(op_def.type, name, [x, idx, u], "%s: updates must have shape indices.shape[:-1] + "
                          "tensor.shape[K:] = %s, got %s" % (op_def.type, expected, u.shape))
    return make_op(op_def, [x, idx, u], [(x.dtype, x.shape)], name).outputs[0]


def tensor_scatter_nd_update(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with the slices at ``indices`` replaced by ``updates``.

    Example:
        >>> kf.tensor_scatter_nd_update([1, 2, 3], [[0], [2]], [7, 9])   # [7, 2, 9]
    """
    return _tensor_scatter(TENSOR_SCATTER_UPDATE, tensor, indices, updates, name)


def tensor_scatter_nd_add(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` added at ``indices`` (repeated indices add up).

    Example:
        >>> kf.tensor_scatter_nd_add([1, 2, 3], [[0], [0]], [1, 1])   # [3, 2, 3]
    """
    return _tensor_scatter(TENSOR_SCATTER_ADD, tensor, indices, updates, name)


def tensor_scatter_nd_sub(tensor, indices, updates, name=None):
    """A copy of ``tensor`` with ``updates`` subtracted at ``indices``.

    Example:
        >>> kf.tensor_scatter_nd_sub([1, 2, 3], [[1]], [2])   # [1, 0, 3]
    """
    return _tensor_scatter(TENSOR_SCATTER_SUB, tensor, indices, updates, name)


# TF 1.15's older names
tensor_scatter_update = tensor_scatter_nd_update
tensor_scatter_add = tensor_scatter_nd_add
tensor_scatter_sub = tensor_scatter_nd_sub
