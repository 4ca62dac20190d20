"""Variance scaling initializers: glorot (Xavier), he and lecun, uniform or (truncated) normal.

The sample variance is ``scale / n`` with ``n`` the fan-in, fan-out or their average. As in
TF1, "normal" draws from a truncated normal whose stddev is corrected for the truncation.

Example:
    >>> kf.variance_scaling_initializer(scale=2.0, mode="fan_in")   # He, truncated normal
    >>> kf.glorot_uniform_initializer()                              # get_variable's default
"""
import math

from kflow.engine import dtypes
from kflow.engine.ops import random_ops
from kflow.initializers.base import Initializer, as_float_dtype, compute_fans

# scipy.stats.truncnorm.std(a=-2, b=2, loc=0., scale=1.): the stddev of a standard normal cut at +-2.
_TRUNCATED_STDDEV = .87962566103423978


class VarianceScaling(Initializer):
    """Samples with variance ``scale / n``.

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg" (which ``n``).
        distribution: "truncated_normal" (also "normal", as in TF1), "untruncated_normal" or "uniform".
        seed: op-level seed.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 dtype=dtypes.float32):
        if scale <= 0.:
            raise ValueError("`scale` must be a positive float, got %r." % (scale,))
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError("Invalid `mode` argument: %r (expected fan_in, fan_out or fan_avg)." % (mode,))
        distribution = distribution.lower()
        if distribution not in ("normal", "uniform", "truncated_normal", "untruncated_normal"):
            raise ValueError("Invalid `distribution` argument: %r." % (distribution,))
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_float_dtype(dtype if dtype is not None else self.dtype, type(self).__name__)
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        scale = self.scale / max(1., n)
        shape = list(shape)
        if self.distribution in ("normal", "truncated_normal"):
            return random_ops.truncated_normal(shape, 0.0, math.sqrt(scale) / _TRUNCATED_STDDEV, dtype, seed=self.seed)
        if self.distribution == "untruncated_normal":
            return random_ops.random_normal(shape, 0.0, math.sqrt(scale), dtype, seed=self.seed)
        limit = math.sqrt(3.0 * scale)
        return random_ops.random_uniform(shape, -limit, limit, dtype, seed=self.seed)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, "seed": self.seed}


class GlorotUniform(VarianceScaling):
    """Uniform in ``[-l, l]`` with ``l = sqrt(6 / (fan_in + fan_out))`` (Xavier uniform)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "uniform", seed, dtype)

    def get_config(self):
        return {"seed": self.seed}


class GlorotNormal(VarianceScaling):
    """Truncated normal with stddev ``sqrt(2 / (fan_in + fan_out))`` (Xavier normal)."""

    def __init__(self, seed=None, dtype=dtypes.float32):
        super().__init__(1.0, "fan_avg", "truncated_normal", seed, dtype)

    def get_config(self):
        return {"seed": self.seed}


def he_normal(seed=None):
    """Truncated normal with stddev ``sqrt(2 / fan_in)`` (for ReLU layers)."""
    return VarianceScaling(2.0, "fan_in", "truncated_normal", seed)


def he_uniform(seed=None):
    """Uniform in ``[-l, l]`` with ``l = sqrt(6 / fan_in)``."""
    return VarianceScaling(2.0, "fan_in", "uniform", seed)


def lecun_normal(seed=None):
    """Truncated normal with stddev ``sqrt(1 / fan_in)`` (for SELU layers)."""
    return VarianceScaling(1.0, "fan_in", "truncated_normal", seed)


def lecun_uniform(seed=None):
    """Uniform in ``[-l, l]`` with ``l = sqrt(3 / fan_in)``."""
    return VarianceScaling(1.0, "fan_in", "uniform", seed)


variance_scaling_initializer = VarianceScaling
glorot_uniform_initializer = GlorotUniform
glorot_normal_initializer = GlorotNormal
