"""Tensor creation and shape manipulation ops, each kernel beside its gradient.

Example:
    >>> z = kf.zeros([2, 3])
    >>> r = kf.reshape(z, [3, -1])
"""
import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error
from kflow.engine.ops import params
from kflow.engine.ops.comparison_ops import where_v2
from kflow.engine.ops.constant_op import convert_to_tensor, static_op  # noqa: F401 - static_op re-exported
from kflow.engine.ops.elementwise import binary_inputs
from kflow.engine.ops.reduction_ops import reduce_sum
# Shape primitives and zeros_like/ones_like live below; re-exported so ``array_ops.<op>`` and ``kf.<op>`` work.
from kflow.engine.ops.elementwise import zeros_like, ones_like  # noqa: F401
from kflow.engine.ops.reshape_ops import shape, size, rank, reshape, reshape_like  # noqa: F401


def _static_values(t):
    """The value of ``t`` if it is known at build time (a Const), else None."""
    if t.op.type == "Const":
        return t.op.attrs["value"]
    return None


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros; ``shape`` may be a list (static), an int32 tensor, or a list mixing both."""
    return fill(shape, np.zeros((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return fill(shape, np.ones((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "ones")


def _fill_kernel(x, dims):
    return devices.array_module(x).full(params.ints(dims), x, dtype=x.dtype)


# state_output: a fill known at build time returns one shared read-only buffer (see static_op)
FILL = OpDef("Fill", _fill_kernel, grad=lambda op, grad: params.data_grads(op, [reduce_sum(grad)]),
             state_output=True)


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with the scalar ``value``.

    Example:
        >>> kf.fill([2, kf.shape(x)[0]], 7.0)
    """
    value = convert_to_tensor(value)
    if value.shape.ndims not in (None, 0):
        raise build_error("Fill", name, [value], "fill: value must be a scalar, got shape %s" % value.shape)
    known, v = params.constant_value(dims), _static_values(value)
    if known is not None and np.ndim(known) != 1 and np.size(known) != 0:
        raise build_error("Fill", name, [value], "fill: dims must be a 1-D list of sizes, got %r" % (dims,))
    if known is not None and np.any(np.asarray(known) < 0):
        raise build_error("Fill", name, [value], "fill: dims must be non-negative, got %s" % (list(known),))
    if known is not None and v is not None:
        return static_op(FILL, np.full(params.ints(known), v, dtype=value.dtype.as_numpy_dtype), name or "Fill")
    return params.make_param_op(FILL, [value], [dims], [(value.dtype, params.partial_shape(dims))],
                                name or "Fill").outputs[0]


def where(condition, x=None, y=None, name=None):
    """TF1's ``tf.where``: select ``x`` where ``condition`` else ``y``; with only ``condition``, the coordinates
    of True entries as an int64 [N, rank] tensor.

    As in TF 1.x, a vector ``condition`` with a higher-rank ``x`` selects whole rows (``x[i]`` where
    ``condition[i]``); otherwise the inputs broadcast as in ``where_v2``.

    Example:
        >>> kf.where([True, False], [[1, 2], [3, 4]], [[5, 6], [7, 8]])   # [[1, 2], [7, 8]]
    """
    condition = convert_to_tensor(condition)
    if x is not None and y is not None and condition.shape.ndims == 1:
        x, y = binary_inputs("Select", x, y, name)
        rank = x.shape.ndims if x.shape.ndims is not None else y.shape.ndims
        if rank is not None and rank >= 2:
            rows = x.shape.dims[0] if x.shape.ndims is not None else y.shape.dims[0]
            n = condition.shape.dims[0]
            if n is not None and rows is not None and n != rows:
                raise build_error("Select", name, [condition, x, y], "where: a vector condition needs one entry "
                                  "per row of x: %d entries for %d rows" % (n, rows))
            condition = reshape(condition, [-1] + [1] * (rank - 1))
    return where_v2(condition, x, y, name)




# ---- sequences and one-hot -----------------------------------------------------------
_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def _item(x):
    return devices.to_numpy(x).item()


def range(start, limit=None, delta=1, dtype=None, name="range"):  # noqa: A001 - TF's public name
    """``[start, start + delta, ...)`` up to ``limit`` (exclusive); ``range(n)`` counts from 0.

    The dtype is inferred from the arguments (Python ints -> int32, floats -> float32) unless given.

    Example:
        >>> kf.range(3, 18, 3)   # [3, 6, 9, 12, 15]
    """
    if limit is None:
        start, limit = 0, start
    args = [start, limit, delta]
    if dtype is None:
        kinds = [convert_to_tensor(a).dtype if hasattr(a, "op") or hasattr(a, "_as_tensor") else
                 (dtypes.float32 if isinstance(a, float) or np.asarray(a).dtype.kind == "f" else dtypes.int32)
                 for a in args]
        dtype = max(kinds, key=lambda d: _RANGE_ORDER.index(d) if d in _RANGE_ORDER else 0)
    dtype = dtypes.as_dtype(dtype)
    np_dt = dtype.as_numpy_dtype
    known = [params.constant_value(a) for a in args]
    if all(k is not None for k in known):
        s, l, d = (k.item() for k in known)
        if d == 0 or (d > 0 and s > l) or (d < 0 and s < l):
            raise build_error("Range", name, [], "Requires start <= limit when delta > 0 and start >= limit when "
                              "delta < 0 (delta != 0): start=%s, limit=%s, delta=%s" % (s, l, d))
        return static_op(RANGE, np.arange(s, l, d, dtype=np_dt), name)
    return params.make_param_op(RANGE, [], args, [(dtype, [None])], name, kernel_params={"dtype": dtype}).outputs[0]


