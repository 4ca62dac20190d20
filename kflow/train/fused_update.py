"""One op per variable that updates the variable and its optimizer slots in place.

An optimizer's update of a variable is a single op (``ApplyAdam``, ``ApplyMomentum`` ...)
whose kernel rewrites the session's stored arrays with numpy ``out=`` arithmetic into
scratch buffers preallocated per variable, so a step allocates nothing. Hyperparameters
given as Python numbers are baked into the kernel; Tensors or Variables (a fed or
scheduled learning rate) become op inputs read each step.

``Session.run`` may be called from many threads (TF1 programs with QueueRunners or async
workers do), so the scratch buffers belong to the calling thread: a shared buffer would
let one thread's half-computed step (an ``m / sqrt(v)`` in progress) leak into another's
and give NaN. Without ``use_locking`` concurrent updates of one variable race as in TF
(Hogwild: an update may be lost, but every value written is a finished step of some
thread); with ``use_locking=True`` each update holds the variable's lock (one per
variable per session), so no update is lost.

A rule is a module-level function (or static method) marked ``graph_json.encodable_by_name``, so meta graphs
and cluster tasks can name it; no other function can be named in them.

Example:
    >>> @encodable_by_name
    ... def sgd_rule(var, grad, lr, tmp):
    ...     np.multiply(grad, lr, out=tmp)
    ...     var -= tmp
    >>> APPLY_GRADIENT_DESCENT = update_op("ApplyGradientDescent")
    >>> op = fused_update(APPLY_GRADIENT_DESCENT, w, grad, [], [lr], sgd_rule, scratch=1)
"""
import numbers
import threading

import numpy as np

from kflow import errors
from kflow.engine import blas_threads, core_budget, devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.batch_parallel import over_batch
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.gather_ops import scatter_add
from kflow.engine.indexed_slices import IndexedSlices


def update_op(op_type):
    """Declares the fused update op type ``op_type`` (e.g. "ApplyAdam"); its update rule is the op's parameter.

    Each optimizer declares its update types once, at module level: ``APPLY_ADAM = update_op("ApplyAdam")``.
    """
    return OpDef(op_type, bind=_bind_update, grad=None)


def fused_update(update, var, grad, slots, hypers, rule, scratch=0, name=None, use_locking=False):
    """Creates the op updating ``var`` and ``slots`` in place with ``rule``; returns the Operation.

    Args:
        update: the op's declaration, from :func:`update_op`.
        var: the Variable updated; the op is placed with it.
        grad: its gradient (a Tensor of the variable's dtype and shape), or None for rules without one.
        slots: Variables updated along with ``var`` (the optimizer's slots).
        hypers: scalar hyperparameters: Python numbers (fixed) or Tensors / Variables (op inputs).
        rule: ``rule(var, *slots, [grad,] *hyper_floats, *scratch)`` writing into the arrays in place.
        scratch: number of scratch buffers shaped like ``var`` the rule needs.
        name: the op name (default ``op_type``).
        use_locking: hold the variable's lock during the update (the optimizer's ``use_locking``).
    """
    op_type = update.type
    var_op = var.op
    inputs = []
    if isinstance(grad, IndexedSlices):  # only the rows in grad.indices (and their slots) change
        inputs.extend(_check_slices(op_type, name, var, grad))
    elif grad is not None:
        grad = check_grad(op_type, name, var, grad)
        inputs.append(grad)
    n_grad = len(inputs)
    fixed, tensor_pos = hyper_inputs(op_type, name, hypers, inputs)
    return make_op(update, inputs, [], name or op_type,
                   attrs={"var": var_op, "slots": [s.op for s in slots], "use_locking": bool(use_locking),
                          "rule": rule, "hypers": tuple(fixed), "hyper_inputs": tensor_pos, "scratch": scratch,
                          "grad_inputs": n_grad, "sparse": isinstance(grad, IndexedSlices)})


def hyper_inputs(op_type, name, hypers, inputs):
    """``(fixed, tensor_positions)``: each Python-number hyperparameter kept as a float (None in ``fixed`` for a
    tensor one), and the positions of the tensor ones, which are appended to ``inputs`` (scalars checked)."""
    fixed, tensor_pos = [], []
    for i, h in enumerate(hypers):
        if isinstance(h, numbers.Number):
            fixed.append(float(h))
            continue
        t = convert_to_tensor(h)
        if t.shape.ndims not in (None, 0):
            raise build_error(op_type, name, [t], "%s: hyperparameter '%s' must be a scalar, got shape %s"
                              % (op_type, t.name, t.shape))
        fixed.append(None)
        tensor_pos.append(i)
        inputs.append(t)
    return fixed, tensor_pos


