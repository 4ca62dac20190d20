"""Run-time assertions and numeric checks of ``tf.debugging`` (TF1 names at top level too): ``Assert``,
``assert_equal`` / ``assert_less`` / ... / ``assert_near``, rank and dtype checks, ``check_numerics``.

As in TF1: an assertion is an op (run it, or make other ops depend on it with ``kf.control_dependencies``)
that raises ``kf.errors.InvalidArgumentError`` naming the condition and summarizing the data when it fails.
When both values are known at build time the check is made at once: a failing value check raises
InvalidArgumentError while building, a static rank or dtype mismatch raises ValueError / TypeError.

Example:
    >>> with kf.control_dependencies([kf.assert_positive(x, message="x must be positive")]):
    ...     y = kf.log(x)
"""
import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes, graph as graph_mod
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops import comparison_ops
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like
from kflow.engine.ops.identity_ops import group, no_op
from kflow.engine.ops.logging_ops import _v1_bracketed
from kflow.engine.ops.math_ops import add, multiply, subtract
from kflow.engine.ops.params import constant_value
from kflow.engine.ops.reduction_ops import reduce_all
from kflow.engine.ops.reshape_ops import rank as rank_op, shape as shape_op
from kflow.engine.ops.unary_math_ops import abs as abs_op


def _printable(value):
    """A data value as an array whose elements print: string tensors' bytes become text (numpy str scalars)."""
    arr = np.asarray(devices.to_numpy(value))
    if arr.dtype == object:
        arr = np.array([v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in arr.reshape(-1)],
                       dtype=str).reshape(arr.shape)
    return arr


def _summary(data, summarize):
    return " ".join(_v1_bracketed(_printable(d), summarize) for d in data)


def _assert_kernel(condition, *data, summarize):
    if not np.all(devices.to_numpy(condition)):
        raise errors.InvalidArgumentError(None, None, "assertion failed: " + _summary(data, summarize))


ASSERT = OpDef("Assert", _assert_kernel, grad=None, host_only=True)


def Assert(condition, data, summarize=None, name=None):  # noqa: N802 - TF's name
    """An op that raises InvalidArgumentError("assertion failed: [data...]") when the bool ``condition`` is
    False at run time (``summarize`` values per data tensor are shown, default 3).

    Example:
        >>> check = kf.Assert(kf.reduce_all(x > 0), ["x has non-positive values:", x])
    """
    condition = convert_to_tensor(condition)
    if condition.dtype is not dtypes.bool:
        raise build_error("Assert", name, [condition], "Assert: condition must be a bool tensor, got %s"
                          % condition.dtype.name, TypeError)
    data = [convert_to_tensor(d) for d in (data if isinstance(data, (list, tuple)) else [data])]
    return make_op(ASSERT, [condition] + data, [], name or "Assert",
                   params={"summarize": 3 if summarize is None else int(summarize)})


def _static_failure(data, summarize):
    """The InvalidArgumentError of a check already known to fail at build time (TF1 raises it there too)."""
    known = [constant_value(d) if is_tensor_like(d) else np.asarray(d) for d in data]
    return errors.InvalidArgumentError(None, None, "assertion failed: " + _summary(
        [np.asarray(k if k is not None else "<unknown>", dtype=object if k is None else None) for k in known],
        3 if summarize is None else summarize))


def _binary_assert(symbol, compare, static_compare, x, y, data, summarize, message, name):
    x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, name="y") if is_tensor_like(y) else convert_to_tensor(y, dtype=x.dtype, name="y")
    if data is None:
        data = ([message] if message else []) + [
            "Condition x %s y did not hold element-wise:" % symbol, "x (%s) = " % x.name, x, "y (%s) = " % y.name, y]
    x_static, y_static = constant_value(x), constant_value(y)
    if x_static is not None and y_static is not None:
        try:
            holds = bool(np.all(static_compare(x_static, y_static)))
        except ValueError as e:  # shapes that do not broadcast
            raise build_error("Assert", name, [x, y], "assert x %s y: x and y do not broadcast: %s" % (symbol, e))
        if not holds:
            raise _static_failure(data, summarize)
    return Assert(reduce_all(compare(x, y)), data, summarize, name=name or "assert_" + compare.__name__)


def _binary(symbol, compare, static_compare):
    def check(x, y, data=None, summarize=None, message=None, name=None):
        return _binary_assert(symbol, compare, static_compare, x, y, data, summarize, message, name)
    check.__name__ = "assert_" + compare.__name__
    check.__doc__ = ("An op asserting ``x %s y`` element-wise (broadcast), as TF1's ``%s``; fails with "
                     "InvalidArgumentError at run time (or at build time when both are constants)."
                     % (symbol, check.__name__))
    return check


assert_equal = _binary("==", comparison_ops.equal, np.equal)
assert_none_equal = _binary("!=", comparison_ops.not_equal, np.not_equal)
assert_less = _binary("<", comparison_ops.less, np.less)
assert_less_equal = _binary("<=", comparison_ops.less_equal, np.less_equal)
assert_greater = _binary(">", comparison_ops.greater, np.greater)
assert_greater_equal = _binary(">=", comparison_ops.greater_equal, np.greater_equal)


