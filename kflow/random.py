"""``kf.random``: TF 1.x's ``tf.random`` namespace (aliases of the random ops).

Example:
    >>> kf.random.set_random_seed(0)
    >>> noise = kf.random.normal([2, 3])
"""
from kflow.engine.graph import set_random_seed
from kflow.engine.ops.random_ops import (random_normal as normal, random_uniform as uniform, truncated_normal,
                                         random_shuffle as shuffle, multinomial, categorical)

__all__ = ["set_random_seed", "normal", "uniform", "truncated_normal", "shuffle", "multinomial", "categorical"]
