"""The While op: a loop whose condition and body are sub-graphs, each compiled ONCE into its own plan.

The body's ops live in a :class:`LoopContext`: they are ops of the graph, but no outer plan reaches them
(the While op's inputs are only the initial values, the sliced sequences and the outer tensors the body
captures). The While kernel runs the cond plan and the body plan once per iteration: a step does no graph
walking. Besides the loop variables, a loop may read one slice per iteration of ``sliced`` tensors (``x[i]``)
and emit per-iteration values that come out stacked (``[iterations, ...]``): scan, map_fn and dynamic_rnn use
that instead of per-step gathers and concats.

Gradients: when a gradient is built, the forward op starts recording, per iteration, the body values the
gradient reads (a history output); a WhileGrad op runs the body's gradient plan over that history in reverse
(stateful body ops, such as dropout or random draws, are never re-run). Second-order gradients through a
loop are not supported (a clear error).

Example:
    >>> vals, emits = build_loop(lambda v, x: v[0] < 10, lambda v, x: ([v[0] + 1], []), [kf.constant(0)],
    ...                          [kf.TensorShape([])])
"""
import numpy as np

from kflow import errors
from kflow.engine import devices, dtypes, execution_mode, shapes
from kflow.engine.gradients import gradients
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.array_ops import zeros, zeros_like
from kflow.engine.ops.concat_ops import stack
from kflow.engine.ops.constant_op import constant, convert_to_tensor
from kflow.engine.ops.control_flow_ops import CondContext
from kflow.engine.ops.identity_ops import identity
from kflow.engine.plan import Plan
from kflow.engine.tensor import Tensor

# the dtype of a loop's recorded history (a Python list of per-iteration values): never differentiated
VARIANT = dtypes.DType("variant", object)


class LoopContext(CondContext):
    """Marks the ops of a loop's cond and body (or of a loop gradient's body)."""


def _unfed(op, session):
    def fail(*_):
        raise errors.InvalidArgumentError(None, op, "loop value '%s' was read outside its loop" % op.name)
    return fail


# the value of a loop variable (or of a slice) inside one iteration: always fed by the loop's plans
LOOP_VALUE = OpDef("LoopValue", bind=_unfed, grad=None)


def loop_value(dtype, shape, name):
    return make_op(LOOP_VALUE, [], [(dtype, shape)], name).outputs[0]


def in_context(g, ctx, fn):
    """Calls ``fn()`` with ``ctx`` as the graph's context and no outer control dependencies."""
    saved = g._cond_context
    g._cond_context = ctx
    try:
        with g.control_dependencies(None):
            return fn()
    finally:
        g._cond_context = saved


def own(g, ctx, ts):
    """Targets of a context's plan must be its own ops: captured tensors get an Identity inside."""
    def wrap():
        return [t if t.op._cond_context is ctx else identity(t) for t in ts]
    return in_context(g, ctx, wrap)


def context_ops(g, ctx, first):
    ctx.ops = [op for op in g._ops[first:] if op._cond_context is ctx]
    return ctx.ops


