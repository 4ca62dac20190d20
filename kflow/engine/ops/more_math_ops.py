"""More of tf.math: trigonometric and hyperbolic functions, erf/erfc, expm1, rint, atan2 (declared ops with
gradients; erf/erfc evaluate Python's math.erf per element on the host, as numpy has no erf), and
the composites TF 1.15 lists there (no-nan divisions, xlogy, log_sigmoid, reduce_variance/std/euclidean_norm,
count_nonzero, polyval, confusion_matrix, invert_permutation, monotonicity tests, unsorted_segment_sqrt_n).

Example:
    >>> kf.math.atan2(y, x)
    >>> kf.math.divide_no_nan(x, count)          # 0 where count == 0
    >>> kf.math.reduce_std(x, axis=0)
"""
import math

import numpy as np

from kflow.engine import devices, dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error
from kflow.engine.ops.comparison_ops import equal, not_equal, less, less_equal, where_v2
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import binary_op, cast, unary_op, unbroadcast, zeros_like, ones_like
from kflow.engine.ops.math_ops import add_n, maximum, multiply, square
from kflow.engine.ops.nn_ops import softplus
from kflow.engine.ops.reduction_ops import reduce_all, reduce_max, reduce_mean, reduce_sum
from kflow.engine.ops.reshape_ops import reshape
from kflow.engine.ops.scatter_ops import scatter_nd
from kflow.engine.ops.segment_ops import unsorted_segment_sum
from kflow.engine.ops.sort_ops import argsort
from kflow.engine.ops.unary_math_ops import exp, log, negative, sqrt


def _unary(py_name, op_def):
    def fn(x, name=None):
        return unary_op(op_def, x, name, require_float=True)
    fn.__name__ = fn.__qualname__ = py_name
    fn.__doc__ = "Elementwise ``%s`` of floating-point ``x`` (op type %s).\n\n    Example:\n        >>> kf.math.%s(x)" \
        % (py_name, op_def.type, py_name)
    return fn


def _times(factor):
    """A gradient ``grad * factor(x, y)`` (x the input, y the output)."""
    return lambda op, grad: [grad * factor(op.inputs[0], op.outputs[0])]


TAN = OpDef("Tan", np.tan, grad=_times(lambda x, y: 1.0 + y * y))
SINH = OpDef("Sinh", np.sinh, grad=_times(lambda x, y: cosh(x)))
COSH = OpDef("Cosh", np.cosh, grad=_times(lambda x, y: sinh(x)))
ASIN = OpDef("Asin", np.arcsin, grad=_times(lambda x, y: 1.0 / sqrt(1.0 - x * x)))
ACOS = OpDef("Acos", np.arccos, grad=_times(lambda x, y: -1.0 / sqrt(1.0 - x * x)))
ATAN = OpDef("Atan", np.arctan, grad=_times(lambda x, y: 1.0 / (1.0 + x * x)))
ASINH = OpDef("Asinh", np.arcsinh, grad=_times(lambda x, y: 1.0 / cosh(y)))
ACOSH = OpDef("Acosh", np.arccosh, grad=_times(lambda x, y: 1.0 / sinh(y)))
ATANH = OpDef("Atanh", np.arctanh, grad=_times(lambda x, y: 1.0 / (1.0 - x * x)))
EXPM1 = OpDef("Expm1", np.expm1, grad=_times(lambda x, y: y + 1.0))
RINT = OpDef("Rint", np.rint, grad=None)  # piecewise constant, as TF

def _on_host(fn):
    """An elementwise kernel from a Python scalar function (numpy has no erf): runs on host arrays."""
    ufunc = np.frompyfunc(fn, 1, 1)

    def kernel(x):
        xp = devices.array_module(x)
        out = ufunc(devices.to_numpy(x)).astype(x.dtype)
        return out if xp is np else xp.asarray(out)
    return kernel


_TWO_OVER_SQRT_PI = 2.0 / np.sqrt(np.pi)
ERF = OpDef("Erf", _on_host(math.erf), grad=_times(lambda x, y: _TWO_OVER_SQRT_PI * exp(-(x * x))))
ERFC = OpDef("Erfc", _on_host(math.erfc), grad=_times(lambda x, y: -_TWO_OVER_SQRT_PI * exp(-(x * x))))
erf, erfc = _unary("erf", ERF), _unary("erfc", ERFC)

tan, sinh, cosh = _unary("tan", TAN), _unary("sinh", SINH), _unary("cosh", COSH)
asin, acos, atan = _unary("asin", ASIN), _unary("acos", ACOS), _unary("atan", ATAN)
asinh, acosh, atanh = _unary("asinh", ASINH), _unary("acosh", ACOSH), _unary("atanh", ATANH)
expm1, rint = _unary("expm1", EXPM1), _unary("rint", RINT)