def _sign_assert(check, zero_first, what, x, data, summarize, message, name):
    x = convert_to_tensor(x, name="x")
    zero = np.zeros([], x.dtype.as_numpy_dtype)
    if data is None:
        data = ([message] if message else []) + ["Condition x %s did not hold element-wise:" % what,
                                                 "x (%s) = " % x.name, x]
    return check(zero, x, data, summarize, name=name) if zero_first else check(x, zero, data, summarize, name=name)


def assert_positive(x, data=None, summarize=None, message=None, name=None):
    """An op asserting ``x > 0`` element-wise."""
    return _sign_assert(assert_less, True, "> 0", x, data, summarize, message, name or "assert_positive")


def assert_negative(x, data=None, summarize=None, message=None, name=None):
    """An op asserting ``x < 0`` element-wise."""
    return _sign_assert(assert_less, False, "< 0", x, data, summarize, message, name or "assert_negative")


def assert_non_negative(x, data=None, summarize=None, message=None, name=None):
    """An op asserting ``x >= 0`` element-wise."""
    return _sign_assert(assert_less_equal, True, ">= 0", x, data, summarize, message, name or "assert_non_negative")


def assert_non_positive(x, data=None, summarize=None, message=None, name=None):
    """An op asserting ``x <= 0`` element-wise."""
    return _sign_assert(assert_less_equal, False, "<= 0", x, data, summarize, message, name or "assert_non_positive")


def assert_near(x, y, rtol=None, atol=None, data=None, summarize=None, message=None, name=None):
    """An op asserting ``|x - y| <= atol + rtol * |y|`` element-wise (float; tolerances default to 10 eps
    of the dtype, as TF)."""
    x = convert_to_tensor(x, name="x")
    y = convert_to_tensor(y, name="y") if is_tensor_like(y) else convert_to_tensor(y, dtype=x.dtype, name="y")
    if not x.dtype.is_floating or y.dtype is not x.dtype:
        raise build_error("assert_near", name, [x, y], "assert_near: x and y must be floats of one dtype, got %s "
                          "and %s" % (x.dtype.name, y.dtype.name), TypeError)
    eps = float(np.finfo(x.dtype.as_numpy_dtype).eps)
    rtol = 10 * eps if rtol is None else rtol
    atol = 10 * eps if atol is None else atol
    if data is None:
        data = ([message] if message else []) + [
            "x and y not equal to tolerance rtol = %g, atol = %g" % (rtol, atol),
            "x (%s) = " % x.name, x, "y (%s) = " % y.name, y]
    tolerance = add(np.asarray(atol, x.dtype.as_numpy_dtype),
                    multiply(np.asarray(rtol, x.dtype.as_numpy_dtype), abs_op(y)))
    return assert_less_equal(abs_op(subtract(x, y)), tolerance, data, summarize, name=name or "assert_near")


def _rank_check(x, ok_static, describe, rank_condition, data, summarize, message, name):
    x = convert_to_tensor(x, name="x")
    if x.shape.ndims is not None:
        if not ok_static(x.shape.ndims):
            raise build_error("assert_rank", name, [x], "%sTensor %s must have %s. Received rank %d, shape %s"
                              % (message + ". " if message else "", x.name, describe, x.shape.ndims, x.shape))
        return no_op(name=name or "assert_rank")
    if data is None:
        data = ([message] if message else []) + ["Tensor %s must have %s. Received shape: " % (x.name, describe),
                                                 shape_op(x)]
    return Assert(rank_condition(rank_op(x)), data, summarize, name=name or "assert_rank")


def assert_rank(x, rank, message=None, name=None):
    """Asserts ``x`` has rank ``rank``: a ValueError now when the rank is known, else an op checking it."""
    return _rank_check(x, lambda r: r == rank, "rank %d" % rank,
                       lambda r: comparison_ops.equal(r, rank), None, None, message, name)


def assert_rank_at_least(x, rank, message=None, name=None):
    """Asserts ``x`` has rank ``rank`` or more (ValueError now when known, else an op)."""
    return _rank_check(x, lambda r: r >= rank, "rank at least %d" % rank,
                       lambda r: comparison_ops.greater_equal(r, rank), None, None, message, name)


def assert_rank_in(x, ranks, message=None, name=None):
    """Asserts the rank of ``x`` is one of ``ranks`` (ValueError now when known, else an op)."""
    ranks = tuple(int(r) for r in ranks)

    def condition(r):
        hits = [comparison_ops.equal(r, k) for k in ranks]
        out = hits[0]
        for h in hits[1:]:
            out = comparison_ops.logical_or(out, h)
        return out
    return _rank_check(x, lambda r: r in ranks, "rank in %s" % (list(ranks),), condition, None, None, message, name)


def assert_scalar(tensor, name=None, message=None):
    """``tensor``, after checking it is a scalar (ValueError when its rank is known and not 0)."""
    tensor = convert_to_tensor(tensor)
    if tensor.shape.ndims is None or tensor.shape.ndims != 0:
        raise build_error("assert_scalar", name, [tensor], "%sExpected scalar shape for %s, saw shape: %s."
                          % (message + " " if message else "", tensor.name, tensor.shape))
    return tensor


