"""``kf.case`` and ``kf.switch_case``: multi-way branches as a chain of ``cond``s on one branch index.

A "CaseIndex" op turns the predicates into the index of the branch to run (the first true one), checking at
run time what TF1 checks: with ``exclusive=True`` at most one predicate is true, and without a ``default`` at
least one is. Only the chosen branch runs.

Example:
    >>> y = kf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x)
    >>> z = kf.switch_case(k, [lambda: a, lambda: b], default=lambda: c)
"""
import numpy as np

from kflow import errors
from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.comparison_ops import equal
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import cond


def _bind_case_index(op, session):
    exclusive, has_default, names = op.attrs["exclusive"], op.attrs["has_default"], op.attrs["pred_names"]

    def index(*preds):
        true = [i for i, p in enumerate(preds) if bool(p)]
        if exclusive and len(true) > 1:
            raise errors.InvalidArgumentError(
                None, op, "case: exclusive=True but more than one predicate is true: %s"
                % ", ".join(names[i] for i in true))
        if not true and not has_default:
            raise errors.InvalidArgumentError(
                None, op, "case: none of the predicates is true and no default is given: %s" % ", ".join(names))
        return np.int32(true[0] if true else len(preds))

    return index


CASE_INDEX = OpDef("CaseIndex", bind=_bind_case_index, grad=None, host_only=True)  # reads predicates on the host


def case(pred_fn_pairs, default=None, exclusive=False, strict=False, name="case"):
    """Runs the fn of the first true predicate (TF1's ``tf.case``), else ``default``.

    Args:
        pred_fn_pairs: a list of ``(pred, fn)`` pairs (or a dict pred -> fn), ``pred`` a scalar bool tensor.
        default: the fn run when no predicate is true; when None, the last pair's fn serves as default and
            a run in which no predicate is true is an error.
        exclusive: check at run time that at most one predicate is true.
        strict: as in ``cond``: when False, single-element lists come back unpacked.

    Returns:
        The chosen fn's result (every fn must return the same structure and dtypes).
    """
    pairs = list(pred_fn_pairs.items()) if isinstance(pred_fn_pairs, dict) else list(pred_fn_pairs)
    if not pairs:
        if default is None:
            raise ValueError("case: needs at least one (pred, fn) pair or a default")
        return default()
    preds = []
    for p, fn in pairs:
        if not callable(fn):
            raise TypeError("case: the fn paired with predicate %r must be callable" % (p,))
        p = convert_to_tensor(p)
        if p.dtype is not dtypes.bool or p.shape.ndims not in (None, 0):
            raise build_error("CaseIndex", name, [p], "case: predicates must be scalar bool tensors", TypeError)
        preds.append(p)
    fns = [fn for _, fn in pairs] + ([default] if default is not None else [])
    op = make_op(CASE_INDEX, preds, [(dtypes.int32, [])], name,
                 attrs={"exclusive": exclusive, "has_default": default is not None,
                        "pred_names": ["'%s'" % p.name for p in preds]})
    return _branch_on(op.outputs[0], fns, strict, name)


def switch_case(branch_index, branch_fns, default=None, name="switch_case"):
    """Runs ``branch_fns[branch_index]`` (TF's ``tf.switch_case``); ``default`` for an index out of range.

    Args:
        branch_index: a scalar int32/int64 tensor.
        branch_fns: a list of fns, a dict ``{int: fn}``, or a list of ``(int, fn)`` pairs.
        default: the fn for an out-of-range index; when None the last branch is the default.
    """
    index = convert_to_tensor(branch_index)
    if not index.dtype.is_integer or index.shape.ndims not in (None, 0):
        raise build_error("SwitchCase", name, [index], "switch_case: branch_index must be a scalar integer "
                          "tensor", TypeError)
    items = sorted(branch_fns.items()) if isinstance(branch_fns, dict) else list(branch_fns)
    if items and isinstance(items[0], tuple):
        keys, fns = [k for k, _ in items], [f for _, f in items]
        if keys != list(range(len(keys))):
            raise ValueError("switch_case: branch keys must be 0..%d, got %s" % (len(keys) - 1, keys))
    else:
        fns = items
    if not fns:
        raise ValueError("switch_case: branch_fns must not be empty")
    if default is None:
        default = fns[-1]
    pairs = [(equal(index, convert_to_tensor(k, dtype=index.dtype)), fn) for k, fn in enumerate(fns)]
    return case(pairs, default=default, strict=True, name=name)


def _branch_on(index, fns, strict, name):
    """A chain of conds picking ``fns[index]``, the last fn for any index past the others."""
    def pick(k):
        if k == len(fns) - 1:
            return fns[k]
        return lambda: cond(equal(index, k), fns[k], pick(k + 1), strict=True)

    out = cond(equal(index, 0), fns[0], pick(1), strict=True, name=name) if len(fns) > 1 else fns[0]()
    if not strict and isinstance(out, (list, tuple)) and len(out) == 1:
        return out[0]
    return out
