"""Control flow: cond (identity, no_op, group, tuple and stop_gradient live in ``identity_ops``).

``cond`` builds each branch in its own context; the branch ops are not part of
the outer plan but are compiled into sub-plans that the "Cond" kernel runs, so
only the taken branch executes.

A cond's gradient is a cond on the same predicate whose branches differentiate the forward branches.
Those gradients read forward-branch values (a dropout mask, a sqrt's output): the forward Cond op exports
each such value as an extra output, filled by the branch that ran, rather than letting the gradient
recompute it (which would redraw random ops and run the untaken branch's ops outside any cond).

Example:
    >>> y = kf.cond(x > 0, lambda: x * 2.0, lambda: -x)
"""
import builtins

from kflow.engine import dtypes, execution_mode
from kflow.engine.gradients import gradients
from kflow.engine.op_def import OpDef
from kflow.engine.operation import Operation, make_op, build_error
from kflow.engine.ops.array_ops import zeros_like
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.identity_ops import identity, no_op, group, tuple, stop_gradient, _identity  # noqa: F401
from kflow.engine.plan import Plan
from kflow.engine.tensor import Tensor


# ---- cond -----------------------------------------------------------------
class CondContext:
    """Marks the ops built by one branch of a ``cond``; records outer tensors the branch captures.

    ``cond_op`` and ``branch`` (0 true, 1 false) are set once the Cond op exists.
    """

    def __init__(self, outer):
        self.outer = outer
        self.ops = []
        self.cond_op = None
        self.branch = None

    def encloses(self, ctx):
        """Whether ``ctx`` is this context or nested inside it."""
        while ctx is not None:
            if ctx is self:
                return True
            ctx = ctx.outer
        return False

    def external_inputs(self):
        inside = set(self.ops)
        seen, out = set(), []
        for op in self.ops:
            for t in op.inputs:
                if t.op not in inside and t not in seen:
                    seen.add(t)
                    out.append(t)
            for c in op.control_inputs:
                if c not in inside and c.outputs and c.outputs[0] not in seen:
                    seen.add(c.outputs[0])
                    out.append(c.outputs[0])
        return out


def _build_branch(g, fn, label):
    ctx = CondContext(g._cond_context)
    first = len(g._ops)
    saved = g._cond_context
    g._cond_context = ctx
    try:
        with g.name_scope(label):
            out = fn()
    finally:
        g._cond_context = saved
    ctx.ops = [op for op in g._ops[first:] if op._cond_context is ctx]
    return ctx, out


def cond(pred, true_fn=None, false_fn=None, strict=False, name=None, fn1=None, fn2=None):
    """Returns ``true_fn()`` if ``pred`` else ``false_fn()``; only the taken branch runs.

    Both branches must return the same structure of tensors with matching dtypes.
    """
    true_fn = true_fn or fn1
    false_fn = false_fn or fn2
    if not callable(true_fn) or not callable(false_fn):
        raise TypeError("cond: true_fn and false_fn must be callables")
    pred = convert_to_tensor(pred)
    if pred.dtype is not dtypes.bool or pred.shape.ndims not in (None, 0):
        raise build_error("Cond", name, [pred], "cond: pred must be a scalar bool tensor", TypeError)
    if execution_mode.mode.eager:  # the value is known: run the taken branch's ops now (as TF eager does)
        return true_fn() if bool(pred) else false_fn()
    g = pred.graph
    with g.as_default(), g.name_scope(name or "cond"):
        tctx, tout = _build_branch(g, true_fn, "cond_true")
        fctx, fout = _build_branch(g, false_fn, "cond_false")
        t_flat, structure, t_sig = _flatten_outputs(tout)
        f_flat, _, f_sig = _flatten_outputs(fout)
        if t_sig != f_sig:
            raise ValueError("cond: true_fn and false_fn must return the same structure, got %d outputs %s and "
                             "%d outputs %s" % (len(t_flat), t_sig, len(f_flat), f_sig))
        with g.control_dependencies(None):
            t_flat = _own_outputs(g, tctx, t_flat, "cond_true")
            f_flat = _own_outputs(g, fctx, f_flat, "cond_false")
        for a, b in zip(t_flat, f_flat):
            if a.dtype is not b.dtype:
                raise build_error("Cond", name, [a, b], "cond: branches return different dtypes %s and %s"
                                  % (a.dtype.name, b.dtype.name), TypeError)
        externals = _unique(tctx.external_inputs() + fctx.external_inputs())
        specs = [(a.dtype, _merge_shapes(a.shape, b.shape)) for a, b in zip(t_flat, f_flat)]
        # the branch plans are fed ``externals``; the op reads them as seen from here (exported if need be)
        inputs = [pred] + [_visible(t, g._cond_context) for t in externals]
        op = make_op(COND, inputs, specs, "Merge",
                     attrs={"branches": (tctx, fctx), "outputs": (t_flat, f_flat), "externals": externals,
                            "intermediates": []})
        tctx.cond_op, tctx.branch, fctx.cond_op, fctx.branch = op, 0, op, 1
    out = structure(op.outputs[:len(t_flat)])
    if not strict and isinstance(out, (list, builtins.tuple)) and len(out) == 1:
        return out[0]  # TF1 unpacks singleton lists and tuples unless strict=True
    return out


def _visible(t, here):
    """``t`` as the context ``here`` can read it: a tensor computed inside a branch of another cond (a
    gradient cond reading forward values) comes out through that cond, one level at a time."""
    ctx = t.op._cond_context
    while ctx is not None and not ctx.encloses(here):
        t = _export(ctx, t)
        ctx = t.op._cond_context
    return t


