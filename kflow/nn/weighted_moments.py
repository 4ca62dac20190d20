"""``kf.nn.weighted_moments``: the frequency-weighted mean and variance of a tensor (TF1's formula).

``mean = sum(w * x) / sum(w)`` and ``variance = sum(w * (x - mean) ** 2) / sum(w)`` over ``axes``, the weights
broadcast against ``x``. Built from differentiable ops (gradients flow to ``x`` and the weights).

Example:
    >>> mean, variance = kf.nn.weighted_moments(x, axes=[0], frequency_weights=counts[:, None])
"""
from kflow.engine.ops import math_ops, reduction_ops, shape_ops
from kflow.engine.ops.constant_op import convert_to_tensor, zeros_like
from kflow.engine.ops.elementwise import cast
from kflow.engine.graph import name_scope


def weighted_moments(x, axes, frequency_weights, name=None, keep_dims=None, keepdims=None):
    """Weighted mean and variance of ``x`` over ``axes``; the reduced axes are kept (size 1) with ``keepdims``.

    Example:
        >>> kf.nn.weighted_moments([1.0, 2.0, 4.0], [0], [1.0, 1.0, 2.0])   # (2.75, 1.6875)
    """
    keep = bool(keepdims if keepdims is not None else keep_dims)
    with name_scope(name, "weighted_moments"):
        x = convert_to_tensor(x, name="x")
        if not x.dtype.is_floating:
            raise TypeError("weighted_moments: x must be floating point, got %s for '%s'" % (x.dtype.name, x.name))
        weights = cast(convert_to_tensor(frequency_weights, name="frequency_weights"), x.dtype)
        axes = [axes] if isinstance(axes, int) else list(axes)
        weight_sum = reduction_ops.reduce_sum(math_ops.add(weights, zeros_like(x)), axes, keepdims=True)
        divisor = math_ops.divide(1.0, weight_sum)
        mean = math_ops.multiply(reduction_ops.reduce_sum(math_ops.multiply(weights, x), axes, keepdims=True), divisor)
        variance = math_ops.multiply(reduction_ops.reduce_sum(
            math_ops.multiply(weights, math_ops.squared_difference(x, mean)), axes, keepdims=True), divisor)
        if not keep:
            mean, variance = shape_ops.squeeze(mean, axes), shape_ops.squeeze(variance, axes)
        return mean, variance
