"""Activation lookup for layers' ``activation=`` argument: a callable, a name ("relu", "softmax"...) or None.

Names resolve to the ``kf.nn`` functions; "linear" (and None) is the identity.

Example:
    >>> get("relu") is kf.nn.relu
    True
    >>> serialize(kf.nn.relu)
    'relu'
"""
from kflow import nn
from kflow.engine.ops import math_ops
from kflow.layers.keras_activations import ACTIVATIONS

_NN_NAMES = ("relu", "relu6", "elu", "selu", "softplus", "softsign", "sigmoid", "tanh", "softmax", "log_softmax",
             "leaky_relu", "swish", "gelu")


def linear(x):
    """The identity activation."""
    return x


def exponential(x):
    return math_ops.exp(x)


def hard_sigmoid(x):
    """Keras's piecewise linear sigmoid: ``clip(0.2 * x + 0.5, 0, 1)``."""
    return math_ops.minimum(math_ops.maximum(x * 0.2 + 0.5, 0.0), 1.0)


_LOCAL = {"linear": linear, "exponential": exponential, "hard_sigmoid": hard_sigmoid}
_LOCAL.update(ACTIVATIONS)  # Keras's further activations (gelu, mish, ...)


def get(identifier):
    """Resolves an ``activation=`` argument.

    Raises:
        ValueError: an unknown name or an object that is not callable.
    """
    if identifier is None:
        return linear
    if callable(identifier):
        return identifier
    if isinstance(identifier, str):
        if identifier in _LOCAL:
            return _LOCAL[identifier]
        if identifier in _NN_NAMES:
            fn = getattr(nn, identifier, None)
            if fn is None and identifier in ("sigmoid", "tanh"):
                fn = getattr(math_ops, identifier)
            if fn is not None:
                return fn
            raise ValueError("Activation %r needs kf.nn.%s, which is not available" % (identifier, identifier))
        raise ValueError("Unknown activation function: %r. Known: %s" % (
            identifier, ", ".join(sorted(set(_NN_NAMES) | set(_LOCAL)))))
    raise ValueError("Could not interpret activation function identifier: %r" % (identifier,))


def serialize(activation):
    """The name of an activation function (for ``get_config``)."""
    if activation is None:
        return "linear"
    for name in _NN_NAMES:  # by identity: nn functions may be wrappers with another __name__
        if getattr(nn, name, None) is activation:
            return name
    return getattr(activation, "__name__", repr(activation))
