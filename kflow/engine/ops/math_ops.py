"""Elementwise two-input arithmetic, matmul, cast and add_n, each kernel beside its gradient.

One-input ops (sqrt, exp, sign, ...) are in ``unary_math_ops`` and re-exported here.

Python numbers mixed with tensors take the tensor's dtype (``x + 1`` with float64
``x`` is float64), as in TF; two tensors of different dtypes raise TypeError.

Example:
    >>> y = kf.matmul(x, w) + b
"""
import numpy as np

from kflow.engine import devices, blas_threads, dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.eager_tensor import EagerTensor
from kflow.engine.ops.batch_parallel import MIN_ELEMENTS, over_batch
from kflow.engine.ops.comparison_ops import greater_equal, less_equal, where_v2
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.identity_ops import identity
# The elementwise core and one-input ops live in their own files; re-exported so ``math_ops.<op>`` and
# ``kf.<op>`` keep working.
from kflow.engine.ops.elementwise import (  # noqa: F401
    binary_inputs, binary_op, elementwise_function, unary_op, unbroadcast, broadcast_like, cast, to_float,
    to_int32, to_int64, zeros_like, ones_like)
from kflow.engine.ops.unary_math_ops import (  # noqa: F401
    negative, neg, square, sqrt, rsqrt, reciprocal, exp, log, log1p, abs, sign, sin, cos, tanh, sigmoid,
    floor, ceil, round)


# ---- arithmetic ---------------------------------------------------------------


def divide(x, y, name=None):
    """``x / y``; integer inputs are converted to float64 first, as in TF's truediv."""
    x, y = binary_inputs("RealDiv", x, y, name)
    if not x.dtype.is_floating:
        x, y = cast(x, dtypes.float64), cast(y, dtypes.float64)
    return binary_op(REAL_DIV, x, y, name)


truediv = divide
realdiv = divide


def div(x, y, name=None):
    """TF1 ``tf.div``: floor division for integers, true division for floats."""
    x, y = binary_inputs("Div", x, y, name)
    return floordiv(x, y, name) if not x.dtype.is_floating else divide(x, y, name)


def _integer_division(fn):
    """``fn`` raising TF's "Integer division by zero" (numpy would warn and return 0) for an integer zero
    divisor."""
    def kernel(x, y):
        if y.dtype.kind in "iu" and not y.all():  # ints only: one pass over the divisor
            raise ZeroDivisionError("Integer division by zero")
        return fn(x, y)
    return kernel


def floordiv(x, y, name=None):
    return binary_op(FLOOR_DIV, x, y, name)


floor_div = floordiv


def mod(x, y, name=None):
    return binary_op(FLOOR_MOD, x, y, name)


floormod = mod


def _squared_difference(x, y):
    d = np.subtract(x, y)
    return np.multiply(d, d, out=d) if isinstance(d, np.ndarray) else d * d


def _add_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(grad, y)]


def _sub_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(negative(grad), y)]


def _mul_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad * y, x), unbroadcast(grad * x, y)]


def _div_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad / y, x), unbroadcast(negative(grad) * x / (y * y), y)]


def _floormod_grad(op, grad):
    x, y = op.inputs
    return [unbroadcast(grad, x), unbroadcast(negative(grad) * floordiv(x, y), y)]


def _pow_grad(op, grad):
    x, y = op.inputs
    z = op.outputs[0]
    gx = grad * y * pow(x, y - 1)
    safe_log = log(where_v2(x > 0, x, ones_like(x)))
    gy = grad * z * where_v2(x > 0, safe_log, zeros_like(x))
    return [unbroadcast(gx, x), unbroadcast(gy, y)]


def _maximum_grad(op, grad):
    x, y = op.inputs
    mask = cast(greater_equal(x, y), grad.dtype)
    return [unbroadcast(grad * mask, x), unbroadcast(grad * (1 - mask), y)]


def _minimum_grad(op, grad):
    x, y = op.inputs
    mask = cast(less_equal(x, y), grad.dtype)
    return [unbroadcast(grad * mask, x), unbroadcast(grad * (1 - mask), y)]


def _squared_difference_grad(op, grad):
    x, y = op.inputs
    d = grad * 2.0 * (x - y)
    return [unbroadcast(d, x), unbroadcast(negative(d), y)]


ADD = OpDef("Add", np.add, grad=_add_grad)
SUB = OpDef("Sub", np.subtract, grad=_sub_grad)
MUL = OpDef("Mul", np.multiply, grad=_mul_grad)
REAL_DIV = OpDef("RealDiv", np.true_divide, grad=_div_grad)
FLOOR_DIV = OpDef("FloorDiv", _integer_division(np.floor_divide), grad=None)
FLOOR_MOD = OpDef("FloorMod", _integer_division(np.mod), grad=_floormod_grad)
POW = OpDef("Pow", np.power, grad=_pow_grad)
MAXIMUM = OpDef("Maximum", np.maximum, grad=_maximum_grad)
MINIMUM = OpDef("Minimum", np.minimum, grad=_minimum_grad)
SQUARED_DIFFERENCE = OpDef("SquaredDifference", _squared_difference, grad=_squared_difference_grad)

