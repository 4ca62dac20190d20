"""Collectives as graph ops: ``allreduce``, ``allgather`` and ``broadcast`` run inside ``Session.run``.

Each op is one MPI collective (mpi4py) on host arrays, or one NCCL call (CuPy) on GPU arrays when the
op runs on a GPU (see ``nccl.py``); every rank must run the same collectives in the same order, as in
Horovod. Gradients follow Horovod: allreduce's is the allreduce of the gradient; allgather's is this
rank's rows of the summed gradient; broadcast's is the summed gradient on the root and zero elsewhere.
``MPIAllreduce`` takes several tensors and reduces them through one packed buffer (one collective for
many small gradients: the fusion ``DistributedOptimizer`` relies on).

Example:
    >>> kd.init()
    >>> total = kd.allreduce(kf.constant([1.0, 2.0]) * (kd.rank() + 1), average=False)
    >>> sess.run(total)                  # on 2 ranks
    array([3., 6.], dtype=float32)
"""
import numpy as np

from kflow.distribute import nccl
from kflow.distribute.world import world
from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.math_ops import multiply


def _pack(arrays, xp):
    if len(arrays) == 1:
        return xp.array(arrays[0], copy=True).reshape(-1)  # the result buffer: never the caller's array
    return xp.concatenate([a.reshape(-1) for a in arrays])


def _unpack(flat, arrays):
    if len(arrays) == 1:
        return flat.reshape(arrays[0].shape)
    outs, start = [], 0
    for a in arrays:
        outs.append(flat[start:start + a.size].reshape(a.shape))
        start += a.size
    return tuple(outs)


def _allreduce_kernel(*arrays, average):
    w = world()
    xp = devices.array_module(*arrays)
    flat = _pack(arrays, xp)
    if w.size > 1:
        if xp is not np and nccl.usable(w):
            nccl.allreduce_sum(w, flat)
        else:  # host arrays; or GPU arrays of ranks that share a GPU (NCCL needs one GPU per rank)
            host = devices.to_numpy(flat)
            w.comm.Allreduce(w.mpi.IN_PLACE, host, op=w.mpi.SUM)
            flat = host if xp is np else xp.asarray(host)
        if average:
            flat /= w.size
    return _unpack(flat, arrays)


def _allreduce_grad(op, *grads):
    return list(_allreduce_many(list(grads), op.attrs["average"]))


ALLREDUCE = OpDef("MPIAllreduce", _allreduce_kernel, grad=_allreduce_grad)


def _allreduce_many(tensors, average, name=None):
    tensors = [convert_to_tensor(t) for t in tensors]
    dtype = tensors[0].dtype
    bad = [t for t in tensors if t.dtype is not dtype or (average and not dtype.is_floating)]
    if bad:
        raise build_error("MPIAllreduce", name, tensors, "allreduce needs tensors of one dtype (floating point "
                          "when average=True); got %s." % ", ".join(t.dtype.name for t in tensors), TypeError)
    world()  # a clear error now, not at run time, when init() was not called
    op = make_op(ALLREDUCE, tensors, [(t.dtype, t.shape) for t in tensors], name, params={"average": average})
    return op.outputs


def allreduce(tensor, average=True, name=None):
    """The sum (``average=False``) or mean over all ranks of ``tensor`` (same shape on every rank)."""
    return _allreduce_many([tensor], average, name)[0]


def grouped_allreduce(tensors, average=True, name=None):
    """Reduces ``tensors`` (one dtype) with ONE collective over a packed buffer; returns them reduced."""
    return list(_allreduce_many(tensors, average, name))


def _allgather_kernel(x):
    w = world()
    x = np.ascontiguousarray(devices.to_numpy(x))
    counts = np.zeros(w.size, np.int64)
    w.comm.Allgather(np.array([x.shape[0] if x.ndim else 1], np.int64), counts)
    row = int(np.prod(x.shape[1:], dtype=np.int64))
    out = np.empty((int(counts.sum()),) + x.shape[1:], x.dtype)
    w.comm.Allgatherv(x, [out, counts * row])
    return out, counts


def _allgather_grad(op, grad, _counts_grad):
    summed = allreduce(grad, average=False)
    rows = make_op(RANK_ROWS, [summed, op.outputs[1]], [(grad.dtype, op.inputs[0].shape)],
                   params={"rank": world().rank})
    return [rows.outputs[0]]


ALLGATHER = OpDef("MPIAllgather", _allgather_kernel, grad=_allgather_grad, host_only=True)


def _rank_rows_kernel(x, counts, rank):
    start = int(counts[:rank].sum())
    return x[start:start + int(counts[rank])]


RANK_ROWS = OpDef("MPIRankRows", _rank_rows_kernel, grad=None, view=True)  # allgather's gradient helper


def allgather(tensor, name=None):
    """The concatenation along axis 0 of ``tensor`` from every rank, in rank order (first dims may differ)."""
    tensor = convert_to_tensor(tensor)
    if tensor.shape.ndims == 0:
        raise build_error("MPIAllgather", name, [tensor], "allgather needs a tensor of rank >= 1.")
    world()
    dims = tensor.shape.dims
    op = make_op(ALLGATHER, [tensor], [(tensor.dtype, None if dims is None else [None] + list(dims[1:])),
                                       (dtypes.int64, [None])], name)
    return op.outputs[0]


def _broadcast_kernel(x, root_rank):
    w = world()
    xp = devices.array_module(x)
    out = xp.array(x, copy=True)
    if w.size > 1:
        if xp is not np and nccl.usable(w):
            nccl.broadcast(w, out, root_rank)
        else:
            host = devices.to_numpy(out)
            w.comm.Bcast(host, root=root_rank)
            out = host if xp is np else xp.asarray(host)
    return out


def _broadcast_grad(op, grad):
    reduced = allreduce(grad, average=False)
    if world().rank != op.attrs["root_rank"]:
        return [multiply(reduced, 0)]
    return [reduced]


BROADCAST = OpDef("MPIBroadcast", _broadcast_kernel, grad=_broadcast_grad)


def broadcast(tensor, root_rank=0, name=None):
    """``tensor``'s value on rank ``root_rank``, on every rank.

    Raises:
        ValueError: ``root_rank`` is not a rank of the world.
    """
    tensor = convert_to_tensor(tensor)
    w = world()
    if not 0 <= root_rank < w.size:
        raise build_error("MPIBroadcast", name, [tensor], "root_rank %r is not a rank of this %d-process world."
                          % (root_rank, w.size))
    return make_op(BROADCAST, [tensor], [(tensor.dtype, tensor.shape)], name,
                   params={"root_rank": int(root_rank)}).outputs[0]

