"""``kf.reverse_sequence``: reverses each batch row's first ``seq_lengths[b]`` steps (bidirectional RNNs use it).

Example:
    >>> kf.reverse_sequence([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 3], seq_axis=1, batch_axis=0)
    # [[2, 1, 3, 4], [7, 6, 5, 8]]
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor


def _reverse_sequence_kernel(x, lengths, seq_axis, batch_axis):
    xp = devices.array_module(x)
    xm = xp.moveaxis(x, (batch_axis, seq_axis), (0, 1))
    n_batch, n_time = xm.shape[:2]
    lens = xp.asarray(lengths).astype(np.int64).reshape(-1, 1)
    if lens.shape[0] != n_batch:
        raise ValueError("reverse_sequence: len(seq_lengths) = %d does not match the batch size %d"
                         % (lens.shape[0], n_batch))
    if n_batch and (int(lens.max()) > n_time or int(lens.min()) < 0):
        raise ValueError("reverse_sequence: seq_lengths must be in [0, %d], got %s"
                         % (n_time, devices.to_numpy(lens).ravel().tolist()))
    t = xp.arange(n_time).reshape(1, -1)
    src = xp.where(t < lens, lens - 1 - t, t)
    out = xm[xp.arange(n_batch).reshape(-1, 1), src]
    return xp.moveaxis(out, (0, 1), (batch_axis, seq_axis))


def _reverse_sequence_grad(op, grad):
    return [reverse_sequence(grad, op.inputs[1], op.attrs["seq_axis"], op.attrs["batch_axis"]), None]


REVERSE_SEQUENCE = OpDef("ReverseSequence", _reverse_sequence_kernel, grad=_reverse_sequence_grad)


def reverse_sequence(input, seq_lengths, seq_axis=None, batch_axis=None, name=None, seq_dim=None,  # noqa: A002
                     batch_dim=None):
    """Reverses the first ``seq_lengths[b]`` entries along ``seq_axis`` of each batch row ``b``.

    Example:
        >>> kf.reverse_sequence([[1, 2, 3, 4], [5, 6, 7, 8]], [2, 3], seq_axis=1, batch_axis=0)
        # [[2, 1, 3, 4], [7, 6, 5, 8]]
    """
    x = convert_to_tensor(input)
    lengths = convert_to_tensor(seq_lengths)
    seq_axis = seq_axis if seq_axis is not None else seq_dim
    batch_axis = batch_axis if batch_axis is not None else (batch_dim if batch_dim is not None else 0)
    nd = x.shape.ndims
    if seq_axis is None or nd is None or not (0 <= seq_axis < nd and 0 <= batch_axis < nd) or seq_axis == batch_axis:
        raise build_error("ReverseSequence", name, [x, lengths], "reverse_sequence: need distinct seq_axis and "
                          "batch_axis within the rank of an input of known rank (got %r, %r)"
                          % (seq_axis, batch_axis))
    if not lengths.dtype.is_integer or lengths.shape.ndims not in (None, 1):
        raise build_error("ReverseSequence", name, [x, lengths], "reverse_sequence: seq_lengths must be a vector "
                          "of integers", TypeError)
    return make_op(REVERSE_SEQUENCE, [x, lengths], [(x.dtype, x.shape)], name or "ReverseSequence",
                   params={"seq_axis": seq_axis, "batch_axis": batch_axis}).outputs[0]
