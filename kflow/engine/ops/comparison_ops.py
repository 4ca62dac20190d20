"""Comparisons and logical ops; their outputs are bool and carry no gradient.

Example:
    >>> correct = kf.equal(kf.argmax(logits, 1), labels)
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.operation import not_differentiable, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.math_ops import binary_op, unary_op


def equal(x, y, name=None):
    return binary_op("Equal", np.equal, x, y, name, out_dtype=dtypes.bool)


def not_equal(x, y, name=None):
    return binary_op("NotEqual", np.not_equal, x, y, name, out_dtype=dtypes.bool)


def less(x, y, name=None):
    return binary_op("Less", np.less, x, y, name, out_dtype=dtypes.bool)


def less_equal(x, y, name=None):
    return binary_op("LessEqual", np.less_equal, x, y, name, out_dtype=dtypes.bool)


def greater(x, y, name=None):
    return binary_op("Greater", np.greater, x, y, name, out_dtype=dtypes.bool)


def greater_equal(x, y, name=None):
    return binary_op("GreaterEqual", np.greater_equal, x, y, name, out_dtype=dtypes.bool)


def _require_bool(op_type, name, *xs):
    xs = [convert_to_tensor(x, dtype=dtypes.bool if not hasattr(x, "dtype") else None) for x in xs]
    for x in xs:
        if x.dtype is not dtypes.bool:
            raise build_error(op_type, name, xs, "%s requires bool inputs, got %s" % (op_type, x.dtype.name),
                              TypeError)
    return xs


def logical_and(x, y, name=None):
    x, y = _require_bool("LogicalAnd", name, x, y)
    return binary_op("LogicalAnd", np.logical_and, x, y, name)


def logical_or(x, y, name=None):
    x, y = _require_bool("LogicalOr", name, x, y)
    return binary_op("LogicalOr", np.logical_or, x, y, name)


def logical_xor(x, y, name=None):
    x, y = _require_bool("LogicalXor", name, x, y)
    return binary_op("LogicalXor", np.logical_xor, x, y, name)


def logical_not(x, name=None):
    (x,) = _require_bool("LogicalNot", name, x)
    return unary_op("LogicalNot", np.logical_not, x, name)


def is_nan(x, name=None):
    return unary_op("IsNan", np.isnan, x, name, out_dtype=dtypes.bool)


def is_finite(x, name=None):
    return unary_op("IsFinite", np.isfinite, x, name, out_dtype=dtypes.bool)


def is_inf(x, name=None):
    return unary_op("IsInf", np.isinf, x, name, out_dtype=dtypes.bool)


not_differentiable("Equal", "NotEqual", "Less", "LessEqual", "Greater", "GreaterEqual", "LogicalAnd",
                   "LogicalOr", "LogicalXor", "LogicalNot", "IsNan", "IsFinite", "IsInf")
