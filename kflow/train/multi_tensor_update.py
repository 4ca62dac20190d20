"""One op that updates many variables (and their slots) in place with one rule: a multi-tensor update.

A per-variable update op (``fused_update``) pays its kernel's Python overhead once per variable and step,
and splits each large variable over threads on its own (one thread hand-off per large variable). Grouping
the dense updates of one ``apply_gradients`` into a single op pays the overhead once, shares one set of
scratch buffers (sized for the largest variable) among all variables, and splits the whole set's elements
over threads in one hand-off, so every thread gets the same share even when one variable dominates (the
MLP 784-500-100-10: 392k of its 443k weights in one kernel). This is the CPU analogue of PyTorch's
``foreach`` / apex's multi-tensor apply; the arithmetic per variable is the per-variable op's own rule,
so the values are the same bit for bit.

What stays per variable: the slot variables and their names (checkpoints are unchanged), each
variable's lock under ``use_locking``, sparse (IndexedSlices) updates, variables with a ``constraint``
and single-variable ``apply_gradients`` calls (optimizers group only where it applies: see
``Optimizer._dense_groups``).

Example:
    >>> APPLY_ADAM_GROUP = group_update_op("MultiTensorApplyAdam")
    >>> op = group_update(APPLY_ADAM_GROUP, [w, b], [gw, gb], [[mw, vw], [mb, vb]], [lr, ...], rule, scratch=1)
"""
import threading

import numpy as np

from kflow import errors
from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
from kflow.engine.ops.batch_parallel import MIN_ELEMENTS, over_batch
from kflow.train.fused_update import (BLOCKED_MIN_ELEMENTS, UPDATE_BLOCK_ELEMENTS, UPDATE_ELEMENT_WEIGHT,
                                      check_grad, hyper_inputs, split_threads, thread_count, variable_lock)


def group_update_op(op_type):
    """Declares the multi-tensor update op type ``op_type`` (e.g. "MultiTensorApplyAdam"), once per optimizer."""
    return OpDef(op_type, bind=_bind_group, grad=None)


def group_update(update, variables, grads, slots, hypers, rule, scratch=0, name=None, use_locking=False):
    """Creates one op updating every variable of ``variables`` (and its ``slots``) in place; returns it.

    Args:
        update: the op's declaration, from :func:`group_update_op`.
        variables: the Variables updated (all on one device, of one dtype); the op is placed with the first.
        grads: their dense gradients (Tensors of each variable's dtype and shape), in the same order.
        slots: for each variable, the list of its slot Variables (the same number for each).
        hypers: scalar hyperparameters shared by all variables: Python numbers or scalar Tensors/Variables.
        rule: ``rule(var, *slots, grad, *hyper_floats, *scratch)``, the per-variable op's rule.
        scratch: number of scratch buffers the rule needs (shared by the variables, sized for the largest).
        name: the op name (default ``op_type``).
        use_locking: hold each variable's lock while it is updated.
    """
    op_type = update.type
    if len(variables) != len(grads) or len(variables) != len(slots) or not variables:
        raise ValueError("%s: needs one gradient and one slot list per variable, got %d variables, %d gradients "
                         "and %d slot lists" % (op_type, len(variables), len(grads), len(slots)))
    per_var = len(slots[0])
    if any(len(s) != per_var for s in slots):
        raise ValueError("%s: every variable needs %d slots, got %s" % (op_type, per_var, [len(s) for s in slots]))
    inputs = [check_grad(op_type, name, v, g) for v, g in zip(variables, grads)]
    fixed, tensor_pos = hyper_inputs(op_type, name, hypers, inputs)
    var_ops = [v.op for v in variables]
    # "var" colocates the op with its variables (placement, cluster tasks): the caller groups one device's only
    return make_op(update, inputs, [], name or op_type,
                   attrs={"var": var_ops[0], "variables": var_ops, "slots": [s.op for ss in slots for s in ss],
                          "slots_per_variable": per_var, "use_locking": bool(use_locking), "rule": rule,
                          "hypers": tuple(fixed), "hyper_inputs": tensor_pos, "scratch": scratch})