def build_loop(cond_fn, body_fn, init, shapes_in, sliced=(), maximum_iterations=None, back_prop=True,
               name="while", check=None, emit_length=None):
    """Builds a While op (the primitive under ``while_loop``, ``scan``, ``map_fn`` and ``dynamic_rnn``).

    Args:
        cond_fn: ``cond_fn(values, slices) -> scalar bool tensor``; None runs until the shortest sliced
            sequence (or ``maximum_iterations``) ends, with no condition plan to call per iteration.
        body_fn: ``body_fn(values, slices) -> (new_values, emits)`` (flat lists of tensors).
        init: the loop variables' initial tensors (a flat list).
        shapes_in: the shape each loop variable keeps across iterations (its shape invariant).
        sliced: tensors read one leading-dimension slice per iteration (iteration ``i`` reads ``x[i]``);
            the loop ends after the shortest one.
        maximum_iterations: optional int scalar bounding the number of iterations.
        back_prop: False makes the loop's outputs carry no gradient.
        check: ``check(new_values, emits, pred)`` validates the body's results before the op is built.
        emit_length: the number of iterations when the caller knows it statically (the emits' first dim).

    Returns:
        ``(final_values, stacked_emits)``: each emit stacked over iterations (``[iterations, ...]``).
    """
    if execution_mode.mode.eager:
        return _run_eagerly(cond_fn, body_fn, init, sliced, maximum_iterations, check)
    g = init[0].graph if init else sliced[0].graph
    ctx = LoopContext(g._cond_context)
    with g.as_default(), g.name_scope(name):
        first = len(g._ops)

        def build():
            vals = [loop_value(t.dtype, s, "loop_var") for t, s in zip(init, shapes_in)]
            slices = [loop_value(x.dtype, x.shape[1:] if x.shape.dims is not None else None, "slice")
                      for x in sliced]
            pred = convert_to_tensor(cond_fn(vals, slices)) if cond_fn is not None else None
            new_vals, emits = body_fn(vals, slices)
            return vals, slices, pred, [convert_to_tensor(v) for v in new_vals], [convert_to_tensor(e)
                                                                                 for e in emits]
        vals, slices, pred, new_vals, emits = in_context(g, ctx, build)
        if check is not None:
            check(new_vals, emits, pred)
        if pred is not None:
            pred, = own(g, ctx, [pred])
        elif not sliced and maximum_iterations is None:
            raise ValueError("build_loop: a loop without a condition needs sliced sequences or a maximum")
        new_vals = own(g, ctx, new_vals)
        emits = own(g, ctx, emits)
        context_ops(g, ctx, first)
        externals = ctx.external_inputs()
        limit = constant(-1) if maximum_iterations is None else _iteration_limit(maximum_iterations)
        specs = [(t.dtype, s) for t, s in zip(init, shapes_in)]
        specs += [(e.dtype, shapes.TensorShape([emit_length]).concatenate(e.shape)) for e in emits]
        op = make_op(WHILE, [limit] + list(init) + list(sliced) + externals, specs, "While",
                     attrs={"context": ctx, "loop_vars": vals, "slices": slices, "pred": pred, "body": new_vals,
                            "emits": emits, "externals": externals, "saved": [], "back_prop": back_prop,
                            "n_vars": len(init), "n_sliced": len(sliced), "history": None})
    outs = op.outputs
    return outs[:len(init)], outs[len(init):]


def _run_eagerly(cond_fn, body_fn, init, sliced, maximum_iterations, check):
    """The loop in eager mode: a Python loop over eager values (a GradientTape records its ops as they run)."""
    vals = [convert_to_tensor(t) for t in init]
    sliced = [convert_to_tensor(x) for x in sliced]
    limit = None if maximum_iterations is None else int(_iteration_limit(maximum_iterations))
    length = min(int(x.shape[0]) for x in sliced) if sliced else None
    emitted = []
    i = 0
    while (limit is None or i < limit) and (length is None or i < length):
        slices = [x[i] for x in sliced]
        pred = convert_to_tensor(cond_fn(vals, slices)) if cond_fn is not None else None
        if pred is not None and not bool(pred):
            break
        new_vals, emits = body_fn(vals, slices)
        new_vals, emits = [convert_to_tensor(v) for v in new_vals], [convert_to_tensor(e) for e in emits]
        if check is not None and i == 0:
            check(new_vals, emits, pred)
        vals = new_vals
        emitted.append(emits)
        i += 1
    if not emitted and cond_fn is None:
        raise ValueError("while loop in eager mode: the sequence is empty, so the results' structure is unknown")
    return vals, [stack([e[k] for e in emitted]) for k in range(len(emitted[0]))] if emitted else []


def _iteration_limit(maximum_iterations):
    limit = convert_to_tensor(maximum_iterations)
    if not limit.dtype.is_integer or limit.shape.ndims not in (None, 0):
        raise TypeError("while_loop: maximum_iterations must be a scalar integer, got %s %s"
                        % (limit.dtype.name, limit.shape))
    return limit


def _bind_while(op, session):
    a = op.attrs
    home = session.placer.place(op)
    record = a["history"] is not None
    run = _loop_runner(a, session, home, record)
    if record:  # for plans where no gradient reads the history (inference): see while_history_rewrite
        run.without_history = lambda: _loop_runner(a, session, home, False)
    return run


