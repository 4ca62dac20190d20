"""Tensor creation and shape manipulation ops, each kernel beside its gradient.

Example:
    >>> z = kf.zeros([2, 3])
    >>> r = kf.reshape(z, [3, -1])
"""
import numpy as np

from kflow.engine import backend, dtypes, shapes
from kflow.engine.operation import make_op, register_gradient, not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, constant
from kflow.engine.ops import math_ops, params


def _static_values(t):
    """The value of ``t`` if it is known at build time (a Const), else None."""
    if t.op.type == "Const":
        return t.op.attrs["value"]
    return None


def static_op(op_type, arr, name, attrs=None):
    """An op without inputs whose value ``arr`` is computed at build time (uploaded once per device)."""
    arr.setflags(write=False)
    op = make_op(op_type, [], lambda: arr, [(dtypes.as_dtype(arr.dtype), arr.shape)], name,
                 attrs=dict(attrs or {}, value=arr))
    op._output_is_state = True  # a shared read-only buffer: fetches copy it
    return op.outputs[0]


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros; ``shape`` may be a list (static), an int32 tensor, or a list mixing both."""
    return fill(shape, np.zeros((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return fill(shape, np.ones((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "ones")


def _fill_kernel(np_dtype):
    def kernel(x, dims):
        return backend.array_module(x).full(params.ints(dims), x, dtype=np_dtype)
    return kernel


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
        return static_op("Fill", np.full(params.ints(known), v, dtype=value.dtype.as_numpy_dtype), name or "Fill")
    return params.make_param_op("Fill", [value], [dims], _fill_kernel(value.dtype.as_numpy_dtype),
                                [(value.dtype, params.partial_shape(dims))], name or "Fill").outputs[0]


@register_gradient("Fill")
def _fill_grad(op, grad):
    from kflow.engine.ops.reduction_ops import reduce_sum

    return params.data_grads(op, [reduce_sum(grad)])


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    tensor = convert_to_tensor(tensor)
    dt = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    np_dt = dt.as_numpy_dtype
    # np.zeros_like dispatches to CuPy for device arrays (np.zeros would not)
    return make_op("ZerosLike", [tensor], lambda x: np.zeros_like(x, dtype=np_dt), [(dt, tensor.shape)],
                   name or "zeros_like").outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True):
    tensor = convert_to_tensor(tensor)
    dt = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    np_dt = dt.as_numpy_dtype
    return make_op("OnesLike", [tensor], lambda x: np.ones_like(x, dtype=np_dt), [(dt, tensor.shape)],
                   name or "ones_like").outputs[0]


not_differentiable("ZerosLike", "OnesLike")


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The runtime shape of ``input`` as a 1-D int tensor."""
    input = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    np_dt = out_type.as_numpy_dtype
    n = input.shape.ndims
    return make_op("Shape", [input], lambda x: _like(x, np.array(np.shape(x), dtype=np_dt)), [(out_type, [n])],
                   name or "Shape").outputs[0]


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of ``input`` as a scalar int tensor."""
    input = convert_to_tensor(input)
    np_dt = dtypes.as_dtype(out_type).as_numpy_dtype
    return make_op("Size", [input], lambda x: _like(x, np_dt(np.size(x))), [(dtypes.as_dtype(out_type), [])],
                   name or "Size").outputs[0]


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of ``input`` as a scalar int32 tensor."""
    input = convert_to_tensor(input)
    return make_op("Rank", [input], lambda x: _like(x, np.int32(np.ndim(x))), [(dtypes.int32, [])],
                   name or "Rank").outputs[0]


def _like(x, host_value):
    """``host_value`` (read from ``x``'s metadata) on ``x``'s device: GPU kernels take only device arrays."""
    xp = backend.array_module(x)
    return host_value if xp is np else xp.asarray(host_value)


not_differentiable("Shape", "Size", "Rank")


def _reshape_kernel(x, s):
    return np.reshape(x, params.ints(s))


def reshape(tensor, shape, name=None):
    """Reshapes ``tensor``; one entry of ``shape`` may be -1 (inferred), entries may be scalar tensors.

    Example:
        >>> flat = kf.reshape(images, [kf.shape(images)[0], -1])
    """
    tensor = convert_to_tensor(tensor)
    target = params.partial_shape(shape)
    out = _infer_reshape(tensor, target, name) if target is not None else None
    known = params.constant_value(shape)
    if known is not None:  # the common static case: a precomputed tuple, no per-step conversion
        tgt = params.ints(known)
        return params.mark_view(make_op("Reshape", [tensor], lambda x: np.reshape(x, tgt), [(tensor.dtype, out)],
                                        name or "Reshape", attrs={"shape": tgt, "params": [known], "n_data": 1})
                                ).outputs[0]
    return params.mark_view(params.make_param_op("Reshape", [tensor], [shape], _reshape_kernel,
                                                 [(tensor.dtype, out)], name or "Reshape")).outputs[0]


