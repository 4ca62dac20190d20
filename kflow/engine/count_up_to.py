"""``kf.count_up_to(ref, limit)``: increments an integer variable, raising ``OutOfRangeError`` at ``limit``.

The epoch counter of TF1's input producers (``num_epochs``): each run returns the value before the
increment; once the variable holds ``limit`` the op raises instead. Runs from several threads (queue
runners) increment under a per-session lock, so no count is lost or repeated.

Example:
    >>> v = kf.Variable(0, dtype=kf.int64)
    >>> step = kf.count_up_to(v, 2)
    >>> sess.run(step), sess.run(step)     # (0, 1); a third run raises OutOfRangeError
"""
import threading

from kflow import errors
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op


def _bind_count_up_to(op, session):
    var_op, limit = op.attrs["var"], op.attrs["limit"]
    store = session.variable_values
    lock = session.resources.setdefault(("count_up_to_lock", var_op), threading.Lock())

    def count_up_to():
        with lock:
            try:
                cur = store[var_op]
            except KeyError:
                raise errors.FailedPreconditionError(
                    None, op, "Attempting to use uninitialized value %s in %s (run its initializer; for input "
                    "producers' num_epochs, kf.local_variables_initializer())" % (var_op.name, op.name)) from None
            before = int(cur)
            if before >= limit:
                raise errors.OutOfRangeError(None, op, "Reached limit of %d in %s (variable '%s')"
                                             % (limit, op.name, var_op.name))
            out = cur.copy()  # on the variable's device, like the variable
            cur[...] = before + 1
            return out

    return count_up_to


COUNT_UP_TO = OpDef("CountUpTo", bind=_bind_count_up_to, grad=None)


def count_up_to(ref, limit, name=None):
    """Increments the int32/int64 variable ``ref`` until it reaches ``limit``; returns the old value.

    Raises:
        TypeError: ``ref`` is not an integer variable.
        OutOfRangeError: (when run) the variable already holds ``limit``.
    """
    var_op = getattr(ref, "_variable", None) or ref.op
    var_t = var_op.outputs[0]
    if var_op.type != "VariableV2" or var_t.dtype.name not in ("int32", "int64"):
        raise build_error("CountUpTo", name, [var_t], "count_up_to needs an int32 or int64 variable, got %s (%s)"
                          % (var_op.name, var_t.dtype.name), TypeError)
    with var_op.graph.as_default():
        op = make_op(COUNT_UP_TO, [], [(var_t.dtype, [])], name or "CountUpTo",
                     attrs={"var": var_op, "limit": int(limit)})
    return op.outputs[0]
