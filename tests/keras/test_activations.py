"""kf.keras.activations: every Keras 3 name is an attribute; values against numpy; float64 gradient checks."""
import math

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

A = kf.keras.activations
KERAS_NAMES = ["celu", "deserialize", "elu", "exponential", "gelu", "get", "glu", "hard_shrink", "hard_sigmoid",
               "hard_silu", "hard_swish", "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish",
               "relu", "relu6", "selu", "serialize", "sigmoid", "silu", "soft_shrink", "softmax", "softplus",
               "softsign", "sparse_plus", "sparse_sigmoid", "sparsemax", "squareplus", "swish", "tanh",
               "tanh_shrink", "threshold"]  # dir(keras.activations) of Keras 3.15
_erf = np.vectorize(math.erf)
_softplus = lambda x: np.log1p(np.exp(x))  # noqa: E731
REFERENCE = {
    "gelu": lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2))),
    "mish": lambda x: x * np.tanh(_softplus(x)),
    "celu": lambda x: np.maximum(x, 0) + np.minimum(np.exp(x) - 1, 0),
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_tanh": lambda x: np.clip(x, -1, 1),
    "hard_shrink": lambda x: np.where(np.abs(x) > 0.5, x, 0),
    "soft_shrink": lambda x: np.where(x > 0.5, x - 0.5, np.where(x < -0.5, x + 0.5, 0)),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "log_sigmoid": lambda x: -_softplus(-x),
    "squareplus": lambda x: (x + np.sqrt(x * x + 4)) / 2,
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "leaky_relu": lambda x: np.where(x > 0, x, 0.2 * x),
    "glu": lambda x: x[:, :2] / (1 + np.exp(-x[:, 2:])),
}


def _run(t):
    with kf.Session() as sess:
        return sess.run(t)


def test_every_keras_activation_name_is_an_attribute():
    missing = [n for n in KERAS_NAMES if not callable(getattr(A, n, None))]
    assert not missing


def _points():
    x = np.random.RandomState(0).uniform(-3, 3, (3, 4))
    for kink in (-1.0, -0.5, 0.0, 0.5, 1.0, -3.0, 3.0):  # keep finite differences off the kinks
        x[np.abs(x - kink) < 0.05] += 0.1
    return x


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_values_and_gradients(name):
    fn, x = getattr(A, name), _points()
    np.testing.assert_allclose(_run(fn(x)), REFERENCE[name](x), rtol=1e-6, atol=1e-6)
    check_gradients(fn, [x], rtol=1e-4, atol=1e-6)


def test_relu_options_threshold_sparsemax_and_layer_lookup():
    x = np.array([-2.0, -0.5, 0.5, 3.0, 8.0])
    np.testing.assert_allclose(_run(A.relu(x, alpha=0.1, max_value=6.0, threshold=1.0)),
                               [-0.3, -0.15, -0.05, 3.0, 6.0], rtol=1e-6)
    np.testing.assert_allclose(_run(A.threshold(x, 0.0, -1.0)), [-1, -1, 0.5, 3, 8])
    out = _run(A.sparsemax(np.array([[1.0, 2.0, 0.5], [0.3, 0.1, 0.2]])))
    np.testing.assert_allclose(out, [[0, 1, 0], [0.4333333, 0.2333333, 0.3333333]], rtol=1e-5)
    assert A.get("relu") is kf.nn.relu and A.get("gelu") is A.gelu
    dense = kf.keras.layers.Dense(2, activation="mish")
    assert dense.get_config()["activation"] == "mish"
