"""The Keras optimizers step exactly as Keras's update rules (numpy references below)."""
import numpy as np
import pytest

import kflow as kf

_RNG = np.random.RandomState(0)
_X = _RNG.randn(16, 3).astype(np.float32)
_Y = _RNG.randn(16, 1).astype(np.float32)


def _grad(w):
    return 2 * _X.T @ (_X @ w - _Y) / len(_X)


def _keras_rmsprop(w, steps, lr=0.001, rho=0.9, eps=1e-7):
    a = np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        a = rho * a + (1 - rho) * g * g
        w = w - lr * g / (np.sqrt(a) + eps)
    return w


def _keras_adagrad(w, steps, lr=0.01, eps=1e-7):
    a = np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        a = a + g * g
        w = w - lr * g / (np.sqrt(a) + eps)
    return w


def _keras_adam(w, steps, lr=0.001, b1=0.9, b2=0.999, eps=1e-7):
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = _grad(w)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        w = w - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
    return w


@pytest.mark.parametrize("optimizer,reference", [
    (lambda: kf.keras.optimizers.RMSprop(), _keras_rmsprop),
    (lambda: kf.keras.optimizers.RMSprop(lr=0.01, rho=0.5, epsilon=1e-3),
     lambda w, s: _keras_rmsprop(w, s, lr=0.01, rho=0.5, eps=1e-3)),
    (lambda: kf.keras.optimizers.Adagrad(), _keras_adagrad),
    (lambda: kf.keras.optimizers.Adam(), _keras_adam)])
def test_steps_match_keras(optimizer, reference):
    # TF1's tf.train.RMSProp starts its accumulator at 1 (Adagrad at 0.1): steps several times smaller.
    model = kf.keras.Sequential([kf.keras.layers.Dense(1, input_shape=(3,), use_bias=False)])
    model.compile(optimizer(), "mse")
    w0 = model.get_weights()[0].astype(np.float64)
    for _ in range(4):
        model.train_on_batch(_X, _Y)
    expected = reference(w0, 4)
    assert np.abs(expected - w0).max() > 1e-3  # the steps are not negligible
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-4, atol=1e-6)
