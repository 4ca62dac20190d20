"""Tensor creation and shape manipulation ops, each kernel beside its gradient.

Example:
    >>> z = kf.zeros([2, 3])
    >>> r = kf.reshape(z, [3, -1])
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.operation import make_op, register_gradient, not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, constant
from kflow.engine.ops import math_ops


def _static_values(t):
    """The value of ``t`` if it is known at build time (a Const), else None."""
    if t.op.type == "Const":
        return t.op.attrs["value"]
    return None


def zeros(shape, dtype=dtypes.float32, name=None):
    """A tensor of zeros; ``shape`` may be a list (static) or an int32 tensor (dynamic)."""
    return fill(shape, np.zeros((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "zeros")


def ones(shape, dtype=dtypes.float32, name=None):
    return fill(shape, np.ones((), dtype=dtypes.as_dtype(dtype).as_numpy_dtype), name=name or "ones")


def fill(dims, value, name=None):
    """A tensor of shape ``dims`` filled with the scalar ``value``."""
    value = convert_to_tensor(value)
    if isinstance(dims, (list, tuple)) and not any(hasattr(d, "op") for d in dims):
        shape = [int(d) for d in dims]
        xp_dtype = value.dtype.as_numpy_dtype
        v = _static_values(value)
        if v is not None:
            arr = np.full(shape, v, dtype=xp_dtype)
            arr.setflags(write=False)
            op = make_op("Fill", [], lambda: arr, [(value.dtype, shape)], name or "Fill", attrs={"value": arr})
            op._output_is_state = True  # shared read-only buffer: fetches copy it
            return op.outputs[0]
        return make_op("Fill", [value], lambda x: np.full(shape, x, dtype=xp_dtype), [(value.dtype, shape)],
                       name or "Fill").outputs[0]
    dims = convert_to_tensor(dims)
    known = _static_values(dims)
    if known is not None:
        out_shape = [int(d) for d in known]
    elif dims.shape.dims is not None and dims.shape.dims[0] is not None:
        out_shape = [None] * dims.shape.dims[0]
    else:
        out_shape = None
    return make_op("Fill", [dims, value], lambda d, x: np.full(tuple(int(i) for i in d), x),
                   [(value.dtype, out_shape)], name or "Fill").outputs[0]


def zeros_like(tensor, dtype=None, name=None, optimize=True):
    tensor = convert_to_tensor(tensor)
    dt = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    np_dt = dt.as_numpy_dtype
    return make_op("ZerosLike", [tensor], lambda x: np.zeros(np.shape(x), dtype=np_dt), [(dt, tensor.shape)],
                   name or "zeros_like").outputs[0]


def ones_like(tensor, dtype=None, name=None, optimize=True):
    tensor = convert_to_tensor(tensor)
    dt = dtypes.as_dtype(dtype) if dtype is not None else tensor.dtype
    np_dt = dt.as_numpy_dtype
    return make_op("OnesLike", [tensor], lambda x: np.ones(np.shape(x), dtype=np_dt), [(dt, tensor.shape)],
                   name or "ones_like").outputs[0]


not_differentiable("Fill", "ZerosLike", "OnesLike")


def shape(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The runtime shape of ``input`` as a 1-D int tensor."""
    input = convert_to_tensor(input)
    out_type = dtypes.as_dtype(out_type)
    np_dt = out_type.as_numpy_dtype
    n = input.shape.ndims
    return make_op("Shape", [input], lambda x: np.array(np.shape(x), dtype=np_dt), [(out_type, [n])],
                   name or "Shape").outputs[0]


def size(input, name=None, out_type=dtypes.int32):  # noqa: A002
    """The number of elements of ``input`` as a scalar int tensor."""
    input = convert_to_tensor(input)
    np_dt = dtypes.as_dtype(out_type).as_numpy_dtype
    return make_op("Size", [input], lambda x: np_dt(np.size(x)), [(dtypes.as_dtype(out_type), [])],
                   name or "Size").outputs[0]


def rank(input, name=None):  # noqa: A002
    """The number of dimensions of ``input`` as a scalar int32 tensor."""
    input = convert_to_tensor(input)
    return make_op("Rank", [input], lambda x: np.int32(np.ndim(x)), [(dtypes.int32, [])], name or "Rank").outputs[0]


not_differentiable("Shape", "Size", "Rank")


def _reshape_kernel(x, s):
    return np.reshape(x, tuple(int(i) for i in s))


def reshape(tensor, shape, name=None):
    """Reshapes ``tensor``; one dimension of ``shape`` may be -1 (inferred)."""
    tensor = convert_to_tensor(tensor)
    if isinstance(shape, (list, tuple)) and not any(hasattr(d, "op") for d in shape):
        target = [int(d) for d in shape]
        out = _infer_reshape(tensor, target, name)
        tgt = tuple(target)
        return make_op("Reshape", [tensor], lambda x: np.reshape(x, tgt), [(tensor.dtype, out)],
                       name or "Reshape", attrs={"shape": tgt}).outputs[0]
    shape_t = convert_to_tensor(shape, dtype=dtypes.int32) if not hasattr(shape, "dtype") else convert_to_tensor(
        shape)
    known = _static_values(shape_t)
    out = _infer_reshape(tensor, [int(d) for d in known], name) if known is not None else None
    return make_op("Reshape", [tensor, shape_t], _reshape_kernel, [(tensor.dtype, out)], name or "Reshape").outputs[0]


def _infer_reshape(tensor, target, name):
    if target.count(-1) > 1:
        raise build_error("Reshape", name, [tensor], "Reshape: only one input size may be -1, got %s" % (target,))
    n = tensor.shape.num_elements()
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
    return [reshape_like(grad, op.inputs[0])] + [None] * (len(op.inputs) - 1)


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
    """Elementwise select ``x`` where ``condition`` else ``y`` (broadcasting); with only ``condition``, the
    coordinates of True entries as an int64 [N, rank] tensor."""
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


where_v2 = where


@register_gradient("Select")
def _select_grad(op, grad):
    c, x, y = op.inputs
    zeros = zeros_like(grad)
    return [None, math_ops.unbroadcast(where(c, grad, zeros), x), math_ops.unbroadcast(where(c, zeros, grad), y)]


not_differentiable("Where")
