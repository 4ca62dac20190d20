"""Random initializers: normal, truncated normal and uniform, seeded like TF1.

With ``seed=None`` the values follow the graph-level seed (``kf.set_random_seed``): two
sessions over one graph then start from the same values.

Example:
    >>> w = kf.get_variable("w", [784, 10], initializer=kf.truncated_normal_initializer(stddev=0.1))
"""
from kflow.engine import dtypes
from kflow.engine.ops import random_ops
from kflow.initializers.base import Initializer, as_float_dtype


class _NormalFamily(Initializer):
    """``(mean, stddev)`` initializers that draw with ``random_ops.<sampler>``."""

    sampler = None  # the random op's name

    def __init__(self, mean=0.0, stddev=1.0, seed=None, dtype=dtypes.float32):
        self.mean = mean
        self.stddev = stddev
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = as_float_dtype(dtype if dtype is not None else self.dtype, type(self).__name__)
        sample = getattr(random_ops, self.sampler)
        return sample(list(shape), self.mean, self.stddev, dtype, seed=self.seed)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, "seed": self.seed}


class RandomNormal(_NormalFamily):
    """Samples ``N(mean, stddev**2)``."""

    sampler = "random_normal"


class TruncatedNormal(_NormalFamily):
    """Normal samples redrawn when more than two standard deviations from the mean."""

    sampler = "truncated_normal"


class RandomUniform(Initializer):
    """Samples uniformly from ``[minval, maxval)``; ``maxval`` defaults to 1 for floats."""

    def __init__(self, minval=0.0, maxval=None, seed=None, dtype=dtypes.float32):
        self.minval = minval
        self.maxval = maxval
        self.seed = seed
        self.dtype = dtypes.as_dtype(dtype)

    def __call__(self, shape, dtype=None, partition_info=None):
        dtype = dtypes.as_dtype(dtype if dtype is not None else self.dtype)
        maxval = self.maxval
        if maxval is None:
            if not dtype.is_floating:
                raise ValueError("RandomUniform: maxval is required for integer dtype %s" % dtype.name)
            maxval = 1.0
        return random_ops.random_uniform(list(shape), self.minval, maxval, dtype, seed=self.seed)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, "seed": self.seed}


random_normal_initializer = RandomNormal
truncated_normal_initializer = TruncatedNormal
random_uniform_initializer = RandomUniform