def _range_kernel(s, l, d, dtype):  # noqa: E741
    return devices.array_module(s, l, d).arange(_item(s), _item(l), _item(d), dtype=dtype.as_numpy_dtype)


def linspace(start, stop, num, name=None):
    """``num`` evenly spaced values from ``start`` to ``stop`` inclusive (float32 for Python numbers).

    Example:
        >>> kf.linspace(10.0, 12.0, 3)   # [10., 11., 12.]
    """
    dt = convert_to_tensor(start).dtype if hasattr(start, "op") else dtypes.float32
    if not dt.is_floating:
        dt = dtypes.float32
    np_dt = dt.as_numpy_dtype
    known = [params.constant_value(a) for a in (start, stop, num)]
    if all(k is not None for k in known):
        return static_op(LIN_SPACE, np.linspace(known[0].item(), known[1].item(), int(known[2]), dtype=np_dt),
                         name or "LinSpace")
    n = params.partial_shape([num])
    return params.make_param_op(LIN_SPACE, [], [start, stop, num], [(dt, n)], name or "LinSpace",
                                kernel_params={"dtype": dt}).outputs[0]


def _linspace_kernel(a, b, n, dtype):
    return devices.array_module(a, b, n).linspace(_item(a), _item(b), int(_item(n)), dtype=dtype.as_numpy_dtype)


lin_space = linspace


def eye(num_rows, num_columns=None, batch_shape=None, dtype=dtypes.float32, name=None):
    """Identity matrix ``[num_rows, num_columns]``, repeated over ``batch_shape`` (leading dims).

    Example:
        >>> kf.eye(2, batch_shape=[3])   # shape [3, 2, 2]
    """
    dtype = dtypes.as_dtype(dtype)
    np_dt = dtype.as_numpy_dtype
    num_columns = num_rows if num_columns is None else num_columns
    batch = list(batch_shape or [])
    known = [params.constant_value(a) for a in (num_rows, num_columns)]
    if all(k is not None for k in known):
        m = np.eye(int(known[0]), int(known[1]), dtype=np_dt)
        return static_op(EYE, np.broadcast_to(m, batch + list(m.shape)).copy(), name or "eye")
    out = batch + params.partial_shape([num_rows, num_columns])
    return params.make_param_op(EYE, [], [num_rows, num_columns], [(dtype, out)], name or "eye",
                                kernel_params={"batch": batch, "dtype": dtype}).outputs[0]


def _eye_kernel(r, c, batch, dtype):
    m = devices.array_module(r, c).eye(int(_item(r)), int(_item(c)), dtype=dtype.as_numpy_dtype)
    return np.broadcast_to(m, batch + list(m.shape)).copy()


# state_output: built at graph-build time when the arguments are known, as one shared buffer (static_op)
RANGE = OpDef("Range", _range_kernel, grad=None, state_output=True)
LIN_SPACE = OpDef("LinSpace", _linspace_kernel, grad=None, state_output=True)
EYE = OpDef("Eye", _eye_kernel, grad=None, state_output=True)


def _one_hot_kernel(idx, depth, on, off, axis, dtype):
    xp = devices.array_module(idx)
    hot = idx[..., None] == xp.arange(int(_item(depth)))
    if axis != -1:
        hot = xp.moveaxis(hot, -1, axis)
    np_dt = dtype.as_numpy_dtype
    return xp.where(hot, xp.asarray(on, dtype=np_dt), xp.asarray(off, dtype=np_dt))


ONE_HOT = OpDef("OneHot", _one_hot_kernel, grad=None)


def one_hot(indices, depth, on_value=None, off_value=None, axis=None, dtype=None, name=None):
    """One-hot encoding: a new axis of size ``depth`` (last by default) holding ``on_value`` at each index.

    Indices outside ``[0, depth)`` give a row of ``off_value``. The dtype comes from ``dtype``, else from
    ``on_value``/``off_value`` tensors, else float32.

    Example:
        >>> kf.one_hot([0, 2], depth=3)   # [[1., 0., 0.], [0., 0., 1.]]
    """
    indices = convert_to_tensor(indices)
    if not indices.dtype.is_integer:
        raise build_error("OneHot", name, [indices], "one_hot: indices must be integers, got %s"
                          % indices.dtype.name, TypeError)
    # as in TF, the dtype follows on_value/off_value when given (Python 5 -> int32, 5.0 -> float32)
    given = [convert_to_tensor(v).dtype for v in (on_value, off_value) if v is not None]
    if dtype is None:
        dtype = given[0] if given else dtypes.float32
    dtype = dtypes.as_dtype(dtype)
    if any(g is not dtype for g in given):
        raise build_error("OneHot", name, [indices], "one_hot: on_value/off_value dtypes %s do not match dtype %s"
                          % ([g.name for g in given], dtype.name), TypeError)
    on = 1 if on_value is None else on_value
    off = 0 if off_value is None else off_value
    axis = -1 if axis is None else int(axis)
    dims = indices.shape.dims
    if dims is not None and not -1 <= axis <= len(dims):
        raise build_error("OneHot", name, [indices], "one_hot: expected axis in [-1, %d], got %d"
                          % (len(dims), axis))
    out = None
    if dims is not None:
        d = params.partial_shape([depth])
        out = list(dims) + d if axis == -1 else list(dims[:axis]) + d + list(dims[axis:])
    return params.make_param_op(ONE_HOT, [indices], [depth, on, off], [(dtype, out)], name or "one_hot",
                                kernel_params={"axis": axis, "dtype": dtype}).outputs[0]