def _atan2_grad(op, grad):
    y, x = op.inputs
    inv = grad / (x * x + y * y)
    from_y, from_x = x * inv, negative(y) * inv
    return [unbroadcast(from_y, y), unbroadcast(from_x, x)]


ATAN2 = OpDef("Atan2", np.arctan2, grad=_atan2_grad)


def atan2(y, x, name=None):
    """The angle of the point ``(x, y)``: ``arctan(y / x)`` in the right quadrant, in ``[-pi, pi]``.

    Example:
        >>> kf.math.atan2(1.0, -1.0)   # 3*pi/4
    """
    return binary_op(ATAN2, y, x, name)


# ---- composites -----------------------------------------------------------------------------------
def divide_no_nan(x, y, name=None):
    """``x / y``, and 0 where ``y`` is 0 (also for 0/0).

    Example:
        >>> kf.math.divide_no_nan([1.0, 2.0], [0.0, 4.0])   # [0, 0.5]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    zero = equal(y, zeros_like(y))
    safe = where_v2(zero, ones_like(y), y)  # keeps the division's gradient finite where y == 0
    return where_v2(zero, zeros_like(x / safe), x / safe, name=name)


div_no_nan = divide_no_nan


def reciprocal_no_nan(x, name=None):
    """``1 / x``, and 0 where ``x`` is 0.

    Example:
        >>> kf.math.reciprocal_no_nan([0.0, 2.0])   # [0, 0.5]
    """
    x = convert_to_tensor(x)
    return divide_no_nan(ones_like(x), x, name=name)


def multiply_no_nan(x, y, name=None):
    """``x * y``, and 0 where ``y`` is 0 even if ``x`` is inf or nan.

    Example:
        >>> kf.math.multiply_no_nan([np.inf], [0.0])   # [0]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    zero = equal(y, zeros_like(y))
    return multiply(where_v2(zero, zeros_like(x), x), y, name=name)  # 0 * 0 where y == 0, never inf * 0


