"""Noise layers, active only while training: GaussianNoise, GaussianDropout, AlphaDropout.

Each regularizes by perturbing its inputs when ``training`` (or the Keras learning phase) is True and is the
identity otherwise, as Keras's ``keras.layers.noise``.

Example:
    >>> h = GaussianNoise(0.1)(x)                 # x + N(0, 0.1^2) while training
    >>> h = AlphaDropout(0.1)(Dense(64, activation="selu")(x))
"""
import math

from kflow.engine import shapes
from kflow.engine.ops import array_ops, comparison_ops, math_ops
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.control_flow_ops import identity
from kflow.engine.ops.random_ops import random_normal, random_uniform
from kflow.layers import training_flag
from kflow.layers.base import Layer

# SELU's constants (Klambauer et al. 2017): AlphaDropout keeps SELU's self-normalizing mean and variance.
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


class _TrainingNoise(Layer):
    """Applies ``_noisy(x)`` while training, the identity otherwise; masks pass through."""

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.supports_masking = True

    def _noisy(self, x):
        raise NotImplementedError

    def call(self, inputs, training=None):
        x = convert_to_tensor(inputs)
        return training_flag.smart_select(training_flag.resolve(training), lambda: self._noisy(x),
                                          lambda: identity(x))

    def compute_output_shape(self, input_shape):
        return shapes.as_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        if self.seed is not None:
            config["seed"] = self.seed
        return config


def _check_rate(layer, rate):
    if not 0 <= rate < 1:
        raise ValueError("%s: rate must be in [0, 1), got %r" % (layer, rate))
    return float(rate)


class GaussianNoise(_TrainingNoise):
    """Adds zero-centered Gaussian noise of standard deviation ``stddev`` while training.

    Example:
        >>> GaussianNoise(0.5)(x, training=True)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if stddev < 0:
            raise ValueError("GaussianNoise: stddev must be >= 0, got %r" % (stddev,))
        self.stddev = float(stddev)

    def _noisy(self, x):
        return x + random_normal(array_ops.shape(x), stddev=self.stddev, dtype=x.dtype, seed=self.seed)

    def get_config(self):
        return dict(super().get_config(), stddev=self.stddev)


class GaussianDropout(_TrainingNoise):
    """Multiplies by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))`` while training.

    Example:
        >>> GaussianDropout(0.2)(x, training=True)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("GaussianDropout", rate)

    def _noisy(self, x):
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return x * random_normal(array_ops.shape(x), mean=1.0, stddev=stddev, dtype=x.dtype, seed=self.seed)

    def get_config(self):
        return dict(super().get_config(), rate=self.rate)


class AlphaDropout(_TrainingNoise):
    """Dropout for SELU networks: dropped units take SELU's negative saturation value, then an affine map
    restores the inputs' mean and variance (Keras's formula).

    Example:
        >>> AlphaDropout(0.1)(x, training=True)
    """

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate("AlphaDropout", rate)
        self.noise_shape = noise_shape

    def _noisy(self, x):
        if self.rate == 0:
            return identity(x)
        alpha_p = -_SELU_ALPHA * _SELU_SCALE
        shape = array_ops.shape(x) if self.noise_shape is None else self.noise_shape
        kept = math_ops.cast(comparison_ops.greater_equal(
            random_uniform(shape, dtype=x.dtype, seed=self.seed), self.rate), x.dtype)
        a = ((1 - self.rate) * (1 + self.rate * alpha_p ** 2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (x * kept + alpha_p * (1 - kept)) + b

    def get_config(self):
        return dict(super().get_config(), rate=self.rate, noise_shape=self.noise_shape)
