"""Normalization built from kflow ops (so gradients are symbolic): moments, batch_normalization,
fused_batch_norm and l2_normalize, written as TF 1.x writes them.

Example:
    >>> mean, var = kf.nn.moments(x, axes=[0, 1, 2])
    >>> y = kf.nn.batch_normalization(x, mean, var, offset=beta, scale=gamma, variance_epsilon=1e-3)
"""
from kflow.engine import dtypes
from kflow.engine.graph import get_default_graph
from kflow.engine.operation import build_error
from kflow.engine.ops import math_ops, shape_ops
from kflow.engine.ops.array_ops import size
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import stop_gradient
from kflow.engine.ops.reduction_ops import reduce_mean, reduce_sum


def _scope(x, name, default):
    g = x.graph if hasattr(x, "graph") else get_default_graph()
    return g.name_scope(name or default)


def _axes_list(axes):
    return [int(a) for a in (axes if isinstance(axes, (list, tuple)) else [axes])]


def moments(x, axes, shift=None, name=None, keep_dims=None, keepdims=None):
    """Mean and variance of ``x`` over ``axes`` (``[0]`` for a batch of vectors, ``[0, 1, 2]`` for NHWC).

    The variance uses ``stop_gradient(mean)`` as TF does: its gradient through the mean is zero anyway.

    Returns:
        ``(mean, variance)``, with the reduced axes kept as size 1 when ``keep_dims``.

    Example:
        >>> mean, variance = kf.nn.moments(x, axes=[0])
    """
    keep = bool(keepdims if keepdims is not None else keep_dims)
    x = convert_to_tensor(x)
    axes = _axes_list(axes)
    with _scope(x, name, "moments"):
        y = math_ops.cast(x, dtypes.float32) if x.dtype is dtypes.float16 else x
        mean = reduce_mean(y, axes, keepdims=True, name="mean")
        variance = reduce_mean(math_ops.squared_difference(y, stop_gradient(mean)), axes, keepdims=True,
                               name="variance")
        if not keep:
            mean = shape_ops.squeeze(mean, axes)
            variance = shape_ops.squeeze(variance, axes)
        if x.dtype is dtypes.float16:
            return math_ops.cast(mean, dtypes.float16), math_ops.cast(variance, dtypes.float16)
        return mean, variance


def batch_normalization(x, mean, variance, offset, scale, variance_epsilon, name=None):
    """``scale * (x - mean) / sqrt(variance + variance_epsilon) + offset`` (offset/scale may be None).

    Example:
        >>> kf.nn.batch_normalization(x, mean, var, beta, gamma, 1e-3)
    """
    x = convert_to_tensor(x)
    with _scope(x, name, "batchnorm"):
        inv = math_ops.rsqrt(math_ops.add(variance, variance_epsilon))
        if scale is not None:
            inv = inv * scale
        shift = (offset - mean * inv) if offset is not None else -(mean * inv)
        return x * math_ops.cast(inv, x.dtype) + math_ops.cast(shift, x.dtype)


def fused_batch_norm(x, scale, offset, mean=None, variance=None, epsilon=0.001, data_format="NHWC",
                     is_training=True, name=None):
    """Batch normalization of a 4-D ``x`` over all axes but channels.

    Returns:
        ``(y, batch_mean, batch_variance)``; in training the returned variance is the unbiased one
        (``n / (n - 1)`` times the one used to normalize), as TF returns for moving averages.

    Example:
        >>> y, m, v = kf.nn.fused_batch_norm(x, gamma, beta)
    """
    x = convert_to_tensor(x)
    if x.shape.ndims not in (None, 4):
        raise build_error("FusedBatchNorm", name, [x], "fused_batch_norm: x must be 4-D, got shape %s" % x.shape)
    axes = [0, 1, 2] if (data_format or "NHWC").upper() == "NHWC" else [0, 2, 3]
    with _scope(x, name, "FusedBatchNorm"):
        if not is_training:
            if mean is None or variance is None:
                raise ValueError("fused_batch_norm: mean and variance are required when is_training=False")
            return _normalize(x, mean, variance, offset, scale, epsilon, data_format), mean, variance
        if mean is not None or variance is not None:
            raise ValueError("fused_batch_norm: mean and variance must be None when is_training=True")
        batch_mean, batch_var = moments(x, axes)
        y = _normalize(x, batch_mean, batch_var, offset, scale, epsilon, data_format)
        return y, batch_mean, bessel_corrected(batch_var, x)


def bessel_corrected(variance, x):
    """``variance * n / (n - 1)`` for per-channel ``variance`` of ``x``, ``n`` the values per channel (known at run
    time); ``n - 1`` is taken as 1 when ``n`` is 1, as TF's fused kernel does."""
    n = math_ops.cast(math_ops.divide(size(x), size(variance)), variance.dtype)
    return variance * n / math_ops.maximum(n - 1.0, 1.0)


def _normalize(x, mean, variance, offset, scale, epsilon, data_format):
    if (data_format or "NHWC").upper() != "NHWC":  # per-channel vectors broadcast along axis 1
        mean, variance, offset, scale = (None if v is None else shape_ops.expand_dims(shape_ops.expand_dims(
            convert_to_tensor(v), -1), -1) for v in (mean, variance, offset, scale))
    return batch_normalization(x, mean, variance, offset, scale, epsilon)


def l2_normalize(x, axis=None, epsilon=1e-12, name=None, dim=None):
    """``x / sqrt(max(sum(x ** 2, axis), epsilon))`` (axis None: all axes).

    Example:
        >>> kf.nn.l2_normalize([3.0, 4.0], axis=0)   # [0.6, 0.8]
    """
    x = convert_to_tensor(x)
    if not x.dtype.is_floating:
        raise build_error("L2Normalize", name, [x], "l2_normalize: x must be floating point, got %s" % x.dtype.name,
                          TypeError)
    axis = dim if axis is None else axis
    with _scope(x, name, "l2_normalize"):
        square_sum = reduce_sum(math_ops.square(x), axis, keepdims=True)
        inv_norm = math_ops.rsqrt(math_ops.maximum(square_sum, epsilon))
        return math_ops.multiply(x, inv_norm)


def normalize_moments(counts, mean_ss, variance_ss, shift, name=None):
    """Mean and variance from sufficient statistics (``counts``, sums, sums of squares)."""
    counts = convert_to_tensor(counts)
    with _scope(counts, name, "normalize"):
        divisor = math_ops.reciprocal(counts)
        shifted_mean = mean_ss * divisor
        mean = shifted_mean + shift if shift is not None else shifted_mean
        variance = variance_ss * divisor - math_ops.square(shifted_mean)
        return mean, variance
