"""The elementwise core: building broadcasting ops, reducing gradients to an input's shape, and cast.

Every elementwise op file builds on these; gradients of broadcasting ops end in :func:`unbroadcast`.
Python numbers mixed with tensors take the tensor's dtype (``x + 1`` with float64 ``x`` is float64), as in
TF; two tensors of different dtypes raise TypeError.

Example:
    >>> ADD = OpDef("Add", np.add, grad=lambda op, g: [unbroadcast(g, op.inputs[0]), unbroadcast(g, op.inputs[1])])
    >>> z = binary_op(ADD, x, y)
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.constant_op import zeros_like, ones_like  # noqa: F401 - re-exported


def binary_inputs(op_type, x, y, name=None):
    """Converts ``x, y`` to tensors of one dtype (Python values adopt the other operand's dtype)."""
    if is_tensor_like(x) or not is_tensor_like(y):
        x = convert_to_tensor(x)
        y = convert_to_tensor(y, dtype=None if is_tensor_like(y) else x.dtype)
    else:
        y = convert_to_tensor(y)
        x = convert_to_tensor(x, dtype=y.dtype)
    if x.dtype is not y.dtype:
        raise build_error(op_type, name, [x, y], "Input 'y' of '%s' Op has type %s that does not match type %s of "
                          "argument 'x'." % (op_type, y.dtype.name, x.dtype.name), TypeError)
    return x, y


def binary_op(op_def, x, y, name=None, out_dtype=None, params=None):
    """Builds a broadcasting elementwise op of type ``op_def`` on ``x`` and ``y``."""
    if type(x) is EagerTensor and type(y) is EagerTensor and x.dtype is y.dtype:
        # eager fast path: numpy broadcasts (and its errors name the op): no static shape to infer
        return make_op(op_def, [x, y], [(out_dtype or x.dtype, None)], name, params=params).outputs[0]
    x, y = binary_inputs(op_def.type, x, y, name)
    try:
        shape = shapes.broadcast_static(x.shape, y.shape)
    except ValueError as e:
        raise build_error(op_def.type, name, [x, y], "Incompatible shapes for %s: %s" % (op_def.type, e)) from None
    return make_op(op_def, [x, y], [(out_dtype or x.dtype, shape)], name, params=params).outputs[0]


def unary_op(op_def, x, name=None, out_dtype=None, require_float=False, params=None):
    """Builds an elementwise op of type ``op_def`` keeping ``x``'s shape."""
    x = convert_to_tensor(x)
    if require_float and not x.dtype.is_floating:
        raise build_error(op_def.type, name, [x], "%s requires a floating-point input, got %s" % (
            op_def.type, x.dtype.name), TypeError)
    return make_op(op_def, [x], [(out_dtype or x.dtype, x.shape)], name, params=params).outputs[0]


def elementwise_function(py_name, op_def, out_dtype=None):
    """The public ``kf.<py_name>(x, y, name=None)`` building the broadcasting op ``op_def``."""
    def fn(x, y, name=None):
        return binary_op(op_def, x, y, name, out_dtype=out_dtype)
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = "Elementwise ``%s`` of ``x`` and ``y``, broadcasting (op type %s)." % (py_name, op_def.type)
    return fn


# ---- broadcasting gradients ------------------------------------------------------------------------------
def _sum_to_shape_of(g, x):
    """Sums ``g`` over the axes along which ``x`` was broadcast, giving ``x``'s shape."""
    shape = np.shape(x)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def _broadcast_like(g, ref):
    return np.broadcast_to(g, np.shape(ref))


SUM_TO_SHAPE_OF = OpDef("SumToShapeOf", _sum_to_shape_of,
                        grad=lambda op, grad: [broadcast_like(grad, op.inputs[0]), None])
BROADCAST_LIKE = OpDef("BroadcastLike", _broadcast_like, view=True,
                       grad=lambda op, grad: [unbroadcast(grad, op.inputs[0]), None])


def unbroadcast(grad, x):
    """The gradient ``grad`` of a broadcast result, reduced to ``x``'s shape."""
    if grad is None:
        return None
    if grad.shape.is_fully_defined() and x.shape.is_fully_defined() and grad.shape == x.shape:
        return grad
    return make_op(SUM_TO_SHAPE_OF, [grad, x], [(grad.dtype, x.shape)], "SumToShapeOf").outputs[0]


def broadcast_like(grad, ref):
    """``grad`` broadcast to the runtime shape of ``ref``."""
    return make_op(BROADCAST_LIKE, [grad, ref], [(grad.dtype, ref.shape)], "BroadcastLike").outputs[0]


# ---- cast ------------------------------------------------------------------------------------------------
def _cast_kernel(x, DstT):  # noqa: N803 - TF's attribute name
    return x.astype(DstT.as_numpy_dtype)


def _cast_grad(op, grad):
    src = op.inputs[0].dtype
    if not src.is_floating or not grad.dtype.is_floating:
        return [None]
    return [cast(grad, src)]


CAST = OpDef("Cast", _cast_kernel, grad=_cast_grad)


def cast(x, dtype, name=None):
    """Converts ``x`` to ``dtype`` (no-op when it already has it)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype is dtype:
        return x
    return make_op(CAST, [x], [(dtype, x.shape)], name or "Cast", attrs={"SrcT": x.dtype},
                   params={"DstT": dtype}).outputs[0]


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name)
