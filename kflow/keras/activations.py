"""kf.keras.activations: Keras's activation functions as attributes, and ``get``/``serialize``/``deserialize``.

Example:
    >>> kf.keras.activations.get("relu") is kf.nn.relu
    True
    >>> y = kf.keras.activations.gelu(x)
"""
from kflow import nn
from kflow.engine.ops import math_ops as _M
from kflow.layers.activations import exponential, get, hard_sigmoid, linear, serialize
from kflow.layers.keras_activations import (celu, gelu, glu, hard_shrink, hard_silu, hard_tanh, log_sigmoid, mish,
                                            relu, soft_shrink, softmax, sparse_plus, sparse_sigmoid, sparsemax,
                                            squareplus, tanh_shrink, threshold)

elu, selu, softplus, softsign, relu6, log_softmax = nn.elu, nn.selu, nn.softplus, nn.softsign, nn.relu6, \
    nn.log_softmax
sigmoid, tanh, swish = _M.sigmoid, _M.tanh, nn.swish
silu = nn.silu
hard_swish = hard_silu


def leaky_relu(x, negative_slope=0.2):
    """Keras's leaky relu (default slope 0.2, as ``kf.nn.leaky_relu``'s alpha)."""
    return nn.leaky_relu(x, alpha=negative_slope)


def deserialize(name, custom_objects=None):
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return get(name)


__all__ = ["get", "serialize", "deserialize", "linear", "exponential", "hard_sigmoid", "relu", "relu6", "elu", "selu",
           "softplus", "softsign", "sigmoid", "tanh", "softmax", "log_softmax", "leaky_relu", "swish", "silu", "gelu",
           "mish", "celu", "hard_silu", "hard_swish", "hard_tanh", "hard_shrink", "soft_shrink", "tanh_shrink",
           "log_sigmoid", "squareplus", "sparse_plus", "sparse_sigmoid", "sparsemax", "threshold", "glu"]
