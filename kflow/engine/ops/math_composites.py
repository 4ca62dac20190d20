"""Math built on the core ops: cumprod (declared, beside cumsum's pattern), reduce_logsumexp and tensordot.

reduce_logsumexp subtracts the (gradient-stopped) maximum first so large inputs do not overflow; tensordot is a
generated einsum, so both get their gradients from the ops they are made of.

Example:
    >>> kf.cumprod([1, 2, 3], exclusive=True)             # [1, 1, 2]
    >>> kf.reduce_logsumexp([[0.0, 0.0], [1000.0, 1000.0]], axis=1)   # [0.693, 1000.693]
    >>> kf.tensordot(a, b, axes=[[1], [0]])               # matmul for 2-D a, b
"""
import functools

import numpy as np

from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.comparison_ops import is_finite, where_v2
from kflow.engine.ops.einsum_op import einsum
from kflow.engine.ops.elementwise import zeros_like
from kflow.engine.ops.identity_ops import stop_gradient
from kflow.engine.ops.reduction_ops import cumsum, reduce_max, reduce_sum, running_kernel, running_op
from kflow.engine.ops.shape_ops import squeeze
from kflow.engine.ops.unary_math_ops import exp, log


def _cumprod_grad(op, grad):
    # as TF: d/dx_i sum_j g_j y_j = (reverse running sum of g * y) / x_i (inputs must be nonzero)
    x, y = op.inputs[0], op.outputs[0]
    a, exclusive, reverse = op.attrs["axis"], op.attrs["exclusive"], op.attrs["reverse"]
    return [cumsum(grad * y, a, exclusive, not reverse) / x]


CUMPROD = OpDef("Cumprod", functools.partial(running_kernel, accumulate=np.cumprod, identity=1), grad=_cumprod_grad)


def cumprod(x, axis=0, exclusive=False, reverse=False, name=None):
    """Running product along ``axis``; ``exclusive`` leaves out each element itself, ``reverse`` runs from the end.

    The gradient divides by ``x`` (as TF's): it is not defined where ``x`` is 0.

    Example:
        >>> kf.cumprod([2, 3, 4], reverse=True)   # [24, 12, 4]
    """
    return running_op(CUMPROD, x, axis, exclusive, reverse, name)


def reduce_logsumexp(input_tensor, axis=None, keepdims=None, name=None, reduction_indices=None, keep_dims=None):
    """``log(sum(exp(x)))`` over ``axis``, computed stably (the maximum is taken out first).

    Example:
        >>> kf.reduce_logsumexp([0.0, 0.0])   # log(2)
    """
    x = convert_to_tensor(input_tensor)
    if not x.dtype.is_floating:
        raise build_error("ReduceLogSumExp", name, [x], "reduce_logsumexp: input must be floating point, got %s"
                          % x.dtype.name, TypeError)
    if axis is None:
        axis = reduction_indices
    keep = bool(keepdims if keepdims is not None else keep_dims)
    m = stop_gradient(reduce_max(x, axis, keepdims=True))
    m = where_v2(is_finite(m), m, zeros_like(m))  # all -inf rows: log(0) = -inf, not nan
    out = log(reduce_sum(exp(x - m), axis, keepdims=True)) + m
    if keep:
        return out
    if axis is None:
        return reduce_sum(out, name=name)  # every axis has size 1: the sum drops them
    return squeeze(out, [axis] if isinstance(axis, int) else list(axis), name=name)


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _tensordot_axes(axes, ra, rb):
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        if not 0 <= n <= min(ra, rb):
            raise ValueError("tensordot: axes=%d must be in [0, %d] for ranks %d and %d" % (n, min(ra, rb), ra, rb))
        return list(range(ra - n, ra)), list(range(n))
    a_axes, b_axes = axes
    a_axes = [a_axes] if isinstance(a_axes, (int, np.integer)) else list(a_axes)
    b_axes = [b_axes] if isinstance(b_axes, (int, np.integer)) else list(b_axes)
    if len(a_axes) != len(b_axes):
        raise ValueError("tensordot: axes %s and %s must have the same length" % (a_axes, b_axes))
    return [x % ra for x in a_axes], [x % rb for x in b_axes]


def tensordot(a, b, axes, name=None):
    """Sums the products of ``a`` and ``b`` over ``axes`` (an int n: the last n of a with the first n of b; or a
    pair of axis lists).

    Example:
        >>> kf.tensordot(kf.ones([2, 3]), kf.ones([3, 4]), axes=1)   # [2, 4] of 3s
    """
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    ra, rb = a.shape.ndims, b.shape.ndims
    if ra is None or rb is None:
        raise build_error("Tensordot", name, [a, b], "tensordot: both inputs need a known rank")
    if ra + rb > len(_LETTERS):
        raise build_error("Tensordot", name, [a, b], "tensordot: ranks %d + %d are too high" % (ra, rb))
    try:
        a_axes, b_axes = _tensordot_axes(axes, ra, rb)
    except ValueError as e:
        raise build_error("Tensordot", name, [a, b], str(e)) from None
    la = list(_LETTERS[:ra])
    lb = list(_LETTERS[ra:ra + rb])
    for i, j in zip(a_axes, b_axes):
        da, db = a.shape.dims[i], b.shape.dims[j]
        if da is not None and db is not None and da != db:
            raise build_error("Tensordot", name, [a, b], "tensordot: axis %d of a (size %d) and axis %d of b "
                              "(size %d) differ" % (i, da, j, db))
        lb[j] = la[i]
    out = [c for i, c in enumerate(la) if i not in a_axes] + [c for j, c in enumerate(lb) if j not in b_axes]
    return einsum("%s,%s->%s" % ("".join(la), "".join(lb), "".join(out)), a, b, name=name)