def _loop_runner(a, session, home, record):
    """The loop's kernel: runs the body plan until the condition fails or the limit; with ``record``, it also
    returns the per-iteration values the gradient reads (the history output)."""
    n, n_sliced = a["n_vars"], a["n_sliced"]
    feeds = a["loop_vars"] + a["slices"] + a["externals"]
    saved = list(a["saved"]) if record else None
    cond_run = Plan(session, [a["pred"]], feeds, home).run if a["pred"] is not None else None
    body_plan = Plan(session, a["body"] + a["emits"] + (saved or []), feeds, home)
    n_emit = len(a["emits"])
    emit_specs = [(e.shape, e.dtype.as_numpy_dtype) for e in a["emits"]]
    body_run = body_plan.run

    def run(limit, *args):
        vals = list(args[:n])
        seqs = args[n:n + n_sliced]
        ext = list(args[n + n_sliced:])
        limit = int(limit)
        if seqs:  # a loop over sequences ends with the shortest one
            shortest = min(len(x) for x in seqs)
            limit = shortest if limit < 0 else min(limit, shortest)
        emitted = [[] for _ in range(n_emit)]
        history = [] if saved is not None else None
        i = 0
        while i != limit:
            feed = vals + [x[i] for x in seqs] + ext if seqs else vals + ext
            if cond_run is not None and not cond_run(feed)[0]:
                break
            out = body_run(feed)
            vals = out[:n]
            for k in range(n_emit):
                emitted[k].append(out[n + k])
            if history is not None:
                history.append(out[n + n_emit:])
            i += 1
        stacked = [_stack(e, s, dt) for e, (s, dt) in zip(emitted, emit_specs)]
        results = vals + stacked + ([history] if history is not None else [])
        return tuple(results) if len(results) != 1 else results[0]

    return run


def _stack(values, shape, dtype):
    if values:
        return devices.array_module(values[0]).stack(values)
    return np.zeros([0] + [d or 0 for d in (shape.dims or [])], dtype)  # a loop that ran no iteration


def _while_grad(op, *grads):
    a = op.attrs
    n, n_sliced = a["n_vars"], a["n_sliced"]
    n_emit = len(a["emits"])
    if not a["back_prop"]:
        return [None] * len(op.inputs)
    loop_vars, body, ctx = a["loop_vars"], a["body"], a["context"]
    sliced = op.inputs[1 + n:1 + n + n_sliced]
    externals = a["externals"]
    var_idx = [i for i in range(n) if loop_vars[i].dtype.is_floating]
    emit_idx = [k for k in range(n_emit) if a["emits"][k].dtype.is_floating]
    slice_idx = [j for j in range(n_sliced) if sliced[j].dtype.is_floating]
    ext_idx = [j for j, x in enumerate(externals) if x.dtype.is_floating]
    if not (var_idx or slice_idx or ext_idx) or not (var_idx or emit_idx):
        return [None] * len(op.inputs)
    g = op.graph
    gctx = LoopContext(ctx)  # inside the forward loop: its values (recorded per iteration) are visible
    first = len(g._ops)
    diff_ext = [externals[j] for j in ext_idx]

    def build():
        gvars = [loop_value(op.outputs[i].dtype, op.outputs[i].shape, "grad_var") for i in var_idx]
        gemits = [loop_value(a["emits"][k].dtype, a["emits"][k].shape, "grad_emit") for k in emit_idx]
        ys = [body[i] for i in var_idx] + [a["emits"][k] for k in emit_idx]
        xs = [loop_vars[i] for i in var_idx] + [a["slices"][j] for j in slice_idx] + diff_ext
        res = gradients(ys, xs, grad_ys=gvars + gemits, stop_gradients=diff_ext)
        res = [r if r is not None else _zeros_for(x) for r, x in zip(res, xs)]
        return gvars, gemits, res

    with g.name_scope(op.name + "_grad"):
        gvars, gemits, targets = in_context(g, gctx, build)
        targets = own(g, gctx, targets)
        context_ops(g, gctx, first)
        needed, gext = _split_reads(gctx, ctx)
        for t in needed:
            if t not in a["saved"]:
                a["saved"].append(t)
        idx = [a["saved"].index(t) for t in needed]
        if a["history"] is None:
            a["history"] = Tensor(op, len(op.outputs), VARIANT, shapes.TensorShape([]))
            op.outputs.append(a["history"])
        out_grads = [grads[i] if grads[i] is not None else zeros_like(op.outputs[i]) for i in var_idx]
        emit_grads = [grads[n + k] if grads[n + k] is not None else zeros_like(op.outputs[n + k])
                      for k in emit_idx]
        specs = [(op.outputs[i].dtype, op.outputs[i].shape) for i in var_idx]
        specs += [(sliced[j].dtype, sliced[j].shape) for j in slice_idx]
        specs += [(x.dtype, x.shape) for x in diff_ext]
        seqs = [sliced[j] for j in slice_idx]
        gop = make_op(WHILE_GRAD, [a["history"]] + out_grads + emit_grads + seqs + diff_ext + gext, specs,
                      "WhileGrad",
                      attrs={"context": gctx, "needed": needed, "index": idx, "grad_vars": gvars,
                             "grad_emits": gemits, "targets": targets, "gext": gext, "n_vars": len(var_idx),
                             "n_emits": len(emit_idx), "n_slices": len(slice_idx), "n_ext": len(diff_ext)})
    result = [None] * len(op.inputs)
    outs = iter(gop.outputs)
    for i in var_idx:
        result[1 + i] = next(outs)
    for j in slice_idx:
        result[1 + n + j] = next(outs)
    for j in ext_idx:
        result[1 + n + n_sliced + j] = next(outs)
    return result


