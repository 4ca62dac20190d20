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


def _keras_adadelta(w, steps, lr=1.0, rho=0.95, eps=1e-7):
    a, d = np.zeros_like(w), np.zeros_like(w)
    for _ in range(steps):
        g = _grad(w)
        a = rho * a + (1 - rho) * g * g
        u = g * np.sqrt(d + eps) / np.sqrt(a + eps)
        w = w - lr * u
        d = rho * d + (1 - rho) * u * u
    return w


def _keras_adamax(w, steps, lr=0.002, b1=0.9, b2=0.999, eps=1e-7):
    m, u = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, steps + 1):
        g = _grad(w)
        m, u = b1 * m + (1 - b1) * g, np.maximum(b2 * u, np.abs(g))
        w = w - lr / (1 - b1 ** t) * m / (u + eps)
    return w


@pytest.mark.parametrize("name,reference", [("adadelta", _keras_adadelta), ("adamax", _keras_adamax)])
def test_adadelta_and_adamax_match_keras_and_round_trip(name, reference, tmp_path):
    model = kf.keras.Sequential([kf.keras.layers.Dense(1, input_shape=(3,), use_bias=False)])
    model.compile(name, "mse")
    w0 = model.get_weights()[0].astype(np.float64)
    for _ in range(4):
        model.train_on_batch(_X, _Y)
    expected = reference(w0, 4)
    assert np.abs(expected - w0).max() > 1e-4
    np.testing.assert_allclose(model.get_weights()[0], expected, rtol=1e-4, atol=1e-7)
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert type(loaded.optimizer) is type(model.optimizer)
    for m in (model, loaded):
        m.train_on_batch(_X, _Y)
    np.testing.assert_array_equal(model.get_weights()[0], loaded.get_weights()[0])
