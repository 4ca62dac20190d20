"""kf.keras.initializers: the ``kf.initializers`` classes under their Keras names.

Example:
    >>> layers.Dense(64, kernel_initializer=kf.keras.initializers.he_normal(seed=1))
"""
from kflow.initializers import (Constant, GlorotNormal, GlorotUniform, Identity, Initializer, Ones, Orthogonal,
                                RandomNormal, RandomUniform, TruncatedNormal, VarianceScaling, Zeros, deserialize,
                                get, he_normal, he_uniform, lecun_normal, lecun_uniform, serialize)

zeros, ones, constant, identity, orthogonal = Zeros, Ones, Constant, Identity, Orthogonal
random_normal, random_uniform, truncated_normal = RandomNormal, RandomUniform, TruncatedNormal
glorot_normal, glorot_uniform, variance_scaling = GlorotNormal, GlorotUniform, VarianceScaling
