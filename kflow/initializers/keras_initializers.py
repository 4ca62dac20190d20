"""Keras-style initializer names (``kf.keras.initializers``) and string/config lookup.

The Keras random initializers default to a small spread (stddev 0.05, range +-0.05),
unlike TF1's ``kf.random_normal_initializer`` (stddev 1). ``get`` resolves what layers
accept as ``kernel_initializer=``: an initializer, a name ("glorot_uniform", "he_normal",
"zeros", ...), a ``{"class_name", "config"}`` dict, or any callable.

Example:
    >>> get("he_normal")
    VarianceScaling(distribution='truncated_normal', mode='fan_in', scale=2.0, seed=None)
    >>> serialize(get("zeros"))
    {'class_name': 'Zeros', 'config': {}}
"""
from kflow.engine import dtypes
from kflow.initializers import constant, orthogonal, random, variance_scaling
from kflow.initializers.base import Initializer

Zeros = constant.Zeros
Ones = constant.Ones
Constant = constant.Constant
Identity = constant.Identity
VarianceScaling = variance_scaling.VarianceScaling
Orthogonal = orthogonal.Orthogonal
GlorotUniform = variance_scaling.GlorotUniform
GlorotNormal = variance_scaling.GlorotNormal


class RandomNormal(random.RandomNormal):
    """Keras ``RandomNormal(mean=0., stddev=0.05, seed=None)``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed, dtype)


class RandomUniform(random.RandomUniform):
    """Keras ``RandomUniform(minval=-0.05, maxval=0.05, seed=None)``."""

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(minval, maxval, seed, dtype)


class TruncatedNormal(random.TruncatedNormal):
    """Keras ``TruncatedNormal(mean=0., stddev=0.05, seed=None)``."""

    def __init__(self, mean=0.0, stddev=0.05, seed=None, dtype=dtypes.float32):
        super().__init__(mean, stddev, seed, dtype)


he_normal = variance_scaling.he_normal
he_uniform = variance_scaling.he_uniform
lecun_normal = variance_scaling.lecun_normal
lecun_uniform = variance_scaling.lecun_uniform
glorot_uniform = GlorotUniform
glorot_normal = GlorotNormal
zeros = Zeros
ones = Ones
constant = Constant  # noqa: F811 - the Keras alias shadows the module name on purpose
identity = Identity
orthogonal = Orthogonal  # noqa: F811
normal = random_normal = RandomNormal
uniform = random_uniform = RandomUniform
truncated_normal = TruncatedNormal

_BY_NAME = {
    "Zeros": Zeros, "Ones": Ones, "Constant": Constant, "Identity": Identity, "RandomNormal": RandomNormal,
    "RandomUniform": RandomUniform, "TruncatedNormal": TruncatedNormal, "VarianceScaling": VarianceScaling,
    "Orthogonal": Orthogonal, "GlorotUniform": GlorotUniform, "GlorotNormal": GlorotNormal,
    "zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity, "normal": RandomNormal,
    "random_normal": RandomNormal, "uniform": RandomUniform, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "orthogonal": Orthogonal, "glorot_uniform": GlorotUniform,
    "glorot_normal": GlorotNormal, "he_normal": he_normal, "he_uniform": he_uniform,
    "lecun_normal": lecun_normal, "lecun_uniform": lecun_uniform,
}


def serialize(initializer):
    """``{"class_name": ..., "config": ...}`` for an Initializer."""
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config, custom_objects=None):
    """Rebuilds an initializer from ``serialize``'s dict."""
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or _BY_NAME.get(name)
    if cls is None:
        raise ValueError("Unknown initializer: %s" % name)
    if isinstance(cls, type) and issubclass(cls, Initializer):
        return cls.from_config(config.get("config", {}))
    return cls(**config.get("config", {}))


def get(identifier):
    """Resolves an initializer argument: None, an Initializer/callable, a name, or a config dict.

    Raises:
        ValueError: for an unknown name or an unusable identifier.
    """
    if identifier is None or isinstance(identifier, Initializer):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _BY_NAME.get(identifier)
        if cls is None:
            raise ValueError("Unknown initializer: %r. Known names: %s" % (identifier, ", ".join(sorted(
                n for n in _BY_NAME if n[0].islower()))))
        return cls()
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError("Could not interpret initializer identifier: %r" % (identifier,))