def _infer_reshape(tensor, target, name):
    if target.count(-1) > 1 or any(d is not None and d < -1 for d in target):
        raise build_error("Reshape", name, [tensor], "Reshape: sizes must be >= 0 with at most one -1, got %s"
                          % (target,))
    n = tensor.shape.num_elements()
    if None in target:  # some sizes are only known at run time
        return [None if d in (None, -1) else d for d in target]
    if -1 not in target:
        if n is not None and n != int(np.prod(target)):
            raise build_error("Reshape", name, [tensor], "Cannot reshape a tensor with %d elements to shape %s "
                              "(%d elements)" % (n, target, int(np.prod(target))))
        return target
    known = int(np.prod([d for d in target if d != -1]))
    if n is None:
        return [None if d == -1 else d for d in target]
    if known == 0 or n % known:
        raise build_error("Reshape", name, [tensor], "Reshape cannot infer the missing input size for an empty "
                          "tensor or a size that does not divide: %d elements into %s" % (n, target))
    return [n // known if d == -1 else d for d in target]


@register_gradient("Reshape")
def _reshape_grad(op, grad):
    return params.data_grads(op, [reshape_like(grad, op.inputs[0])])


def reshape_like(x, ref):
    """``x`` reshaped to the runtime shape of ``ref``."""
    return make_op("ReshapeLike", [x, ref], _reshape_like, [(x.dtype, ref.shape)], "ReshapeLike").outputs[0]


def _reshape_like(x, ref):
    return np.reshape(x, np.shape(ref))


@register_gradient("ReshapeLike")
def _reshape_like_grad(op, grad):
    return [reshape_like(grad, op.inputs[0]), None]


def _where_kernel(c, x, y):
    return np.where(c, x, y)


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
        x, y = math_ops.binary_inputs("Select", x, y, name)
        rank = x.shape.ndims if x.shape.ndims is not None else y.shape.ndims
        if rank is not None and rank >= 2:
            rows = x.shape.dims[0] if x.shape.ndims is not None else y.shape.dims[0]
            n = condition.shape.dims[0]
            if n is not None and rows is not None and n != rows:
                raise build_error("Select", name, [condition, x, y], "where: a vector condition needs one entry "
                                  "per row of x: %d entries for %d rows" % (n, rows))
            condition = reshape(condition, [-1] + [1] * (rank - 1))
    return where_v2(condition, x, y, name)


def where_v2(condition, x=None, y=None, name=None):
    """Elementwise select ``x`` where ``condition`` else ``y``, all three broadcasting (numpy rules); with only
    ``condition``, the coordinates of True entries as an int64 [N, rank] tensor."""
    condition = convert_to_tensor(condition)
    if condition.dtype is not dtypes.bool:
        raise build_error("Select", name, [condition], "where: condition must be bool, got %s"
                          % condition.dtype.name, TypeError)
    if x is None and y is None:
        rank = condition.shape.ndims
        return make_op("Where", [condition], lambda c: np.argwhere(c).astype(np.int64),
                       [(dtypes.int64, [None, rank])], name or "Where").outputs[0]
    x, y = math_ops.binary_inputs("Select", x, y, name)
    try:
        out = shapes.broadcast_static(shapes.broadcast_static(condition.shape, x.shape), y.shape)
    except ValueError as e:
        raise build_error("Select", name, [condition, x, y], "where: shapes do not broadcast: %s" % e) from None
    return make_op("Select", [condition, x, y], _where_kernel, [(x.dtype, out)], name or "Select").outputs[0]



@register_gradient("Select")
def _select_grad(op, grad):
    c, x, y = op.inputs
    zeros = zeros_like(grad)
    return [None, math_ops.unbroadcast(where_v2(c, grad, zeros), x),
            math_ops.unbroadcast(where_v2(c, zeros, grad), y)]


not_differentiable("Where")


# ---- sequences and one-hot -----------------------------------------------------------
_RANGE_ORDER = [dtypes.int32, dtypes.int64, dtypes.float32, dtypes.float64]


def _item(x):
    return backend.to_numpy(x).item()


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
        return static_op("Range", np.arange(s, l, d, dtype=np_dt), name)

    def kernel(s, l, d):
        return backend.array_module(s, l, d).arange(_item(s), _item(l), _item(d), dtype=np_dt)

    return params.make_param_op("Range", [], args, kernel, [(dtype, [None])], name).outputs[0]


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
        return static_op("LinSpace", np.linspace(known[0].item(), known[1].item(), int(known[2]), dtype=np_dt),
                         name or "LinSpace")

    def kernel(a, b, n):
        return backend.array_module(a, b, n).linspace(_item(a), _item(b), int(_item(n)), dtype=np_dt)

    n = params.partial_shape([num])
    return params.make_param_op("LinSpace", [], [start, stop, num], kernel, [(dt, n)],
                                name or "LinSpace").outputs[0]


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
        return static_op("Eye", np.broadcast_to(m, batch + list(m.shape)).copy(), name or "eye")

    def kernel(r, c):
        m = backend.array_module(r, c).eye(int(_item(r)), int(_item(c)), dtype=np_dt)
        return np.broadcast_to(m, batch + list(m.shape)).copy()

    out = batch + params.partial_shape([num_rows, num_columns])
    return params.make_param_op("Eye", [], [num_rows, num_columns], kernel, [(dtype, out)],
                                name or "eye").outputs[0]


not_differentiable("Range", "LinSpace", "Eye")


def _one_hot_kernel(axis, np_dt):
    def kernel(idx, depth, on, off):
        xp = backend.array_module(idx)
        hot = idx[..., None] == xp.arange(int(_item(depth)))
        if axis != -1:
            hot = xp.moveaxis(hot, -1, axis)
        return xp.where(hot, xp.asarray(on, dtype=np_dt), xp.asarray(off, dtype=np_dt))
    return kernel


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
    return params.make_param_op("OneHot", [indices], [depth, on, off],
                                _one_hot_kernel(axis, dtype.as_numpy_dtype), [(dtype, out)], name or "one_hot",
                                attrs={"axis": axis}).outputs[0]


not_differentiable("OneHot")