def _bind_group(op, session):
    """The group's kernel in ``session``; it looks the arrays up each step (``Variable.load`` may replace them)."""
    a = op.attrs
    var_ops, slot_ops, k = a["variables"], a["slots"], a["slots_per_variable"]
    state_ops = [[v] + slot_ops[i * k:(i + 1) * k] for i, v in enumerate(var_ops)]
    rule, fixed, tensor_pos, n_scratch = a["rule"], a["hypers"], a["hyper_inputs"], a["scratch"]
    n_vars = len(var_ops)
    store = session.variable_values
    most_threads = thread_count(session)
    per_thread = threading.local()  # scratch buffers (in a _Layout), one set per calling thread (see fused_update)
    locks = [variable_lock(session, v) for v in var_ops] if a["use_locking"] else None

    def lookup():
        try:
            return [[store[o] for o in ops] for ops in state_ops]
        except KeyError:
            missing = [o.name for ops in state_ops for o in ops if o not in store]
            raise errors.FailedPreconditionError(
                None, op, "Attempting to use uninitialized value %s in %s (run "
                "kf.global_variables_initializer() after building the train op: optimizers create slot "
                "variables)." % (", ".join(missing), op.name)) from None

    def kernel(*values):
        hypers = fixed
        if tensor_pos:
            hypers = list(fixed)
            for i, v in zip(tensor_pos, values[n_vars:]):
                hypers[i] = float(v)  # Python floats keep the arithmetic in the variables' dtype
        states = lookup()
        layout = getattr(per_thread, "layout", None)
        shapes = [s[0].shape for s in states]
        if layout is None or layout.shapes != shapes:
            layout = per_thread.layout = _Layout(states, shapes, n_scratch, most_threads)
        grads = values[:n_vars]
        threads = split_threads(most_threads)
        if locks is not None:
            for lock, state, grad, scratch in zip(locks, states, grads, layout.views):
                with lock:
                    rule(*state, grad, *hypers, *scratch)
        elif not (layout.split and (layout.blocked or threads > 1) and
                  _split(rule, states, grads, hypers, layout, threads)):
            for state, grad, scratch in zip(states, grads, layout.views):
                rule(*state, grad, *hypers, *scratch)

    return kernel


class _Layout:
    """What a thread's updates need per variable shapes (rebuilt when ``Variable.load`` changes one): each
    variable's offset among all elements, whether splitting them over threads or blocks pays, and scratch
    buffers as views shaped like each variable, cut from ``n_scratch`` flat buffers. Run one after another,
    the variables share one buffer sized for the largest; split, the parts run at once, so each variable gets
    its own range (at its offset) and no two parts write the same scratch."""

    def __init__(self, states, shapes, n_scratch, most_threads):
        self.shapes = shapes
        sizes = [s[0].size for s in states]
        first = states[0][0]
        xp = devices.array_module(first)
        self.starts = [0]
        for size in sizes:
            self.starts.append(self.starts[-1] + size)
        self.total = self.starts[-1]
        self.blocked = max(sizes) >= BLOCKED_MIN_ELEMENTS
        # whether splitting may ever pay (it does only in some steps: fused_update.split_threads); otherwise
        # over_batch would run the updates whole, and the plain loop costs less
        self.split = xp is np and (self.blocked or most_threads > 1 and
                                   self.total * UPDATE_ELEMENT_WEIGHT >= 2 * MIN_ELEMENTS)
        offsets = self.starts if self.split else [0] * len(sizes)
        flat = [xp.empty(self.total if self.split else max(sizes), first.dtype) for _ in range(n_scratch)]
        self.views = [[b[at:at + size].reshape(shape) for b in flat] for at, size, shape in zip(offsets, sizes, shapes)]


def _split(rule, states, grads, hypers, layout, threads):
    """Runs the updates as contiguous ranges of all variables' elements taken together, in ``threads``
    threads (and cache-sized blocks when a variable is large); False (nothing done) for a non-contiguous array."""
    pieces = []  # per variable: its arrays flattened (views: the ranges write into the stored arrays)
    for state, grad, scratch in zip(states, grads, layout.views):
        arrays = state + [grad] + scratch
        if not all(type(x) is np.ndarray and x.flags.c_contiguous and x.shape == state[0].shape
                   for x in arrays):
            return False
        pieces.append([x.reshape(-1) for x in arrays])
    starts = layout.starts
    n_state = len(states[0]) + 1  # the variable, its slots and the gradient come before the hyperparameters

    def part(start, stop):
        for i, flat in enumerate(pieces):
            lo, hi = max(start, starts[i]), min(stop, starts[i + 1])
            if lo < hi:
                lo, hi = lo - starts[i], hi - starts[i]
                chunk = [x[lo:hi] for x in flat]
                rule(*chunk[:n_state], *hypers, *chunk[n_state:])

    total = layout.total
    over_batch(part, total, total * UPDATE_ELEMENT_WEIGHT, max_parts=threads,
               block_items=UPDATE_BLOCK_ELEMENTS if layout.blocked else 0)
    return True
