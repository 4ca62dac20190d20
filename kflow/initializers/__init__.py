"""Initializers (``kf.initializers`` / ``kf.zeros_initializer()`` ...), as in TF1's ``init_ops``.

Example:
    >>> w = kf.get_variable("w", [3, 4], initializer=kf.initializers.he_normal(seed=1))
    >>> b = kf.get_variable("b", [4], initializer=kf.initializers.zeros())
"""
from kflow.engine import variables as _variables
from kflow.initializers.base import Initializer, compute_fans
from kflow.initializers.constant import (Zeros, Ones, Constant, Identity, zeros_initializer, ones_initializer,
                                         constant_initializer)
from kflow.initializers.random import (RandomNormal, TruncatedNormal, RandomUniform, random_normal_initializer,
                                       truncated_normal_initializer, random_uniform_initializer)
from kflow.initializers.variance_scaling import (VarianceScaling, GlorotUniform, GlorotNormal, he_normal,
                                                 he_uniform, lecun_normal, lecun_uniform,
                                                 variance_scaling_initializer, glorot_uniform_initializer,
                                                 glorot_normal_initializer)
from kflow.initializers.orthogonal import Orthogonal, orthogonal_initializer
from kflow.initializers.keras_initializers import get, serialize, deserialize

# tf.initializers.* (TF1 defaults: random_normal has stddev 1.0)
zeros = Zeros
ones = Ones
constant = Constant
identity = Identity
random_normal = RandomNormal
truncated_normal = TruncatedNormal
random_uniform = RandomUniform
variance_scaling = VarianceScaling
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
orthogonal = Orthogonal


def global_variables():
    """``kf.initializers.global_variables()``: the op initializing all global variables."""
    return _variables.global_variables_initializer()


def local_variables():
    return _variables.local_variables_initializer()


def variables(var_list, name="init"):
    return _variables.variables_initializer(var_list, name)
