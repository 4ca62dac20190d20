"""Keras training on the GPU: a small CNN with batch norm fits to the same weights and history as on the CPU."""
import numpy as np

import kflow as kf
from device_check import assert_ran_on_device, host_only

RNG = np.random.RandomState(0)
X = RNG.standard_normal((64, 8, 8, 1)).astype(np.float32)
Y = RNG.randint(0, 3, 64).astype(np.int64)


def _fit(initial=None):
    """Initial weights, then weights, history and predictions after two epochs (starting from ``initial`` when
    given); unplaced ops go to the GPU when there is one. Each fit starts a fresh default graph and Keras
    session (K.clear_session), so the session places its ops with the backends of this call."""
    kf.keras.backend.clear_session()
    layers = kf.keras.layers
    model = kf.keras.Sequential([
        layers.Conv2D(4, 3, activation="relu", input_shape=(8, 8, 1)), layers.BatchNormalization(),
        layers.MaxPooling2D(), layers.Flatten(), layers.Dense(3, activation="softmax")])
    model.compile(kf.keras.optimizers.Adam(lr=0.01), "sparse_categorical_crossentropy", metrics=["acc"])
    if initial is not None:
        model.set_weights(initial)
    initial = model.get_weights()
    history = model.fit(X, Y, epochs=2, batch_size=16, verbose=0, shuffle=False)
    return initial, model.get_weights(), history.history, model.predict(X[:8])


def test_keras_fit_matches_cpu(gpu_log):
    with host_only():
        initial, cpu_weights, cpu_history, cpu_pred = _fit()
    assert gpu_log.calls == 0  # the reference really ran on the host
    _, weights, history, pred = _fit(initial)
    assert len(weights) == len(cpu_weights) == 8  # conv, batch norm (incl. moving stats), dense
    for w, c in zip(weights, cpu_weights):
        assert type(w) is np.ndarray and w.dtype == c.dtype
        np.testing.assert_allclose(w, c, rtol=1e-3, atol=1e-4)
    assert sorted(history) == sorted(cpu_history)
    for key in history:
        np.testing.assert_allclose(history[key], cpu_history[key], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(pred, cpu_pred, rtol=1e-3, atol=1e-5)
    assert_ran_on_device(gpu_log)
