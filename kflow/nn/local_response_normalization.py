"""Local response normalization (AlexNet's LRN), as TF1's ``tf.nn.lrn``.

Each value is divided by ``(bias + alpha * sqr_sum) ** beta``, where ``sqr_sum`` sums the squares of the
values in the ``2 * depth_radius + 1`` channels around it (clipped at the ends of the channel axis). Built
from pad, slices and elementwise ops, so its gradient (TF's LRNGrad) comes from theirs and works to any order.

Example:
    >>> norm1 = kf.nn.lrn(pool1, 4, bias=1.0, alpha=0.001 / 9.0, beta=0.75)
"""
from kflow.engine.ops import math_ops, shape_ops, unary_math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.graph import name_scope


def local_response_normalization(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5, name=None):  # noqa: A002
    """LRN over the last axis of a 4-D ``input``.

    Example:
        >>> kf.nn.local_response_normalization(x, depth_radius=2)
    """
    x = convert_to_tensor(input, name="input")
    if x.shape.ndims not in (None, 4) or not x.dtype.is_floating:
        raise ValueError("lrn: input must be a 4-D float tensor, got shape %s and dtype %s for '%s'"
                         % (x.shape, x.dtype.name, x.name))
    r = int(depth_radius)
    if r < 0:
        raise ValueError("lrn: depth_radius must be >= 0, got %d" % r)
    with name_scope(name, "LRN"):
        padded = shape_ops.pad(unary_math_ops.square(x), [[0, 0], [0, 0], [0, 0], [r, r]])
        # window k of each channel: the padded channels shifted by k (the slice ends 2r - k before the end)
        sqr_sum = math_ops.add_n([padded[..., k:(k - 2 * r) or None] for k in range(2 * r + 1)])
        scale = math_ops.add(bias, math_ops.multiply(alpha, sqr_sum))
        return math_ops.multiply(x, math_ops.pow(scale, -float(beta)))


lrn = local_response_normalization
