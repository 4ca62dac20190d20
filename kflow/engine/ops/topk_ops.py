"""Ranking ops: top_k (values and indices of the k largest entries of each row) and in_top_k.

Ties rank the lower index first, as TF does. The gradient of top_k scatters the values' gradient back
to the selected positions.

Example:
    >>> values, indices = kf.nn.top_k(scores, k=5)
    >>> hit = kf.nn.in_top_k(logits, labels, k=1)      # bool [batch]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.params import make_param_op, constant_value, data_grads


def _descending_order(x):
    """Indices sorting the last axis of ``x`` from largest to smallest, lower index first among ties."""
    xp = devices.array_module(x)
    key = x if x.dtype.kind in "fi" else x.astype(np.int64)
    return xp.argsort(-key, axis=-1, kind="stable")


def _top_k_kernel(x, k):
    k = int(devices.to_numpy(k))
    n = x.shape[-1]
    if not 0 <= k <= n:
        raise ValueError("top_k: input must have at least k=%d columns, got shape %s" % (k, x.shape))
    idx = _descending_order(x)[..., :k]
    return np.take_along_axis(x, idx, axis=-1), idx.astype(np.int32)


def _top_k_grad(op, grad, grad_indices=None):
    if grad is None:
        return data_grads(op, [None])
    x = op.inputs[0]
    dx = make_op(TOP_K_GRAD, [grad, op.outputs[1], x], [(grad.dtype, x.shape)], "TopKGrad").outputs[0]
    return data_grads(op, [dx])


TOP_K = OpDef("TopKV2", _top_k_kernel, grad=_top_k_grad)


def top_k(input, k=1, sorted=True, name=None):  # noqa: A002 - TF's argument names
    """The ``k`` largest entries of each row (last axis) of ``input`` and their indices.

    Returns:
        ``(values, indices)``: values have ``input``'s dtype, indices are int32; both of shape
        ``input.shape[:-1] + [k]``, sorted in descending order.

    Example:
        >>> kf.nn.top_k([[1.0, 3.0, 2.0]], k=2)   # values [[3., 2.]], indices [[1, 2]]
    """
    x = convert_to_tensor(input)
    if not x.dtype.is_numeric or x.dtype.is_bool:
        raise build_error("TopKV2", name, [x], "top_k: input must be a real number tensor, got %s" % x.dtype.name,
                          TypeError)
    if x.shape.ndims == 0:
        raise build_error("TopKV2", name, [x], "top_k: input must have rank >= 1, got a scalar")
    kv = constant_value(k)
    dims = x.shape.dims
    kk = None if kv is None else int(kv)
    if kk is not None and (kk < 0 or dims is not None and dims[-1] is not None and kk > dims[-1]):
        raise build_error("TopKV2", name, [x], "top_k: input must have at least k=%d columns, got shape %s"
                          % (kk, x.shape))
    out = None if dims is None else list(dims[:-1]) + [kk]
    op = make_param_op(TOP_K, [x], [k], [(x.dtype, out), (dtypes.int32, out)], name or "TopKV2",
                       attrs={"sorted": bool(sorted)})
    return op.outputs[0], op.outputs[1]


def _rows(a):
    return a.reshape(-1, a.shape[-1])


def _scatter_last_axis(g, idx, x):
    xp = devices.array_module(g)
    out = xp.zeros(x.shape, dtype=g.dtype)
    o, i = _rows(out), _rows(idx)
    if i.size:
        o[xp.arange(o.shape[0])[:, None], i] = _rows(g)  # indices of one row are distinct
    return out


def _top_k_grad_grad(op, grad):
    idx = op.inputs[1]
    gathered = make_op(GATHER_LAST_AXIS, [grad, idx], [(grad.dtype, idx.shape)], "GatherLastAxis").outputs[0]
    return [gathered, None, None]


TOP_K_GRAD = OpDef("TopKGrad", _scatter_last_axis, grad=_top_k_grad_grad)


def _gather_last_axis(v, idx):
    return np.take_along_axis(v, idx.astype(np.int64), axis=-1)


def _gather_last_axis_grad(op, grad):
    v, idx = op.inputs
    return [make_op(TOP_K_GRAD, [grad, idx, v], [(grad.dtype, v.shape)], "TopKGrad").outputs[0], None]


GATHER_LAST_AXIS = OpDef("GatherLastAxis", _gather_last_axis, grad=_gather_last_axis_grad)


def _in_top_k_kernel(p, t, k):
    xp = devices.array_module(p)
    k = int(devices.to_numpy(k))
    n, c = p.shape
    if t.shape != (n,):
        raise ValueError("in_top_k: targets must have shape (%d,) for predictions of shape %s, got %s"
                         % (n, p.shape, t.shape))
    valid = (t >= 0) & (t < c)
    safe = xp.where(valid, t, 0)
    target = p[xp.arange(n), safe]
    # as in TF: a target out of range or any non-finite prediction in the row gives False
    ok = valid & xp.isfinite(p).all(axis=1)
    return ok & ((p > target[:, None]).sum(axis=1) < k)


IN_TOP_K = OpDef("InTopKV2", _in_top_k_kernel, grad=None)


def in_top_k(predictions, targets, k, name=None):
    """Whether ``targets[i]`` is among the ``k`` largest ``predictions[i]`` (ties count in its favour).

    Example:
        >>> kf.nn.in_top_k([[0.1, 0.9], [0.8, 0.2]], [1, 1], k=1)   # [True, False]
    """
    p = convert_to_tensor(predictions)
    t = convert_to_tensor(targets)
    if not p.dtype.is_floating:
        raise build_error("InTopKV2", name, [p, t], "in_top_k: predictions must be floating point, got %s"
                          % p.dtype.name, TypeError)
    if not t.dtype.is_integer:
        raise build_error("InTopKV2", name, [p, t], "in_top_k: targets must be int32 or int64, got %s"
                          % t.dtype.name, TypeError)
    if p.shape.ndims not in (None, 2) or t.shape.ndims not in (None, 1):
        raise build_error("InTopKV2", name, [p, t], "in_top_k: predictions must be 2-D and targets 1-D, got shapes "
                          "%s and %s" % (p.shape, t.shape))
    pb = None if p.shape.dims is None else p.shape.dims[0]
    tb = None if t.shape.dims is None else t.shape.dims[0]
    if pb is not None and tb is not None and pb != tb:
        raise build_error("InTopKV2", name, [p, t], "in_top_k: Dimensions must be equal, but are %d and %d: "
                          "targets needs one entry per row of predictions" % (pb, tb))
    batch = pb if pb is not None else tb
    return make_param_op(IN_TOP_K, [p, t], [k], [(dtypes.bool, [batch])], name or "in_top_k").outputs[0]