def _export(ctx, t):
    """The output of ``ctx``'s Cond op that carries ``t`` (a tensor of branch ``ctx``) when that branch ran;
    it holds None when the other branch ran, which only a cond on the same predicate may read."""
    op = ctx.cond_op
    for (branch, source), out in zip(op.attrs["intermediates"], op.outputs[len(op.attrs["outputs"][0]):]):
        if source is t:
            return out
    op.attrs["intermediates"].append((ctx.branch, t))
    out = Tensor(op, len(op.outputs), t.dtype, t.shape)
    op.outputs.append(out)
    return out


def _own_outputs(g, ctx, flat, label):
    """Branch outputs must be ops of the branch; wrap captured outer tensors in an Identity inside it.

    An operation becomes the branch's predicate value (True or False) computed after it, as in TF1.
    """
    out = []
    for t in flat:
        if isinstance(t, Operation) or t.op._cond_context is not ctx:
            saved = g._cond_context
            g._cond_context = ctx
            try:
                if isinstance(t, Operation):
                    with g.control_dependencies([t]):
                        t = constant(label == "cond_true")
                else:
                    t = identity(t)
            finally:
                g._cond_context = saved
            ctx.ops.append(t.op)
        out.append(t)
    return out


def _unique(ts):
    seen, out = set(), []
    for t in ts:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def _merge_shapes(a, b):
    if a.is_compatible_with(b) and a.dims is not None and b.dims is not None:
        return [x if x == y else None for x, y in zip(a.dims, b.dims)]
    return None


def _flatten_outputs(out):
    """The leaves of a branch's result and a function packing values back into its structure.

    Results nest lists, tuples, namedtuples and dicts as ``tf.nest`` does (dict entries flatten in sorted key
    order, packing keeps the branch's key order). Leaves are tensors, values ``convert_to_tensor`` accepts, or
    operations (TF1 returns the branch predicate gated on them). Returns ``(leaves, pack, signature)``; the
    signature compares the two branches' structures.
    """
    leaves = []

    def walk(x):
        if x is None:
            raise ValueError("cond: a branch function returned None; it must return a tensor or a "
                             "(nested) list of tensors")
        if hasattr(x, "_loop_flows"):  # a TensorArray: its flow tensors are the leaves
            flows = [convert_to_tensor(f) for f in x._loop_flows()]
            leaves.extend(flows)
            return (lambda it: x._with_flows([next(it) for _ in flows])), ("flows", len(flows))
        if isinstance(x, dict):
            keys = sorted(x)
            parts = [walk(x[k]) for k in keys]
            cls = type(x)

            def pack_dict(it):
                d = dict(zip(keys, [p(it) for p, _ in parts]))
                return cls((k, d[k]) for k in x)
            return pack_dict, ("dict", builtins.tuple(zip(keys, [sig for _, sig in parts])))
        if isinstance(x, (list, builtins.tuple)):
            parts = [walk(v) for v in x]
            cls = type(x)
            make = (lambda vs: cls(*vs)) if hasattr(x, "_fields") else cls
            return (lambda it: make([p(it) for p, _ in parts]),
                    (cls.__name__, builtins.tuple(sig for _, sig in parts)))
        leaves.append(x if isinstance(x, Operation) else convert_to_tensor(x))
        return next, "leaf"

    pack, signature = walk(out)
    return leaves, (lambda values: pack(iter(values))), signature


def _bind_cond(op, session):
    """The Cond kernel of ``session``: runs the taken branch's sub-plan (built on first use)."""
    t_flat, f_flat = op.attrs["outputs"]
    externals = op.attrs["externals"]
    plans = {}
    # the outputs as the plan binding this kernel knows them (gradients may export more later)
    exported = list(op.attrs["intermediates"])
    n_out = len(t_flat) + len(exported)

    def branch_plan(taken):
        if taken not in plans:
            branch = 0 if taken else 1
            outs = (t_flat if taken else f_flat) + [t for b, t in exported if b == branch]
            # the branch takes and returns values on the cond's own device, not the host
            plans[taken] = Plan(session, outs, externals, home=session.placer.place(op))
        return plans[taken]

    def run(pred, *ext):
        taken = bool(pred)
        values = branch_plan(taken).run(list(ext))
        if exported:
            own = iter(values[len(t_flat):])
            values = values[:len(t_flat)] + [next(own) if b == (0 if taken else 1) else None
                                             for b, _ in exported]
        return builtins.tuple(values) if n_out > 1 else values[0]

    return run


def _cond_grad(op, *grads):
    t_flat, f_flat = op.attrs["outputs"]
    externals = op.attrs["externals"]
    diff = [x for x in externals if x.dtype.is_floating]
    if not diff:
        return [None] * len(op.inputs)
    main = [g if g is not None else zeros_like(o) for g, o in zip(grads, op.outputs[:len(t_flat)])]
    # gradients arriving at exported values (second order: a gradient cond's gradient) flow into their branch
    exported = [(b, t, g) for (b, t), g in zip(op.attrs["intermediates"], grads[len(t_flat):]) if g is not None]

    def branch_grads(outs, branch):
        def fn():
            extra = [(t, g) for b, t, g in exported if b == branch]
            # externals are the branch's leaves (fed values): partial derivatives, no path through their producers
            gs = gradients(list(outs) + [t for t, _ in extra], diff, grad_ys=main + [g for _, g in extra],
                           stop_gradients=diff)
            return [g if g is not None else zeros_like(x) for g, x in zip(gs, diff)]
        return fn

    pred = op.inputs[0]
    res = cond(pred, branch_grads(t_flat, 0), branch_grads(f_flat, 1))
    res = res if isinstance(res, list) else [res]
    by_tensor = dict(zip(diff, res))
    return [None] + [by_tensor.get(x) for x in externals]


COND = OpDef("Cond", bind=_bind_cond, grad=_cond_grad)
