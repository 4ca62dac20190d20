"""Moving entries around: roll, repeat and sequence_mask.

Example:
    >>> kf.roll([1, 2, 3, 4], shift=1, axis=0)        # [4, 1, 2, 3]
    >>> kf.repeat([1, 2], repeats=[2, 3], axis=0)     # [1, 1, 2, 2, 2]
    >>> kf.sequence_mask([1, 3], maxlen=4)            # [[T, F, F, F], [T, T, T, F]]
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.array_ops import range as _range
from kflow.engine.ops.comparison_ops import less
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import cast
from kflow.engine.ops.params import constant_value, canonical_axis
from kflow.engine.ops.reduction_ops import reduce_max
from kflow.engine.ops.shape_ops import expand_dims


# ---- roll -------------------------------------------------------------------------------------
def _roll_kernel(x, shift, axis):
    return np.roll(x, shift, axis)


def _roll_grad(op, grad):
    return [roll(grad, [-s for s in op.attrs["shift"]], list(op.attrs["axis"]))]


ROLL = OpDef("Roll", _roll_kernel, grad=_roll_grad)


def roll(input, shift, axis, name=None):  # noqa: A002 - TF's argument name
    """Shifts entries of ``input`` by ``shift`` places along ``axis`` (both ints or lists), wrapping around.

    Example:
        >>> kf.roll([[1, 2], [3, 4]], shift=[1, -1], axis=[0, 1])   # [[4, 3], [2, 1]]
    """
    x = convert_to_tensor(input)
    s, a = constant_value(shift), constant_value(axis)
    if s is None or a is None:
        raise build_error("Roll", name, [x], "roll: shift and axis must be known when the graph is built")
    s, a = np.atleast_1d(s).astype(int).tolist(), np.atleast_1d(a).astype(int).tolist()
    if len(s) != len(a):
        raise build_error("Roll", name, [x], "roll: shift %s and axis %s must have the same length" % (s, a))
    a = [canonical_axis("Roll", name, [x], ax, x.shape.ndims) for ax in a]
    return make_op(ROLL, [x], [(x.dtype, x.shape)], name or "Roll",
                   params={"shift": tuple(s), "axis": tuple(a)}).outputs[0]


# ---- repeat -----------------------------------------------------------------------------------
def _repeat_kernel(x, repeats, axis):
    xp = devices.array_module(x)
    r = devices.to_numpy(repeats)
    if (r < 0).any():
        raise ValueError("repeat: repeats must be non-negative, got %s" % r.tolist())
    if axis is None:
        x, axis = x.reshape(-1), 0
    if r.ndim and r.size != x.shape[axis]:
        raise ValueError("repeat: %d repeats for axis %d of size %d (input shape %s)"
                         % (r.size, axis, x.shape[axis], x.shape))
    return xp.repeat(x, xp.asarray(r) if r.ndim else int(r), axis=axis)


def _repeat_grad_kernel(g, repeats, x, axis):
    """Sums each group of repeated entries back into the entry it came from."""
    xp = devices.array_module(g)
    n = x.size if axis is None else x.shape[axis]
    r = devices.to_numpy(repeats)
    owner = np.repeat(np.arange(n), r if r.ndim else int(r))
    a = 0 if axis is None else axis
    host = devices.to_numpy(g)  # (CuPy: summed on the host; repeat's gradient is rarely hot)
    out = np.zeros(host.shape[:a] + (n,) + host.shape[a + 1:], host.dtype)
    np.add.at(out, (slice(None),) * a + (owner,), host)
    return xp.asarray(out.reshape(x.shape))


def _repeat_grad(op, grad):
    x, r = op.inputs
    return [make_op(REPEAT_GRAD, [grad, r, x], [(grad.dtype, x.shape)], "RepeatGrad",
                    params={"axis": op.attrs["axis"]}).outputs[0], None]


def _repeat_grad_grad(op, grad):
    return [make_op(REPEAT, [grad, op.inputs[1]], [(grad.dtype, op.inputs[0].shape)], "Repeat",
                    params={"axis": op.attrs["axis"]}).outputs[0], None, None]


REPEAT = OpDef("Repeat", _repeat_kernel, grad=_repeat_grad)
REPEAT_GRAD = OpDef("RepeatGrad", _repeat_grad_kernel, grad=_repeat_grad_grad)


def repeat(input, repeats, axis=None, name=None):  # noqa: A002 - TF's argument name
    """Repeats each entry of ``input`` along ``axis`` (``repeats``: an int or one count per entry); with
    ``axis=None`` the input is flattened first.

    Example:
        >>> kf.repeat([[1, 2], [3, 4]], 2, axis=1)   # [[1, 1, 2, 2], [3, 3, 4, 4]]
    """
    x = convert_to_tensor(input)
    r = convert_to_tensor(repeats)
    if not r.dtype.is_integer:
        raise build_error("Repeat", name, [x, r], "repeat: repeats must be integers, got %s" % r.dtype.name,
                          TypeError)
    a = None if axis is None else canonical_axis("Repeat", name, [x, r], axis, x.shape.ndims)
    known = constant_value(r)
    out = None
    dims = [x.shape.num_elements()] if a is None else x.shape.dims
    if dims is not None:
        out = list(dims)
        k = 0 if a is None else a
        if known is None:
            out[k] = None
        elif known.ndim == 0:
            out[k] = None if out[k] is None else out[k] * int(known)
        else:
            if out[k] is not None and known.size != out[k]:
                raise build_error("Repeat", name, [x, r], "repeat: %d repeats for axis %d of size %d"
                                  % (known.size, k, out[k]))
            out[k] = int(known.sum())
    return make_op(REPEAT, [x, r], [(x.dtype, out)], name or "Repeat", params={"axis": a}).outputs[0]


# ---- sequence_mask ----------------------------------------------------------------------------
def sequence_mask(lengths, maxlen=None, dtype=dtypes.bool, name=None):
    """``mask[..., j] = j < lengths[...]``: a mask of shape ``lengths.shape + [maxlen]`` (maxlen defaults to
    the largest length).

    Example:
        >>> kf.sequence_mask([1, 3, 2], 5)   # [[T, F, F, F, F], [T, T, T, F, F], [T, T, F, F, F]]
    """
    lengths = convert_to_tensor(lengths)
    if not lengths.dtype.is_integer:
        raise build_error("SequenceMask", name, [lengths], "sequence_mask: lengths must be integers, got %s"
                          % lengths.dtype.name, TypeError)
    if maxlen is None:
        maxlen = reduce_max(lengths)
    maxlen = cast(convert_to_tensor(maxlen), lengths.dtype)
    mask = less(_range(0, maxlen, 1, dtype=lengths.dtype), expand_dims(lengths, -1))
    dtype = dtypes.as_dtype(dtype)
    return mask if dtype is dtypes.bool else cast(mask, dtype, name=name)


