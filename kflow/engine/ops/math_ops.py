"""Elementwise two-input arithmetic, matmul, cast and add_n, each kernel beside its gradient.

One-input ops (sqrt, exp, sign, ...) are in ``unary_math_ops`` and re-exported here.

Python numbers mixed with tensors take the tensor's dtype (``x + 1`` with float64
``x`` is float64), as in TF; two tensors of different dtypes raise TypeError.

Example:
    >>> y = kf.matmul(x, w) + b
"""
import numpy as np

from kflow.engine import backend, blas_threads, dtypes, shapes
from kflow.engine.ops.batch_parallel import over_batch
from kflow.engine.operation import make_op, register_gradient, not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
# One-input ops live in their own file; re-exported so ``math_ops.<op>`` and ``kf.<op>`` keep working.
from kflow.engine.ops.unary_math_ops import (  # noqa: F401
    unary_op, negative, neg, square, sqrt, rsqrt, reciprocal, exp, log, log1p, abs, sign, sin, cos, tanh, sigmoid,
    floor, ceil, round)


# ---- helpers shared by elementwise ops ------------------------------------------
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


def binary_op(op_type, kernel, x, y, name=None, out_dtype=None):
    """Builds a broadcasting elementwise op ``kernel(x, y)``."""
    x, y = binary_inputs(op_type, x, y, name)
    try:
        shape = shapes.broadcast_static(x.shape, y.shape)
    except ValueError as e:
        raise build_error(op_type, name, [x, y], "Incompatible shapes for %s: %s" % (op_type, e)) from None
    return make_op(op_type, [x, y], kernel, [(out_dtype or x.dtype, shape)], name).outputs[0]


def _sum_to_shape_of(g, x):
    """Sums ``g`` over the axes along which ``x`` was broadcast, giving ``x``'s shape."""
    shape = np.shape(x)
    if g.shape == shape:
        return g
    lead = g.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, d in enumerate(shape) if d == 1 and g.shape[i + lead] != 1)
    return g.sum(axis=axes).reshape(shape) if axes else g.reshape(shape)


def unbroadcast(grad, x):
    """The gradient ``grad`` of a broadcast result, reduced to ``x``'s shape."""
    if grad is None:
        return None
    if grad.shape.is_fully_defined() and x.shape.is_fully_defined() and grad.shape == x.shape:
        return grad
    return make_op("SumToShapeOf", [grad, x], _sum_to_shape_of, [(grad.dtype, x.shape)], "SumToShapeOf").outputs[0]


def _broadcast_like(g, ref):
    return np.broadcast_to(g, np.shape(ref))


def broadcast_like(grad, ref):
    """``grad`` broadcast to the runtime shape of ``ref``."""
    return make_op("BroadcastLike", [grad, ref], _broadcast_like, [(grad.dtype, ref.shape)],
                   "BroadcastLike").outputs[0]


@register_gradient("SumToShapeOf")
def _sum_to_shape_grad(op, grad):
    return [broadcast_like(grad, op.inputs[0]), None]


@register_gradient("BroadcastLike")
def _broadcast_like_grad(op, grad):
    return [unbroadcast(grad, op.inputs[0]), None]


# ---- arithmetic ---------------------------------------------------------------
def add(x, y, name=None):
    return binary_op("Add", np.add, x, y, name)


def subtract(x, y, name=None):
    return binary_op("Sub", np.subtract, x, y, name)


def multiply(x, y, name=None):
    return binary_op("Mul", np.multiply, x, y, name)


def _true_divide(x, y):
    return np.true_divide(x, y)


def divide(x, y, name=None):
    """``x / y``; integer inputs are converted to float64 first, as in TF's truediv."""
    x, y = binary_inputs("RealDiv", x, y, name)
    if not x.dtype.is_floating:
        x, y = cast(x, dtypes.float64), cast(y, dtypes.float64)
    return binary_op("RealDiv", _true_divide, x, y, name)


truediv = divide
realdiv = divide


def div(x, y, name=None):
    """TF1 ``tf.div``: floor division for integers, true division for floats."""
    x, y = binary_inputs("Div", x, y, name)
    return floordiv(x, y, name) if not x.dtype.is_floating else divide(x, y, name)


def _integer_checked(fn):
    """``fn`` raising TF's "Integer division by zero" (numpy would warn and return 0) for a zero divisor."""
    def kernel(x, y):
        if not y.all():  # ints only: one pass over the divisor
            raise ZeroDivisionError("Integer division by zero")
        return fn(x, y)
    return kernel


def _integer_division(op_type, fn, x, y, name):
    x, y = binary_inputs(op_type, x, y, name)
    return binary_op(op_type, fn if x.dtype.is_floating else _integer_checked(fn), x, y, name)


