"""Comparisons, logical ops and selection (``where_v2``; TF1's ``where`` is in array_ops); comparisons are bool and carry no gradient.

Example:
    >>> correct = kf.equal(kf.argmax(logits, 1), labels)
    >>> y = kf.where_v2(x > 0, x, kf.zeros_like(x))
"""
import numpy as np

from kflow.engine import dtypes, shapes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.elementwise import binary_inputs, binary_op, unary_op, unbroadcast, zeros_like

EQUAL = OpDef("Equal", np.equal, grad=None)
NOT_EQUAL = OpDef("NotEqual", np.not_equal, grad=None)
LESS = OpDef("Less", np.less, grad=None)
LESS_EQUAL = OpDef("LessEqual", np.less_equal, grad=None)
GREATER = OpDef("Greater", np.greater, grad=None)
GREATER_EQUAL = OpDef("GreaterEqual", np.greater_equal, grad=None)
LOGICAL_AND = OpDef("LogicalAnd", np.logical_and, grad=None)
LOGICAL_OR = OpDef("LogicalOr", np.logical_or, grad=None)
LOGICAL_XOR = OpDef("LogicalXor", np.logical_xor, grad=None)
LOGICAL_NOT = OpDef("LogicalNot", np.logical_not, grad=None)
IS_NAN = OpDef("IsNan", np.isnan, grad=None)
IS_FINITE = OpDef("IsFinite", np.isfinite, grad=None)
IS_INF = OpDef("IsInf", np.isinf, grad=None)


def equal(x, y, name=None):
    return binary_op(EQUAL, x, y, name, out_dtype=dtypes.bool)


def not_equal(x, y, name=None):
    return binary_op(NOT_EQUAL, x, y, name, out_dtype=dtypes.bool)


def less(x, y, name=None):
    return binary_op(LESS, x, y, name, out_dtype=dtypes.bool)


def less_equal(x, y, name=None):
    return binary_op(LESS_EQUAL, x, y, name, out_dtype=dtypes.bool)


def greater(x, y, name=None):
    return binary_op(GREATER, x, y, name, out_dtype=dtypes.bool)


def greater_equal(x, y, name=None):
    return binary_op(GREATER_EQUAL, x, y, name, out_dtype=dtypes.bool)


def _require_bool(op_type, name, *xs):
    xs = [convert_to_tensor(x, dtype=dtypes.bool if not hasattr(x, "dtype") else None) for x in xs]
    for x in xs:
        if x.dtype is not dtypes.bool:
            raise build_error(op_type, name, xs, "%s requires bool inputs, got %s" % (op_type, x.dtype.name),
                              TypeError)
    return xs


def logical_and(x, y, name=None):
    x, y = _require_bool("LogicalAnd", name, x, y)
    return binary_op(LOGICAL_AND, x, y, name)


def logical_or(x, y, name=None):
    x, y = _require_bool("LogicalOr", name, x, y)
    return binary_op(LOGICAL_OR, x, y, name)


def logical_xor(x, y, name=None):
    x, y = _require_bool("LogicalXor", name, x, y)
    return binary_op(LOGICAL_XOR, x, y, name)


def logical_not(x, name=None):
    (x,) = _require_bool("LogicalNot", name, x)
    return unary_op(LOGICAL_NOT, x, name)


def is_nan(x, name=None):
    return unary_op(IS_NAN, x, name, out_dtype=dtypes.bool)


def is_finite(x, name=None):
    return unary_op(IS_FINITE, x, name, out_dtype=dtypes.bool)


def is_inf(x, name=None):
    return unary_op(IS_INF, x, name, out_dtype=dtypes.bool)


# ---- selection ---------------------------------------------------------------------------------------------
def _select_grad(op, grad):
    c, x, y = op.inputs
    zeros = zeros_like(grad)
    return [None, unbroadcast(where_v2(c, grad, zeros), x), unbroadcast(where_v2(c, zeros, grad), y)]


def _where_indices(c):
    return np.argwhere(c).astype(np.int64)


SELECT = OpDef("Select", np.where, grad=_select_grad)
WHERE = OpDef("Where", _where_indices, grad=None)


def where_v2(condition, x=None, y=None, name=None):
    """Elementwise select ``x`` where ``condition`` else ``y``, all three broadcasting (numpy rules); with only
    ``condition``, the coordinates of True entries as an int64 [N, rank] tensor."""
    condition = convert_to_tensor(condition)
    if condition.dtype is not dtypes.bool:
        raise build_error("Select", name, [condition], "where: condition must be bool, got %s"
                          % condition.dtype.name, TypeError)
    if x is None and y is None:
        rank = condition.shape.ndims
        return make_op(WHERE, [condition], [(dtypes.int64, [None, rank])], name or "Where").outputs[0]
    x, y = binary_inputs("Select", x, y, name)
    try:
        out = shapes.broadcast_static(shapes.broadcast_static(condition.shape, x.shape), y.shape)
    except ValueError as e:
        raise build_error("Select", name, [condition, x, y], "where: shapes do not broadcast: %s" % e) from None
    return make_op(SELECT, [condition, x, y], [(x.dtype, out)], name or "Select").outputs[0]
