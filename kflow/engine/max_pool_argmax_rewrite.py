"""The plan rewrite that lets MaxPoolGrad reuse the forward's argmax instead of recomputing it (issue 22).

Where a plan runs both a MaxPool and a MaxPoolGrad of it (a training step), the MaxPool becomes
``pool_ops.max_pool_with_argmax`` (its output plus a uint8 plan value: each window's first maximum), and each
MaxPoolGrad routes its gradient by that index (``pool_ops.max_pool_grad_from_argmax``): no rereading of the
pooled input and output, no per-position compare/claim passes. Ties go to the first maximum, as before and as in TF.
Only windows whose first kernel position covers every window qualify (VALID, or SAME without top/left padding:
the 2x2 stride-2 pools of the usual CNNs); others keep the recomputing gradient. A MaxPoolGrad whose output
only a relu gradient reads is fused with it (``max_pool_relu_grad_rewrite.fuse_argmax_grad``).

Example:
    >>> p = kf.nn.max_pool(h, [1, 2, 2, 1], [1, 2, 2, 1], "SAME")   # training plans: rewrite "max_pool_argmax"
"""
import functools

from kflow.engine import rewrites
from kflow.engine.max_pool_relu_grad_rewrite import fuse_argmax_grad
from kflow.engine.ops import pool_ops


def _match_max_pool(op, view):
    if op.type != "MaxPool" or not view.on_cpu(op):
        return None
    x, y = op.inputs[0], op.outputs[0]
    window = op.attrs["window"]
    dims = x.shape.dims
    if dims is None or len(dims) != 4 or not pool_ops.keeps_argmax(dims, window):
        return None
    grads = [g for g in view.readers(y, ("MaxPoolGrad",))
             if g.inputs[0] is x and g.inputs[1] is y and pool_ops.same_window(g.attrs["window"], window)
             and view.on_cpu(g)]
    if not grads:
        return None
    argmax = rewrites.PlanValue(op, op.name + "/argmax")
    found = [("max_pool_argmax", [op], [x], [y, argmax],
              lambda kernels: functools.partial(pool_ops.max_pool_with_argmax, window=window))]
    for g in grads:
        fused = fuse_argmax_grad(g, x, y, argmax, window, view)
        if fused is not None:
            found.append(fused)
            continue
        found.append(("max_pool_grad_argmax", [g], [x, argmax, g.inputs[2]], [g.outputs[0]],
                      lambda kernels: functools.partial(pool_ops.max_pool_grad_from_argmax, window=window)))
    return found


rewrites.register(rewrites.Rewrite("max_pool_argmax", _match_max_pool))