def floordiv(x, y, name=None):
    return _integer_division("FloorDiv", np.floor_divide, x, y, name)


floor_div = floordiv


def mod(x, y, name=None):
    return _integer_division("FloorMod", np.mod, x, y, name)


floormod = mod


def pow(x, y, name=None):  # noqa: A001 - TF's public name
    return binary_op("Pow", np.power, x, y, name)


def maximum(x, y, name=None):
    return binary_op("Maximum", np.maximum, x, y, name)


def minimum(x, y, name=None):
    return binary_op("Minimum", np.minimum, x, y, name)


def squared_difference(x, y, name=None):
    return binary_op("SquaredDifference", _squared_difference, x, y, name)


def _squared_difference(x, y):
    d = np.subtract(x, y)
    return np.multiply(d, d, out=d) if isinstance(d, np.ndarray) else d * d


@register_gradient("Add")
def _add_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(grad, y)]


@register_gradient("Sub")
def _sub_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(negative(grad), y)]


@register_gradient("Mul")
def _mul_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad * y, x), unbroadcast(grad * x, y)]


@register_gradient("RealDiv")
def _div_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad / y, x), unbroadcast(negative(grad) * x / (y * y), y)]


@register_gradient("FloorMod")
def _floormod_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(negative(grad) * floordiv(x, y), y)]


@register_gradient("Pow")
def _pow_grad(op, grad):
    x, y = op.inputs
    z = op.outputs[0]
    gx = grad * y * pow(x, y - 1)
    safe_log = log(array_ops.where(x > 0, x, array_ops.ones_like(x)))
    gy = grad * z * array_ops.where(x > 0, safe_log, array_ops.zeros_like(x))
    return [unbroadcast(gx, x), unbroadcast(gy, y)]


@register_gradient("Maximum")
def _maximum_grad(op, grad):
    x, y = op.inputs
    mask = cast(comparison_ops.greater_equal(x, y), grad.dtype)
    return [unbroadcast(grad * mask, x), unbroadcast(grad * (1 - mask), y)]


@register_gradient("Minimum")
def _minimum_grad(op, grad):
    x, y = op.inputs
    mask = cast(comparison_ops.less_equal(x, y), grad.dtype)
    return [unbroadcast(grad * mask, x), unbroadcast(grad * (1 - mask), y)]


@register_gradient("SquaredDifference")
def _squared_difference_grad(op, grad):
    x, y = op.inputs
    d = grad * 2.0 * (x - y)
    return [unbroadcast(d, x), unbroadcast(negative(d), y)]


not_differentiable("FloorDiv")


# ---- matmul, cast, add_n --------------------------------------------------------
# Multiply-adds counted as one of over_batch's elements: products from ~8M multiply-adds split in two. With BLAS
# single-threaded, handing half a product to a thread (~0.1 ms) paid from there: (32x784)@(784x500) took
# 0.24 ms split vs 0.32 ms whole, (100x500)@(500x100) 0.14 vs 0.11 ms.
MACS_PER_ELEMENT = 16


def _threaded_matmul(a, b):
    """``a @ b``. While a plan holds BLAS single-threaded (``blas_threads.lowered()``, a plan with
    convolutions), a large 2-D product runs as row (or column) blocks in kflow's threads; otherwise BLAS's
    own threads do it."""
    if a.ndim != 2 or b.ndim != 2 or not blas_threads.lowered() or backend.array_module(a, b) is not np:
        return np.matmul(a, b)
    (m, k), n = a.shape, b.shape[1]
    out = np.empty((m, n), np.result_type(a, b))
    work = m * n * k // MACS_PER_ELEMENT
    if m >= n:
        over_batch(lambda s, e: np.matmul(a[s:e], b, out=out[s:e]), m, work, uses_blas=True)
    else:
        over_batch(lambda s, e: np.matmul(a, b[:, s:e], out=out[:, s:e]), n, work, uses_blas=True)
    return out