def xlogy(x, y, name=None):
    """``x * log(y)``, and 0 where ``x`` is 0.

    Example:
        >>> kf.math.xlogy([0.0, 2.0], [0.0, np.e])   # [0, 2]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    zero = equal(x, zeros_like(x))
    safe = where_v2(zero, ones_like(y), y)
    return where_v2(zero, zeros_like(x), x * log(safe), name=name)


def xdivy(x, y, name=None):
    """``x / y``, and 0 where ``x`` is 0.

    Example:
        >>> kf.math.xdivy([0.0, 2.0], [0.0, 4.0])   # [0, 0.5]
    """
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    zero = equal(x, zeros_like(x))
    safe = where_v2(zero, ones_like(y), y)
    return where_v2(zero, zeros_like(x), x / safe, name=name)


def log_sigmoid(x, name=None):
    """``log(sigmoid(x)) = -softplus(-x)``, without overflow.

    Example:
        >>> kf.math.log_sigmoid([0.0])   # [-log 2]
    """
    return negative(softplus(negative(convert_to_tensor(x))), name=name)


def scalar_mul(scalar, x, name=None):
    """``scalar * x`` for a scalar ``scalar``.

    Example:
        >>> kf.math.scalar_mul(2.0, x)
    """
    s = convert_to_tensor(scalar)
    if s.shape.ndims not in (None, 0):
        raise build_error("Mul", name, [s], "scalar_mul: scalar must be a scalar, got shape %s" % s.shape)
    return multiply(s, x, name=name)


def accumulate_n(inputs, shape=None, tensor_dtype=None, name=None):
    """The sum of the tensors ``inputs`` (TF's accumulate_n; the same as ``add_n`` here).

    Example:
        >>> kf.math.accumulate_n([a, b, c])
    """
    return add_n(inputs, name=name)


def reduce_variance(input_tensor, axis=None, keepdims=False, name=None):
    """The variance of the entries over ``axis`` (population variance, as TF).

    Example:
        >>> kf.math.reduce_variance([1.0, 2.0, 3.0, 4.0])   # 1.25
    """
    x = convert_to_tensor(input_tensor)
    mean = reduce_mean(x, axis, keepdims=True)
    return reduce_mean(square(x - mean), axis, keepdims=keepdims, name=name)


def reduce_std(input_tensor, axis=None, keepdims=False, name=None):
    """The standard deviation of the entries over ``axis``.

    Example:
        >>> kf.math.reduce_std([1.0, 3.0])   # 1
    """
    return sqrt(reduce_variance(input_tensor, axis, keepdims), name=name)


def reduce_euclidean_norm(input_tensor, axis=None, keepdims=False, name=None):
    """``sqrt(sum(x**2))`` over ``axis``.

    Example:
        >>> kf.math.reduce_euclidean_norm([3.0, 4.0])   # 5
    """
    x = convert_to_tensor(input_tensor)
    return sqrt(reduce_sum(square(x), axis, keepdims=keepdims), name=name)


def count_nonzero(input_tensor, axis=None, keepdims=None, dtype=dtypes.int64, name=None, reduction_indices=None,
                  keep_dims=None):
    """How many entries over ``axis`` are not zero (not False, for bool).

    Example:
        >>> kf.count_nonzero([[0, 1], [2, 0]], axis=1)   # [1, 1]
    """
    x = convert_to_tensor(input_tensor)
    axis = reduction_indices if axis is None else axis
    keep = bool(keepdims if keepdims is not None else keep_dims)
    nonzero = not_equal(x, zeros_like(x)) if not x.dtype.is_bool else x
    return reduce_sum(cast(nonzero, dtype), axis, keepdims=keep, name=name)


def polyval(coeffs, x, name=None):
    """``coeffs[0] * x**(n-1) + ... + coeffs[n-1]`` by Horner's rule (``coeffs`` a list of tensors).

    Example:
        >>> kf.math.polyval([1.0, 0.0, -1.0], 3.0)   # 8
    """
    x = convert_to_tensor(x)
    if not coeffs:
        return zeros_like(x, name=name)
    out = convert_to_tensor(coeffs[0], dtype=x.dtype)
    for c in coeffs[1:]:
        out = out * x + c
    return out


def confusion_matrix(labels, predictions, num_classes=None, weights=None, dtype=dtypes.int32, name=None):
    """``m[i, j]``: how many (or the summed ``weights`` of) examples with label i were predicted as j.

    Example:
        >>> kf.math.confusion_matrix([0, 1, 1], [0, 1, 0], num_classes=2)   # [[1, 0], [1, 1]]
    """
    labels, predictions = convert_to_tensor(labels), convert_to_tensor(predictions)
    if not labels.dtype.is_integer or not predictions.dtype.is_integer:
        raise build_error("ConfusionMatrix", name, [labels, predictions], "confusion_matrix: labels and predictions "
                          "must be integers, got %s and %s" % (labels.dtype.name, predictions.dtype.name), TypeError)
    labels, predictions = cast(reshape(labels, [-1]), dtypes.int64), cast(reshape(predictions, [-1]), dtypes.int64)
    if num_classes is None:
        num_classes = maximum(reduce_max(labels), reduce_max(predictions)) + 1
    n = cast(convert_to_tensor(num_classes), dtypes.int64)
    dtype = dtypes.as_dtype(dtype)
    w = cast(ones_like(labels), dtype) if weights is None else cast(reshape(weights, [-1]), dtype)
    return scatter_nd(stack([labels, predictions], axis=1), w, stack([n, n]), name=name)


def invert_permutation(x, name=None):
    """The inverse permutation: ``y[x[i]] = i``.

    Example:
        >>> kf.invert_permutation([3, 4, 0, 2, 1])   # [2, 4, 3, 0, 1]
    """
    x = convert_to_tensor(x)
    if x.shape.ndims not in (None, 1) or not x.dtype.is_integer:
        raise build_error("InvertPermutation", name, [x], "invert_permutation: x must be a 1-D integer tensor, got "
                          "%s %s" % (x.dtype.name, x.shape))
    return cast(argsort(x), x.dtype, name=name)


def _pairwise(x, compare):
    flat = reshape(convert_to_tensor(x), [-1])
    return reduce_all(compare(flat[:-1], flat[1:]))


def is_non_decreasing(x, name=None):
    """Whether the entries of ``x`` (in row-major order) never decrease.

    Example:
        >>> kf.math.is_non_decreasing([1, 1, 2])   # True
    """
    return _pairwise(x, less_equal)


def is_strictly_increasing(x, name=None):
    """Whether the entries of ``x`` (in row-major order) always increase.

    Example:
        >>> kf.math.is_strictly_increasing([1, 1, 2])   # False
    """
    return _pairwise(x, less)


def unsorted_segment_sqrt_n(data, segment_ids, num_segments, name=None):
    """The sum of each segment divided by the square root of its size (0 for an empty segment).

    Example:
        >>> kf.math.unsorted_segment_sqrt_n([1.0, 3.0], [0, 0], 1)   # [4 / sqrt(2)]
    """
    x = convert_to_tensor(data)
    total = unsorted_segment_sum(x, segment_ids, num_segments)
    count = unsorted_segment_sum(ones_like(x), segment_ids, num_segments)
    return divide_no_nan(total, sqrt(count), name=name)