def check_grad(op_type, name, var, grad):
    grad = convert_to_tensor(grad)
    if grad.dtype is not var.dtype:
        raise build_error(op_type, name, [grad], "%s: gradient '%s' has dtype %s but variable '%s' has dtype %s"
                          % (op_type, grad.name, grad.dtype.name, var.name, var.dtype.name), TypeError)
    if not grad.shape.is_compatible_with(var.shape):
        raise build_error(op_type, name, [grad], "%s: gradient '%s' has shape %s but variable '%s' has shape %s"
                          % (op_type, grad.name, grad.shape, var.name, var.shape))
    return grad


def _check_slices(op_type, name, var, slices):
    values, indices = slices.values, slices.indices
    if values.dtype is not var.dtype or not indices.dtype.is_integer:
        raise build_error(op_type, name, [values, indices], "%s: sparse gradient of variable '%s' (%s) needs %s "
                          "values and integer indices, got %s and %s" % (op_type, var.name, var.dtype.name,
                                                                         var.dtype.name, values.dtype.name,
                                                                         indices.dtype.name), TypeError)
    if not values.shape.is_compatible_with([None] + var.shape.as_list()[1:]):
        raise build_error(op_type, name, [values, indices], "%s: sparse gradient rows %s do not fit variable '%s' "
                          "of shape %s" % (op_type, values.shape, var.name, var.shape))
    return [values, indices]


def _bind_update(op, session):
    """The update's kernel in ``session``; it looks the arrays up each step (``Variable.load`` may replace them)."""
    a = op.attrs
    state_ops = [a["var"]] + a["slots"]
    rule, fixed, tensor_pos, n_scratch = a["rule"], a["hypers"], a["hyper_inputs"], a["scratch"]
    has_grad = a["grad_inputs"]
    apply = _apply_rows if a["sparse"] else _apply
    store = session.variable_values
    threads = thread_count(session)
    per_thread = threading.local()  # this op's scratch buffers, one set per calling thread
    lock = variable_lock(session, state_ops[0]) if a["use_locking"] else None

    def update(grad, hypers):
        try:
            state = [store[o] for o in state_ops]
        except KeyError:
            missing = [o.name for o in state_ops if o not in store]
            raise errors.FailedPreconditionError(
                None, op, "Attempting to use uninitialized value %s in %s (run "
                "kf.global_variables_initializer() after building the train op: optimizers create slot "
                "variables)." % (", ".join(missing), op.name)) from None
        buffers = getattr(per_thread, "buffers", None)
        if buffers is None or (buffers and buffers[0].shape != state[0].shape):
            xp = devices.array_module(state[0])
            buffers = per_thread.buffers = [xp.empty_like(state[0]) for _ in range(n_scratch)]
        apply(rule, state, grad, hypers, buffers, threads)

    if lock is not None:
        unlocked = update

        def update(grad, hypers):
            with lock:
                unlocked(grad, hypers)

    if not tensor_pos:
        def kernel(*grad):
            update(grad, fixed)
        return kernel

    def kernel(*values):
        h = list(fixed)
        for i, v in zip(tensor_pos, values[has_grad:]):
            h[i] = float(v)  # Python floats keep the arithmetic in the variable's dtype
        update(values[:has_grad], h)

    return kernel


def variable_lock(session, var_op):
    """The lock of ``var_op``'s value in ``session``, shared by every locking update of that variable."""
    # dict.setdefault is atomic, so two threads binding at once get the same lock
    return session.resources.setdefault(("update_lock", var_op), threading.Lock())