add = elementwise_function("add", ADD)
subtract = elementwise_function("subtract", SUB)
multiply = elementwise_function("multiply", MUL)
pow = elementwise_function("pow", POW)  # noqa: A001 - TF's public name
maximum = elementwise_function("maximum", MAXIMUM)
minimum = elementwise_function("minimum", MINIMUM)
squared_difference = elementwise_function("squared_difference", SQUARED_DIFFERENCE)


# ---- matmul, cast, add_n --------------------------------------------------------
# Multiply-adds counted as one of over_batch's elements: products from ~8M multiply-adds split in two. With BLAS
# single-threaded, handing half a product to a thread (~0.1 ms) paid from there: (32x784)@(784x500) took
# 0.24 ms split vs 0.32 ms whole, (100x500)@(500x100) 0.14 vs 0.11 ms.
MACS_PER_ELEMENT = 16


def _threaded_matmul(a, b):
    """``a @ b``. While a plan holds BLAS single-threaded (``blas_threads.lowered()``, a plan with
    convolutions), a large 2-D product runs as row (or column) blocks in kflow's threads; otherwise BLAS's
    own threads do it."""
    if a.ndim != 2 or b.ndim != 2 or not blas_threads.lowered() or devices.array_module(a, b) is not np:
        return np.matmul(a, b)
    (m, k), n = a.shape, b.shape[1]
    work = m * n * k // MACS_PER_ELEMENT
    if work < 2 * MIN_ELEMENTS:  # too small to split: no thread bookkeeping (eager code calls this per op)
        return np.matmul(a, b)
    out = np.empty((m, n), np.result_type(a, b))
    if m >= n:
        over_batch(lambda s, e: np.matmul(a[s:e], b, out=out[s:e]), m, work, uses_blas=True)
    else:
        over_batch(lambda s, e: np.matmul(a, b[:, s:e], out=out[:, s:e]), n, work, uses_blas=True)
    return out


def _matmul_kernel(a, b, transpose_a=False, transpose_b=False):
    if transpose_a:
        a = a.swapaxes(-1, -2)
    if transpose_b:
        b = b.swapaxes(-1, -2)
    return _threaded_matmul(a, b)


def matmul(a, b, transpose_a=False, transpose_b=False, adjoint_a=False, adjoint_b=False, a_is_sparse=False,
           b_is_sparse=False, name=None):
    """Matrix product of the last two axes; leading (batch) axes broadcast."""
    transpose_a = transpose_a or adjoint_a
    transpose_b = transpose_b or adjoint_b
    op_def = MATMUL
    if type(a) is EagerTensor and type(b) is EagerTensor and not (transpose_a or transpose_b) and \
            a.dtype is b.dtype and a._value.ndim == 2 and b._value.ndim == 2:
        # eager fast path: the kernel checks the operands (its errors name the op): no static shape to infer
        return make_op(MATMUL, [a, b], [(a.dtype, None)], name, attrs=_PLAIN).outputs[0]
    a, b = binary_inputs("MatMul", a, b, name)
    if a.shape.ndims is not None and b.shape.ndims is not None:
        if a.shape.ndims < 2 or b.shape.ndims < 2:
            raise build_error("MatMul", name, [a, b], "Shape must be rank >= 2 for MatMul, got ranks %d and %d"
                              % (a.shape.ndims, b.shape.ndims))
        ad, bd = list(a.shape.dims), list(b.shape.dims)
        if transpose_a:
            ad[-1], ad[-2] = ad[-2], ad[-1]
        if transpose_b:
            bd[-1], bd[-2] = bd[-2], bd[-1]
        if ad[-1] is not None and bd[-2] is not None and ad[-1] != bd[-2]:
            raise build_error("MatMul", name, [a, b], "Dimensions must be equal, but are %d and %d for MatMul "
                              "(transpose_a=%s, transpose_b=%s)" % (ad[-1], bd[-2], transpose_a, transpose_b))
        try:
            batch = shapes.broadcast_static(ad[:-2], bd[:-2]).dims
        except ValueError as e:
            raise build_error("MatMul", name, [a, b], "MatMul batch dimensions do not broadcast: %s" % e) from None
        shape = list(batch) + [ad[-2], bd[-1]]
        if len(ad) > 2 or len(bd) > 2:
            op_def = BATCH_MATMUL
    else:
        shape = None
        op_def = BATCH_MATMUL
    params = {"transpose_a": True} if transpose_a else {}  # the plain product calls the kernel bare
    if transpose_b:
        params["transpose_b"] = True
    return make_op(op_def, [a, b], [(a.dtype, shape)], name or "MatMul", params=params,
                   attrs={"transpose_a": transpose_a, "transpose_b": transpose_b}).outputs[0]


_PLAIN = {"transpose_a": False, "transpose_b": False}


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


MATMUL = OpDef("MatMul", _matmul_kernel, grad=_matmul_grad, blas=True)
BATCH_MATMUL = OpDef("BatchMatMul", _matmul_kernel, grad=_matmul_grad, blas=True)


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
    return make_op(ADD_N, inputs, [(dt, shape)], name or "AddN").outputs[0]


ADD_N = OpDef("AddN", _add_n, grad=lambda op, grad: [unbroadcast(grad, x) for x in op.inputs])
