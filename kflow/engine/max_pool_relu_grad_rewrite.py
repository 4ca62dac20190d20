"""The plan rewrite that masks the max-pool gradient by the relu before routing it (issue 22).

``max_pool(relu(conv + b))`` differentiates to MaxPoolGrad -> ReluGrad [-> BiasAddGrad or the ``+ b``
gradient's SumToShapeOf]. MaxPoolGrad sends each window's gradient ``dy`` to the window's first maximum, where
the relu output equals the pooled value ``y``; ReluGrad's mask there is therefore ``y > 0``. So the fused kernel
masks the pooled gradient (4x smaller for 2x2 pools) and routes ``dy * (y > 0)``: the full-size ReluGrad pass
disappears. The bias gradient, the masked input gradient summed per channel, is the sum of the masked pooled
gradient (each pooled value lands on one input position; overlapping windows add theirs there), so it is
summed on the small tensor too (``bias_relu_rewrites.relu_grad_bias_grad``).

Two variants: ``max_pool_argmax_relu_grad`` routes by the forward's argmax where ``max_pool_argmax`` keeps it
(that rewrite's matcher asks :func:`fuse_argmax_grad`, since it claims the MaxPoolGrads when it meets the
MaxPool); ``max_pool_relu_grad`` recomputes the maxima (``x == y``) for the other windows. A ``_bias_grad``
suffix says the bias gradient was fused as well.

Exactness against the unfused ops: the input gradient has the same values. Where windows do not overlap it is
bit for bit the same, except where the routing adds into a zeroed buffer (VALID pools of odd size): a masked
maximum with a negative ``dy`` is -0 unfused (``(0 + dy) * 0``) and +0 here (``0 + dy * 0``). Where windows
overlap (3x3 stride 2) a position that is the maximum of several windows gets ``sum(dy_i * m)`` instead of
``sum(dy_i) * m``: equal values, but where the mask ``m`` is 0 and the gradients sum to a negative number the
result is +0 here and -0 unfused (and two finite gradients whose sum overflows give 0 here, NaN unfused). The
bias gradient is summed in another order (as ``relu_grad_bias_grad`` already did): equal to rounding. A
window whose maximum is NaN (a NaN relu output) gets no gradient from the unfused MaxPoolGrad (no position
equals NaN); here its mask ``NaN > 0`` is False, so it gets none either, whichever way it is routed.

Example:
    >>> h = kf.nn.max_pool(kf.nn.relu(kf.nn.conv2d(x, w, [1] * 4, "SAME") + b), [1, 2, 2, 1], [1, 2, 2, 1], "SAME")
    >>> # a training plan's gradient: "max_pool_argmax_relu_grad_bias_grad" instead of three ops
"""
import numpy as np

from kflow.engine import rewrites
from kflow.engine.bias_relu_rewrites import channel_sum_of, relu_grad_bias_grad
from kflow.engine.ops import pool_ops


def _relu_grad_chain(grad, x, view):
    """The ReluGrad (then, when there is one, its per-channel sum) that alone reads MaxPoolGrad ``grad``'s output,
    masking it by the pooled input ``x`` (a relu's output), or None."""
    dx = grad.outputs[0]
    if view.shape_read(dx):
        return None
    relu = view.sole_consumer(dx, ("ReluGrad",))
    if relu is None or relu.inputs[0] is not dx or relu.inputs[1] is not x or not view.on_cpu(relu):
        return None
    bias = channel_sum_of(relu, view)
    return [relu] if bias is None else [relu, bias]


def fuse_argmax_grad(grad, x, y, argmax, window, view):
    """The fused node for MaxPoolGrad ``grad`` of ``y = max_pool(x)`` routed by the forward's ``argmax`` (a
    PlanValue), when a relu gradient reads it; else None. Called by ``max_pool_argmax_rewrite``."""
    chain = _relu_grad_chain(grad, x, view)
    if chain is None:
        return None
    name = "max_pool_argmax_relu_grad" + ("_bias_grad" if len(chain) == 2 else "")
    return (name, [grad] + chain, [x, argmax, y, grad.inputs[2]], [op.outputs[0] for op in chain],
            lambda kernels: _argmax_kernel(window, len(chain) == 2))


def _masked(g, y, with_bias):
    """``(g * (y > 0), its sum over every axis but the last)``; the sum is None unless ``with_bias``."""
    if with_bias:
        return relu_grad_bias_grad(g, y)
    return np.multiply(g, y > 0), None


def _result(dx, bias_grad):
    """The fused node's value: the input gradient, or a tuple with the bias gradient (one per output)."""
    return dx if bias_grad is None else (dx, bias_grad)


def _argmax_kernel(window, with_bias):
    def kernel(x, argmax, y, dy):
        masked, bias_grad = _masked(dy, y, with_bias)
        return _result(pool_ops.max_pool_grad_from_argmax(x, argmax, masked, window), bias_grad)
    return kernel


def _match_max_pool_grad(op, view):
    """MaxPoolGrad (not routed by an argmax: ``max_pool_argmax`` claims those) -> ReluGrad [-> bias gradient]."""
    if op.type != "MaxPoolGrad" or not view.on_cpu(op):
        return None
    x, y, dy = op.inputs
    pool = y.op
    if y in view.fed or pool.type != "MaxPool" or pool.inputs[0] is not x or \
            not pool_ops.same_window(pool.attrs["window"], op.attrs["window"]):
        return None  # the bias sum counts each window's gradient once only where every window has an x == y
    chain = _relu_grad_chain(op, x, view)
    if chain is None:
        return None
    name = "max_pool_relu_grad" + ("_bias_grad" if len(chain) == 2 else "")
    with_bias = len(chain) == 2

    def make_kernel(kernels):
        route = kernels[0]  # MaxPoolGrad's own kernel

        def kernel(x, y, dy):
            masked, bias_grad = _masked(dy, y, with_bias)
            return _result(route(x, y, masked), bias_grad)
        return kernel

    return name, [op] + chain, [x, y, dy], [c.outputs[0] for c in chain], make_kernel


rewrites.register(rewrites.Rewrite("max_pool_relu_grad", _match_max_pool_grad))
