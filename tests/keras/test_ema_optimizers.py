"""Optimizers with ``use_ema=True`` and the SwapEMAWeights callback (issue 15, round 2): the moving averages
against a numpy EMA of the recorded weights, and against Keras 3 itself (when the TensorFlow venv is there)."""
import numpy as np
import pytest

import kflow as kf
from tests.keras.keras_reference import needs_keras, run_keras

K = kf.keras
RNG = np.random.RandomState(5)
X, Y = RNG.randn(40, 3).astype(np.float32), RNG.randn(40, 1).astype(np.float32)
XV, YV = RNG.randn(16, 3).astype(np.float32), RNG.randn(16, 1).astype(np.float32)
WEIGHTS = [RNG.randn(3, 4).astype(np.float32) * 0.5, np.zeros(4, np.float32),
           RNG.randn(4, 1).astype(np.float32) * 0.5, np.zeros(1, np.float32)]


def _model(optimizer):
    model = K.Sequential([K.layers.Dense(4, activation="tanh", input_shape=(3,)), K.layers.Dense(1)])
    model.set_weights(WEIGHTS)
    model.compile(optimizer, "mse")
    return model


class Recorder(K.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.steps = []

    def on_train_batch_end(self, batch, logs=None):
        self.steps.append(self.model.get_weights())


def test_moving_average_follows_keras_rule_and_becomes_the_weights_at_the_end():
    recorder = Recorder()
    model = _model(K.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.8))
    model.fit(X, Y, epochs=2, batch_size=10, shuffle=False, verbose=0, callbacks=[recorder])
    average = [w.astype(np.float64) for w in recorder.steps[0]]  # the first step copies the weights
    for step in recorder.steps[1:]:
        average = [0.8 * a + 0.2 * w for a, w in zip(average, step)]
    for got, want in zip(model.get_weights(), average):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    config = model.optimizer.get_config()
    assert config["use_ema"] and config["ema_momentum"] == 0.8
    assert K.optimizers.deserialize(K.optimizers.serialize(model.optimizer)).get_config() == config


def test_overwrite_every_step_is_sgd_with_a_rate_scaled_by_one_minus_momentum():
    """With ``ema_overwrite_frequency=1`` each step sets ``w = m*w + (1-m)*(w - lr*g) = w - (1-m)*lr*g``
    (the first step copies, so it is a plain SGD step)."""
    ema = _model(K.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=1))
    ema.fit(X, Y, epochs=1, batch_size=10, shuffle=False, verbose=0)
    plain = _model(K.optimizers.SGD(0.1))
    plain.fit(X[:10], Y[:10], epochs=1, batch_size=10, shuffle=False, verbose=0)
    K.backend.set_value(plain.optimizer.lr, 0.05)
    plain.fit(X[10:], Y[10:], epochs=1, batch_size=10, shuffle=False, verbose=0)
    for got, want in zip(ema.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="ema_overwrite_frequency"):
        K.optimizers.SGD(use_ema=True, ema_overwrite_frequency=0)


def test_swap_ema_weights_needs_an_ema_optimizer():
    model = _model(K.optimizers.SGD(0.1))
    with pytest.raises(ValueError, match="use_ema=True"):
        model.fit(X, Y, epochs=1, verbose=0, validation_data=(XV, YV), callbacks=[K.callbacks.SwapEMAWeights()])


def test_swap_ema_weights_evaluates_with_the_averages():
    model = _model(K.optimizers.SGD(0.1, use_ema=True, ema_momentum=0.9))
    history = model.fit(X, Y, epochs=2, batch_size=10, shuffle=False, verbose=0, validation_data=(XV, YV),
                        callbacks=[K.callbacks.SwapEMAWeights()])
    raw = [v for v, _ in model.optimizer.ema_averages]
    assert len(raw) == 4
    # after fit the model holds the averages: evaluating now gives the last validation loss
    assert model.evaluate(XV, YV, verbose=0) == pytest.approx(history.history["val_loss"][-1], rel=1e-5)


KERAS_EMA = """
import json, sys
import numpy as np
import keras
d = json.load(sys.stdin)
out = []
for kwargs, swap in d["cases"]:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.set_weights([np.array(w, "float32") for w in d["weights"]])
    model.compile(keras.optimizers.SGD(**kwargs), "mse")
    callbacks = [keras.callbacks.SwapEMAWeights(swap_on_epoch=swap)] if swap is not None else []
    h = model.fit(np.array(d["x"], "float32"), np.array(d["y"], "float32"), epochs=3, batch_size=10,
                  shuffle=False, verbose=0,
                  validation_data=(np.array(d["xv"], "float32"), np.array(d["yv"], "float32")),
                  callbacks=callbacks)
    out.append({"weights": [w.tolist() for w in model.get_weights()], "val_loss": h.history["val_loss"]})
print("JSON" + json.dumps(out))
"""
CASES = [({"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.8}, None),
         ({"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.6, "ema_overwrite_frequency": 3}, None),
         ({"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.9}, False),
         ({"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.9}, True)]


@needs_keras
def test_ema_and_swap_match_keras_3():
    want = run_keras(KERAS_EMA, {"cases": CASES, "x": X.tolist(), "y": Y.tolist(), "xv": XV.tolist(),
                                 "yv": YV.tolist(), "weights": [w.tolist() for w in WEIGHTS]})
    for (kwargs, swap), keras_result in zip(CASES, want):
        model = _model(K.optimizers.SGD(**kwargs))
        callbacks = [K.callbacks.SwapEMAWeights(swap_on_epoch=swap)] if swap is not None else []
        history = model.fit(X, Y, epochs=3, batch_size=10, shuffle=False, verbose=0, validation_data=(XV, YV),
                            callbacks=callbacks)
        for got, exp in zip(model.get_weights(), keras_result["weights"]):
            np.testing.assert_allclose(got, np.array(exp), rtol=1e-4, atol=1e-5, err_msg=str((kwargs, swap)))
        np.testing.assert_allclose(history.history["val_loss"], keras_result["val_loss"], rtol=1e-4,
                                   err_msg=str((kwargs, swap)))