def _split_reads(gctx, ctx):
    """The outer tensors a loop gradient's body reads: forward-body values (recorded per iteration) and
    tensors from outside the loop (inputs of the WhileGrad op)."""
    needed, outside = [], []
    for t in gctx.external_inputs():
        c = t.op._cond_context
        if not ctx.encloses(c):
            outside.append(t)
        elif c is ctx:
            needed.append(t)
        else:
            raise ValueError("while_loop gradient: a gradient reads '%s' from inside a cond of the loop body "
                             "(created at %s) instead of through the cond" % (t.name, t.op.created_at))
    return needed, outside


def _zeros_for(x):
    return zeros(x.shape.as_list(), x.dtype) if x.shape.is_fully_defined() else zeros_like(x)


def _bind_while_grad(op, session):
    a = op.attrs
    nv, ne, ns, nx = a["n_vars"], a["n_emits"], a["n_slices"], a["n_ext"]
    home = session.placer.place(op)
    plan = Plan(session, a["targets"], a["needed"] + a["grad_vars"] + a["grad_emits"] + a["gext"], home)
    plan_run = plan.run
    index = a["index"]

    def run(history, *args):
        g = list(args[:nv])
        emit_grads = args[nv:nv + ne]
        seqs = args[nv + ne:nv + ne + ns]
        ext_values = args[nv + ne + ns:nv + ne + ns + nx]
        gext = list(args[nv + ne + ns + nx:])
        slice_grads = [[] for _ in range(ns)]
        acc = None
        for i in range(len(history) - 1, -1, -1):
            rec = history[i]
            out = plan_run([rec[k] for k in index] + g + [e[i] for e in emit_grads] + gext)
            g = out[:nv]
            for j in range(ns):
                slice_grads[j].append(out[nv + j])
            ext = out[nv + ns:]
            if acc is None:  # a copy: plan outputs may be fed arrays, which the sums below must not touch
                acc = [devices.array_module(x).array(x, copy=True) for x in ext]  # (0-d arrays, not scalars)
            else:
                for x, y in zip(acc, ext):
                    x += y
        if acc is None:
            acc = [devices.array_module(x).zeros_like(x) for x in ext_values]
        results = g + [_unslice(parts[::-1], x) for parts, x in zip(slice_grads, seqs)] + list(acc)
        return tuple(results) if len(results) != 1 else results[0]

    return run


def _unslice(parts, x):
    """The gradient of sequence ``x`` from its per-iteration slices' gradients (rows past the last
    iteration get zeros)."""
    xp = devices.array_module(x)
    if len(parts) == len(x):
        return xp.stack(parts)
    out = xp.zeros_like(x)
    if parts:
        out[:len(parts)] = xp.stack(parts)
    return out


def _second_order(op, *grads):
    raise NotImplementedError(
        "while_loop: second-order gradients (the gradient of a loop's gradient, op '%s') are not supported; "
        "differentiate the loop once, or unroll it with a Python loop" % op.name)


WHILE = OpDef("While", bind=_bind_while, grad=_while_grad)
WHILE_GRAD = OpDef("WhileGrad", bind=_bind_while_grad, grad=_second_order)
