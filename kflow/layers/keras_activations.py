"""Keras's activation functions beyond ``kf.nn`` (``kf.keras.activations.*`` and ``activation="mish"`` etc.).

Each is built from kflow ops, so gradients come from the ops' own. ``gelu``'s exact form uses an
``erf`` built from the Abramowitz-Stegun 7.1.26 rational approximation (absolute error < 1.5e-7).

Example:
    >>> y = mish(x)
    >>> kf.keras.layers.Dense(64, activation="gelu")
"""
from kflow import nn
from kflow.engine.ops import math_ops as M
from kflow.engine.ops.array_ops import where
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.reduction_ops import reduce_max, reduce_sum
from kflow.engine.ops.concat_ops import split

_SQRT_2_OVER_PI = 0.7978845608028654
_AS_P, _AS_A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """Keras's relu: ``x`` above ``threshold`` (capped at ``max_value``), ``alpha * (x - threshold)`` below."""
    x = convert_to_tensor(x)
    if alpha == 0.0 and max_value is None and threshold == 0.0:
        return nn.relu(x)
    y = where(x > threshold, x, alpha * (x - threshold) if alpha else x * 0.0)
    return M.minimum(y, float(max_value)) if max_value is not None else y


def erf(x):
    """``erf`` (Abramowitz-Stegun 7.1.26; absolute error < 1.5e-7)."""
    x = convert_to_tensor(x)
    a = M.abs(x)
    t = 1.0 / (1.0 + _AS_P * a)
    poly = t * (_AS_A[0] + t * (_AS_A[1] + t * (_AS_A[2] + t * (_AS_A[3] + t * _AS_A[4]))))
    return M.sign(x) * (1.0 - poly * M.exp(-a * a))


def gelu(x, approximate=False):
    """``x * Phi(x)``; ``approximate=True`` is the tanh form."""
    x = convert_to_tensor(x)
    if approximate:
        return 0.5 * x * (1.0 + M.tanh(_SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)))
    return 0.5 * x * (1.0 + erf(x * 0.7071067811865476))


def mish(x):
    return x * M.tanh(nn.softplus(x))


def celu(x, alpha=1.0):
    x = convert_to_tensor(x)
    return M.maximum(x, 0.0) + M.minimum(alpha * (M.exp(x / alpha) - 1.0), 0.0)


def hard_silu(x):
    """``x * relu6(x + 3) / 6``."""
    x = convert_to_tensor(x)
    return x * nn.relu6(x + 3.0) / 6.0


def hard_tanh(x):
    return M.minimum(M.maximum(convert_to_tensor(x), -1.0), 1.0)


def hard_shrink(x, threshold=0.5):
    x = convert_to_tensor(x)
    return where(M.abs(x) > threshold, x, x * 0.0)


def soft_shrink(x, threshold=0.5):
    x = convert_to_tensor(x)
    return where(x > threshold, x - threshold, where(x < -threshold, x + threshold, x * 0.0))


def tanh_shrink(x):
    x = convert_to_tensor(x)
    return x - M.tanh(x)


def log_sigmoid(x):
    return -nn.softplus(-convert_to_tensor(x))


def squareplus(x, b=4.0):
    x = convert_to_tensor(x)
    return (x + M.sqrt(x * x + b)) / 2.0


def sparse_plus(x):
    """0 below -1, ``(x + 1)^2 / 4`` in [-1, 1], ``x`` above 1."""
    x = convert_to_tensor(x)
    return where(x <= -1.0, x * 0.0, where(x >= 1.0, x, M.square(x + 1.0) / 4.0))


def sparse_sigmoid(x):
    """0 below -1, ``(x + 1) / 2`` in [-1, 1], 1 above."""
    return M.minimum(M.maximum((convert_to_tensor(x) + 1.0) / 2.0, 0.0), 1.0)


def threshold(x, threshold, default_value):  # noqa: A002 - Keras's argument name shadows the function
    """``x`` where ``x > threshold``, else ``default_value``."""
    x = convert_to_tensor(x)
    return where(x > threshold, x, x * 0.0 + default_value)


def glu(x, axis=-1):
    """Gated linear unit: ``a * sigmoid(b)`` of the two halves of ``x`` along ``axis``."""
    a, b = split(convert_to_tensor(x), 2, axis=axis)
    return a * M.sigmoid(b)


def softmax(x, axis=-1):
    return nn.softmax(x, axis=axis)


def sparsemax(x, axis=-1):
    """Sparsemax (Martins & Astudillo 2016) along the last axis: the Euclidean projection onto the simplex."""
    if axis not in (-1, convert_to_tensor(x).shape.ndims - 1):
        raise ValueError("sparsemax: only the last axis is supported; got axis=%r." % (axis,))
    x = convert_to_tensor(x)
    z = x - reduce_max(x, axis=-1, keepdims=True)
    # tau solves sum(max(z - tau, 0)) = 1; found by comparing every pair (O(n^2), fine for class counts)
    zi, zj = z[..., :, None], z[..., None, :]
    ge = M.cast(zj >= zi, z.dtype)
    k = reduce_sum(ge, axis=-1)
    s = reduce_sum(ge * zj, axis=-1)
    support = M.cast(1.0 + k * z > s, z.dtype)
    k_max = M.maximum(reduce_sum(support, axis=-1, keepdims=True), 1.0)
    tau = (reduce_sum(support * z, axis=-1, keepdims=True) - 1.0) / k_max
    return M.maximum(z - tau, 0.0)


ACTIVATIONS = {fn.__name__: fn for fn in (gelu, mish, celu, hard_silu, hard_tanh, hard_shrink, soft_shrink,
                                          tanh_shrink, log_sigmoid, squareplus, sparse_plus, sparse_sigmoid, glu,
                                          sparsemax)}
ACTIVATIONS["hard_swish"] = hard_silu