def _matmul_kernel(transpose_a, transpose_b):
    if not transpose_a and not transpose_b:
        return _threaded_matmul

    def kernel(a, b):
        if transpose_a:
            a = a.swapaxes(-1, -2)
        if transpose_b:
            b = b.swapaxes(-1, -2)
        return _threaded_matmul(a, b)

    return kernel


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product of the last two axes; leading (batch) axes broadcast."""
    transpose_a = transpose_a or adjoint_a
    transpose_b = transpose_b or adjoint_b
    op_type = "MatMul"
    a, b = binary_inputs(op_type, a, b, name)
    if a.shape.ndims is not None and b.shape.ndims is not None:
        if a.shape.ndims < 2 or b.shape.ndims < 2:
            raise build_error(op_type, name, [a, b], "Shape must be rank >= 2 for MatMul, got ranks %d and %d"
                              % (a.shape.ndims, b.shape.ndims))
        ad, bd = list(a.shape.dims), list(b.shape.dims)
        if transpose_a:
            ad[-1], ad[-2] = ad[-2], ad[-1]
        if transpose_b:
            bd[-1], bd[-2] = bd[-2], bd[-1]
        if ad[-1] is not None and bd[-2] is not None and ad[-1] != bd[-2]:
            raise build_error(op_type, name, [a, b], "Dimensions must be equal, but are %d and %d for MatMul "
                              "(transpose_a=%s, transpose_b=%s)" % (ad[-1], bd[-2], transpose_a, transpose_b))
        try:
            batch = shapes.broadcast_static(ad[:-2], bd[:-2]).dims
        except ValueError as e:
            raise build_error(op_type, name, [a, b], "MatMul batch dimensions do not broadcast: %s" % e) from None
        shape = list(batch) + [ad[-2], bd[-1]]
        if len(ad) > 2 or len(bd) > 2:
            op_type = "BatchMatMul"
    else:
        shape = None
        op_type = "BatchMatMul"
    return make_op(op_type, [a, b], _matmul_kernel(transpose_a, transpose_b), [(a.dtype, shape)], name or "MatMul",
                   attrs={"transpose_a": transpose_a, "transpose_b": transpose_b}).outputs[0]


@register_gradient("MatMul")
@register_gradient("BatchMatMul")
def _matmul_grad(op, grad):
    a, b = op.inputs
    ta, tb = op.attrs["transpose_a"], op.attrs["transpose_b"]
    if not ta and not tb:
        ga, gb = matmul(grad, b, transpose_b=True), matmul(a, grad, transpose_a=True)
    elif not ta and tb:
        ga, gb = matmul(grad, b), matmul(grad, a, transpose_a=True)
    elif ta and not tb:
        ga, gb = matmul(b, grad, transpose_b=True), matmul(a, grad)
    else:
        ga, gb = matmul(b, grad, transpose_a=True, transpose_b=True), matmul(grad, a, transpose_a=True,
                                                                               transpose_b=True)
    if op.type == "BatchMatMul":
        return [unbroadcast(ga, a), unbroadcast(gb, b)]
    return [ga, gb]


def cast(x, dtype, name=None):
    """Converts ``x`` to ``dtype`` (no-op when it already has it)."""
    x = convert_to_tensor(x)
    dtype = dtypes.as_dtype(dtype)
    if x.dtype is dtype:
        return x
    np_dtype = dtype.as_numpy_dtype
    return make_op("Cast", [x], lambda v: v.astype(np_dtype), [(dtype, x.shape)], name or "Cast",
                   attrs={"SrcT": x.dtype, "DstT": dtype}).outputs[0]


def to_float(x, name="ToFloat"):
    return cast(x, dtypes.float32, name)


def to_int32(x, name="ToInt32"):
    return cast(x, dtypes.int32, name)


def to_int64(x, name="ToInt64"):
    return cast(x, dtypes.int64, name)


@register_gradient("Cast")
def _cast_grad(op, grad):
    src = op.inputs[0].dtype
    if not src.is_floating or not grad.dtype.is_floating:
        return [None]
    return [cast(grad, src)]


def _add_n(*xs):
    out = np.add(xs[0], xs[1])
    for x in xs[2:]:
        out += x  # `out` is a fresh array owned by this kernel, so in-place is safe
    return out


def add_n(inputs, name=None):
    """Sum of a list of tensors of the same shape and dtype."""
    inputs = [convert_to_tensor(x) for x in inputs]
    if len(inputs) == 1:
        if name:  # as TF: a requested name (e.g. "total_loss") must exist in the graph
            from kflow.engine.ops.control_flow_ops import identity

            return identity(inputs[0], name=name)
        return inputs[0]
    dt = inputs[0].dtype
    for t in inputs:
        if t.dtype is not dt:
            raise build_error("AddN", name, inputs, "add_n inputs must all have dtype %s" % dt.name, TypeError)
    shape = inputs[0].shape
    for t in inputs[1:]:
        try:
            shape = shapes.broadcast_static(shape, t.shape)
        except ValueError as e:
            raise build_error("AddN", name, inputs, "add_n inputs have incompatible shapes: %s" % e) from None
    return make_op("AddN", inputs, _add_n, [(dt, shape)], name or "AddN").outputs[0]


@register_gradient("AddN")
def _add_n_grad(op, grad):
    return [unbroadcast(grad, x) for x in op.inputs]


# Imported last: these modules build on the helpers above (circular only at call time).
from kflow.engine.ops import array_ops, comparison_ops  # noqa: E402
