"""Symbolic reverse-mode differentiation: ``kf.gradients(ys, xs, grad_ys=None)``.

Walks the ops between ``xs`` and ``ys`` in reverse creation order, calls each op's
registered gradient (built from kflow ops, so gradients of gradients work) and
sums the contributions of fan-out with ``add_n``.

Example:
    >>> dy_dx, = kf.gradients(kf.reduce_sum(x * x), [x])   # 2 * x
"""
from kflow.engine.op_def import gradient_function
from kflow.engine.ops.array_ops import ones
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like, ones_like
from kflow.engine.ops.math_ops import add_n


def gradients(ys, xs, grad_ys=None, name="gradients", colocate_gradients_with_ops=False,
              gate_gradients=False, aggregation_method=None, stop_gradients=None):
    """Returns ``[d(sum ys)/dx for x in xs]``; an entry is None when ``ys`` does not depend on ``x``.

    Raises:
        LookupError: an op on the path from ``xs`` to ``ys`` has no registered gradient.
    """
    ys = [convert_to_tensor(y) for y in _as_list(ys)]
    xs = [convert_to_tensor(x) for x in _as_list(xs)]
    stops = set(convert_to_tensor(s).op for s in _as_list(stop_gradients or []))
    if grad_ys is None:
        grad_ys = [None] * len(ys)
    grad_ys = _as_list(grad_ys)
    if len(grad_ys) != len(ys):
        raise ValueError("gradients: passed %d grad_ys for %d ys" % (len(grad_ys), len(ys)))
    g = ys[0].graph
    for t in ys + xs:
        if t.graph is not g:
            raise ValueError("gradients: '%s' must be from the same graph as '%s'" % (t.name, ys[0].name))
    with g.as_default(), g.name_scope(name):
        between = _ops_between(ys, xs, stops)
        pending = {}  # tensor -> list of gradient contributions
        for y, gy in zip(ys, grad_ys):
            if gy is None:  # a static shape gives a constant seed that does not need y's value
                gy = ones(y.shape.as_list(), y.dtype) if y.shape.is_fully_defined() else ones_like(y)
            else:
                gy = _check_grad_y(y, gy)
            pending.setdefault(y, []).append(gy)
        for op in sorted(between, key=lambda o: o._id, reverse=True):
            out_grads = [_sum(pending.get(t), add_n) for t in op.outputs]
            if all(gr is None for gr in out_grads):
                continue
            try:
                fn = gradient_function(op._gradient_type)
            except KeyError:
                raise LookupError(
                    "No gradient defined for operation '%s' (op type: %s), created at %s. Register one with "
                    "@kf.RegisterGradient(%r) or wrap the input in kf.stop_gradient." % (
                        op.name, op._gradient_type, op.created_at, op._gradient_type)) from None
            if fn is None:
                continue
            with g.name_scope(op.name + "_grad"):
                in_grads = fn(op, *out_grads)
            if not isinstance(in_grads, (list, tuple)):
                in_grads = [in_grads]
            if len(in_grads) != len(op.inputs):
                raise ValueError("Gradient of op type %s returned %d gradients for %d inputs" % (
                    op.type, len(in_grads), len(op.inputs)))
            for t, gr in zip(op.inputs, in_grads):
                if gr is None or not _differentiable(t):
                    continue
                pending.setdefault(t, []).append(convert_to_tensor(gr))
        return [_sum(pending.get(x), add_n) for x in xs]


def _check_grad_y(y, gy):
    """``gy`` as a tensor of ``y``'s dtype; a mismatch is an error naming ``y`` (not a later op's failure)."""
    gy = convert_to_tensor(gy, dtype=None if is_tensor_like(gy) else y.dtype)
    if gy.dtype is not y.dtype:
        raise TypeError("gradients: grad_ys for '%s' has dtype %s, but the tensor has dtype %s"
                        % (y.name, gy.dtype.name, y.dtype.name))
    if not gy.shape.is_compatible_with(y.shape):
        raise ValueError("gradients: grad_ys for '%s' has shape %s, incompatible with the tensor's shape %s"
                         % (y.name, gy.shape, y.shape))
    return gy


def _differentiable(t):
    return t.dtype.is_floating


def _sum(grads, add_n):
    if not grads:
        return None
    if len(grads) == 1:
        return grads[0]
    return add_n(grads)


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def _ops_between(ys, xs, stops):
    """Ops reachable backwards from ``ys`` that also reach forward from some x (gradients flow only there)."""
    back = set()
    stack = [y.op for y in ys]
    while stack:
        op = stack.pop()
        if op in back or op in stops:
            continue
        back.add(op)
        for t in op.inputs:
            stack.append(t.op)
    # forward reachability from xs, limited to `back`
    consumers = {}
    for op in back:
        for t in op.inputs:
            consumers.setdefault(t, []).append(op)
    fwd = set()
    stack = []
    for x in xs:
        stack.extend(consumers.get(x, []))
    while stack:
        op = stack.pop()
        if op in fwd:
            continue
        fwd.add(op)
        for t in op.outputs:
            stack.extend(consumers.get(t, []))
    return fwd