def assert_type(tensor, tf_type, message=None, name=None):
    """Checks ``tensor``'s dtype is ``tf_type`` (TypeError otherwise); returns a no-op, as TF1."""
    tensor = convert_to_tensor(tensor)
    if tensor.dtype is not dtypes.as_dtype(tf_type):
        raise build_error("assert_type", name, [tensor], "%s%s must be of type %s, got %s" % (
            message + " " if message else "", tensor.name, dtypes.as_dtype(tf_type).name, tensor.dtype.name),
            TypeError)
    return no_op(name=name or "statically_determined_correct_type")


def assert_integer(x, message=None, name=None):
    """Checks ``x`` has an integer dtype (TypeError otherwise); returns a no-op, as TF1."""
    x = convert_to_tensor(x)
    if not x.dtype.is_integer:
        raise build_error("assert_integer", name, [x], "%sExpected integer type for %s, got %s" % (
            message + " " if message else "", x.name, x.dtype.name), TypeError)
    return no_op(name=name or "statically_determined_was_integer")


def assert_same_float_dtype(tensors=None, dtype=None):
    """The one float dtype of ``tensors`` (and ``dtype``); float32 when none is given; ValueError when they
    differ or one is not a float."""
    found = [dtypes.as_dtype(dtype)] if dtype is not None else []
    found += [convert_to_tensor(t).dtype for t in (tensors or [])]
    for dt in found:
        if not dt.is_floating:
            raise ValueError("assert_same_float_dtype: expected floating point type, got %s" % dt.name)
    if any(dt is not found[0] for dt in found):
        raise ValueError("assert_same_float_dtype: dtypes differ: %s" % [dt.name for dt in found])
    return found[0] if found else dtypes.float32


def assert_proper_iterable(values):
    """Raises TypeError when ``values`` is a tensor, an ndarray or a string (not an iterable of values)."""
    if is_tensor_like(values) or isinstance(values, (np.ndarray, str, bytes)):
        raise TypeError("Expected argument 'values' to be a 'proper' iterable, found: %s" % type(values))
    if not hasattr(values, "__iter__"):
        raise TypeError("Expected argument 'values' to be iterable, found: %s" % type(values))


def is_numeric_tensor(tensor):
    """Whether ``tensor`` is a Tensor of a numeric dtype."""
    return is_tensor_like(tensor) and convert_to_tensor(tensor).dtype.is_numeric


def _check_numerics_kernel(x, message):
    bad = ~np.isfinite(x)
    if np.any(bad):
        kinds = [k for k, hit in (("Inf", np.any(np.isinf(x))), ("NaN", np.any(np.isnan(x)))) if hit]
        raise errors.InvalidArgumentError(None, None, "%s : Tensor had %s values" % (message, " and ".join(kinds)))
    return x


def _check_numerics_grad(op, grad):
    return [grad]


CHECK_NUMERICS = OpDef("CheckNumerics", _check_numerics_kernel, grad=_check_numerics_grad, view=True)


def check_numerics(tensor, message, name=None):
    """``tensor`` unchanged; running it raises InvalidArgumentError("message : Tensor had NaN values") when it
    holds NaN or Inf values.

    Example:
        >>> loss = kf.check_numerics(loss, "loss")
    """
    x = convert_to_tensor(tensor)
    if not x.dtype.is_floating:
        raise build_error("CheckNumerics", name, [x], "CheckNumerics: tensor must be a float tensor, got %s"
                          % x.dtype.name, TypeError)
    return make_op(CHECK_NUMERICS, [x], [(x.dtype, x.shape)], name or "CheckNumerics",
                   params={"message": str(message)}).outputs[0]


def verify_tensor_all_finite(t, msg, name=None, x=None, message=None):
    """TF1's ``verify_tensor_all_finite`` / ``debugging.assert_all_finite``: :func:`check_numerics`."""
    return check_numerics(t if t is not None else x, msg if msg is not None else message, name=name)


def assert_all_finite(x, message, name=None):
    """``tf.debugging.assert_all_finite``: :func:`check_numerics`."""
    return check_numerics(x, message, name=name)


def add_check_numerics_ops():
    """TF1's ``add_check_numerics_ops``: a :func:`check_numerics` on every float tensor of the default graph so far,
    grouped into one op (running it raises InvalidArgumentError naming the first tensor holding NaN or Inf).

    Example:
        >>> check = kf.add_check_numerics_ops()
        >>> sess.run([train_op, check], feed)
    """
    graph = graph_mod.get_default_graph()
    checks = []
    for op in graph.get_operations():
        for t in op.outputs:
            if t.dtype.is_floating:
                with graph.control_dependencies(checks[-1:]):  # one after another, as TF1 chains them
                    checks.append(check_numerics(t, message=t.name).op)
    return group(*checks, name="CheckNumerics") if checks else no_op(name="CheckNumerics")