# ---- large updates: cache-sized blocks, split across threads --------------------------------------------
# An update makes ~12 passes over its arrays. Walking a very large variable in blocks lets every pass after the
# first reread data still in the caches. Blocks of 256k elements (1 MB per float32 array, ~6 MB for Adam's
# six, within the shared L3) measured best: Adam over the deep-MNIST fc1 kernel (3.2M floats) took 5.6 ms in
# such blocks vs 6.2 ms whole and 6.2 ms in L2-sized blocks (43k elements: the calls cost more than the L2
# saves), 3.3 vs 4.5 ms in two threads. At 392k (the MLP's first kernel) blocks cost more calls than they
# saved (0.53 vs 0.48 ms), hence the threshold. numpy ufuncs release the GIL, so parts of a large update can also run in
# threads (batch_parallel); one of an update's elements weighs as much as ~4 of a one-pass kernel's, so
# variables from ~128k elements split.
# Splitting pays only while no BLAS worker spins on the other cores: OpenBLAS's idle workers spin for ~0.1 s
# after each multi-threaded product, and a part handed to a thread then shares its core with one. Measured on
# 2 cores, Adam over 443k floats (the MLP's variables): 0.55 ms whole, 0.34 ms in two threads, but 0.65 ms in
# two threads right after a (32x784)@(784x500) product; over 3.2M floats 6.3 ms whole, 4.0 ms in two threads,
# 6.2 ms after a product. So updates split only while the step holds BLAS single-threaded (plans with
# convolutions: ``blas_threads.lowered()``), over at most ``intra_op_parallelism_threads`` threads and the
# cores other processes leave free; in the deep-MNIST step the fc1 update went from 6.5 to 4.3-4.8 ms.
# Those figures are numpy's passes. Where the rule runs as one compiled loop (``compiled_updates``), blocks
# matter little (3.2M floats: 1.36 ms whole, 1.46-1.54 ms in blocks) and two threads still pay (0.81-0.85 ms);
# in the deep-MNIST step the fc1 update takes 1.6 ms. The weight above stays numpy's: the fallback needs it.
UPDATE_ELEMENT_WEIGHT = 4
BLOCKED_MIN_ELEMENTS = 1 << 21  # smaller updates run whole (see above)
UPDATE_BLOCK_ELEMENTS = 1 << 18


def thread_count(session):
    """Most threads one update may split over: ``ConfigProto(intra_op_parallelism_threads=N)``, or, for 0 (the
    default, as in TF), every core of the process."""
    n = int(getattr(session.config, "intra_op_parallelism_threads", 0) or 0)
    return n if n > 0 else core_budget.cores()


def split_threads(most):
    """Threads an update splits over now: up to ``most`` while BLAS is held single-threaded, else 1 (see above)."""
    return most if blas_threads.lowered() else 1


def _apply(rule, state, grad, hypers, buffers, threads):
    """``rule(*state, *grad, *hypers, *buffers)``, in blocks (and in up to ``threads`` threads) when large."""
    threads = split_threads(threads)
    var = state[0]
    arrays = state + list(grad) + buffers
    if threads < 2 and var.size < BLOCKED_MIN_ELEMENTS or not all(type(a) is np.ndarray and a.flags.c_contiguous and
                                                  a.shape == var.shape for a in arrays):
        rule(*state, *grad, *hypers, *buffers)
        return
    flat = [a.reshape(-1) for a in arrays]  # views: the blocks write into the stored arrays
    n_state, n_grad = len(state), len(grad)

    def part(start, stop):
        chunk = [a[start:stop] for a in flat]
        rule(*chunk[:n_state + n_grad], *hypers, *chunk[n_state + n_grad:])

    blocked = var.size >= BLOCKED_MIN_ELEMENTS
    over_batch(part, var.size, var.size * UPDATE_ELEMENT_WEIGHT, max_parts=threads,
               block_items=UPDATE_BLOCK_ELEMENTS if blocked else 0)


def _apply_rows(rule, state, grad, hypers, buffers, threads):
    """The rule on the rows named by a sparse gradient ``grad = (values, indices)`` only, as TF's sparse updates:
    repeated indices are summed first, then those rows of the variable and its slots are updated."""
    values, indices = grad
    var = state[0]
    xp = devices.array_module(var)
    rows, where = xp.unique(indices.reshape(-1), return_inverse=True)
    if rows.size and (int(rows[0]) < 0 or int(rows[-1]) >= var.shape[0]):
        bad = int(rows[0]) if int(rows[0]) < 0 else int(rows[-1])
        raise IndexError("sparse update: row %d is not in [0, %d) (variable shape %s)" % (bad, var.shape[0],
                                                                                       var.shape))
    summed = scatter_add(xp.zeros((rows.size,) + var.shape[1:], var.dtype), where.reshape(-1),
                         values.reshape((-1,) + var.shape[1:]))
    picked = [s[rows] for s in state]  # copies of the touched rows
    rule(*picked, summed, *hypers, *[b[:rows.size] for b in buffers])  # (rows.size <= the variable's rows)
    for s, p in zip(state, picked):
        s[rows] = p
