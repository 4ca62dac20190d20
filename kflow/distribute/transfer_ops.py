"""``MPISend`` / ``MPIRecv``: the ops standing at the cut edges of a graph split over a cluster's tasks.

A send posts a non-blocking ``Isend`` of a small shape header and then the array (so it never blocks and
cannot deadlock two tasks sending to each other); :func:`wait_sends` completes them after the step. A receive
blocks until its header and array arrive. Edges carry one tag pair each; MPI's in-order delivery between two
ranks on one tag keeps successive steps apart.

Example:
    >>> make_op(SEND, [t], [], params={"dest": 1, "tag": 3})
    >>> make_op(RECV, [], [(kf.float32, [None, 4])], params={"source": 0, "tag": 3, "dtype": "<f4"})
"""
import numpy as np

from kflow.distribute.world import world
from kflow.engine.op_def import OpDef

MAX_DIMS = 32
_pending = []  # (request, buffers kept alive until it completes)


def _send_kernel(x, dest, tag):
    w = world()
    x = np.asarray(x)
    if not x.flags.c_contiguous:
        x = x.copy()  # (np.ascontiguousarray would turn a 0-d array into a 1-d one)
    if x.dtype.hasobject:
        raise TypeError("Cannot send a %s tensor to another task (only numeric and bool arrays travel)." % x.dtype)
    header = np.zeros(MAX_DIMS + 1, np.int64)
    header[0] = x.ndim
    header[1:1 + x.ndim] = x.shape
    _pending.append((w.comm.Isend(header, dest=dest, tag=tag), header))
    _pending.append((w.comm.Isend(x, dest=dest, tag=tag + 1), x))


SEND = OpDef("MPISend", _send_kernel, grad=None, host_only=True)


def _recv_kernel(source, tag, dtype):
    w = world()
    header = np.empty(MAX_DIMS + 1, np.int64)
    w.comm.Recv(header, source=source, tag=tag)
    out = np.empty(tuple(header[1:1 + header[0]]), np.dtype(dtype))
    w.comm.Recv(out, source=source, tag=tag + 1)
    return out


RECV = OpDef("MPIRecv", _recv_kernel, grad=None, host_only=True)


def wait_sends():
    """Completes every send posted by this process's steps."""
    while _pending:
        request, _ = _pending.pop()
        request.Wait()
