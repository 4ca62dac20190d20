"""Keras 3's Adam/AdamW(amsgrad=True), Ftrl, Lion and Adafactor (issue 15, round 2): against float64 numpy
forms of keras/src/optimizers/{adam,adamw,ftrl,lion,adafactor}.py, and against Keras 3 itself training the
same model with ``fit`` for several steps (when the TensorFlow venv is there)."""
import numpy as np
import pytest

import kflow as kf
from tests.keras.keras_reference import needs_keras, run_keras

K = kf.keras
O = K.optimizers
W0 = np.array([[1.0, -2.0, 0.3], [0.5, 3.0, -0.7]])
TARGET = np.array([[0.2, 0.1, 0.0], [-0.3, 0.4, 2.0]])
B0 = np.array([0.5, -1.0, 0.25])
STEPS = 6


def _grads(w, b):
    """Of ``mean((w - T)**2) + mean((b - w[0])**2 * 3)``: couples the matrix and the vector."""
    gw = 2 * (w - TARGET) / w.size
    gb = 6 * (b - w[0]) / b.size
    gw = gw.copy()
    gw[0] -= gb
    return gw, gb


def _kflow(opt):
    w = kf.Variable(W0.astype(np.float32), name="w")
    b = kf.Variable(B0.astype(np.float32), name="b")
    loss = kf.reduce_mean(kf.square(w - TARGET.astype(np.float32))) + kf.reduce_mean(kf.square(b - w[0]) * 3.0)
    op = opt.get_updates(loss, [w, b])
    sess = K.backend.get_session()
    for _ in range(STEPS):
        sess.run(op)
    return sess.run([w, b])


def _run(step, state_of):
    params = [W0.copy(), B0.copy()]
    states = [state_of(p) for p in params]
    for t in range(1, STEPS + 1):
        grads = _grads(*params)
        params = [step(p, g, s, t) for p, g, s in zip(params, grads, states)]
    return params


def _amsgrad(lr=0.1, wd=0.0, b1=0.9, b2=0.999, eps=1e-7):
    def step(p, g, s, t):
        p = p - wd * lr * p
        s["m"] += (g - s["m"]) * (1 - b1)
        s["v"] += (g * g - s["v"]) * (1 - b2)
        s["vhat"] = np.maximum(s["vhat"], s["v"])
        return p - lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t) * s["m"] / (np.sqrt(s["vhat"]) + eps)
    return _run(step, lambda p: {"m": np.zeros_like(p), "v": np.zeros_like(p), "vhat": np.zeros_like(p)})


def _ftrl(lr=0.1, power=-0.5, init=0.1, l1=0.01, l2=0.02, shrink=0.03, beta=0.5):
    def step(p, g, s, t):
        l2_t = l2 + beta / (2 * lr)
        g2 = g + 2 * shrink * p
        n_new = s["n"] + g * g
        s["z"] += g2 - (n_new ** -power - s["n"] ** -power) / lr * p
        quadratic = n_new ** -power / lr + 2 * l2_t
        s["n"] = n_new
        return (np.clip(s["z"], -l1, l1) - s["z"]) / quadratic
    return _run(step, lambda p: {"n": np.full_like(p, init), "z": np.zeros_like(p)})


def _lion(lr=0.05, b1=0.9, b2=0.99, wd=0.0):
    def step(p, g, s, t):
        p = p - wd * lr * p  # Keras 3's decoupled weight decay, before the step
        p = p - lr * np.sign(s["m"] * b1 + g * (1 - b1))
        s["m"] = s["m"] * b2 + g * (1 - b2)
        return p
    return _run(step, lambda p: {"m": np.zeros_like(p)})


def _adafactor(lr=0.5, decay=-0.8, eps1=1e-30, eps2=1e-3, clip=1.0, relative=True, wd=0.0):
    def rms(x):
        return np.sqrt(np.mean(x * x))

    def step(p, g, s, t):
        rate = min(lr, 1 / np.sqrt(t)) if relative else lr
        p = p - wd * lr * p  # the decay uses the optimizer's learning rate, not the relative step
        alpha = max(eps2, rms(p)) * min(rate, 1 / np.sqrt(t))
        reg = g * g + eps1
        beta2 = 1 - t ** decay
        if p.ndim >= 2:
            s["r"] = beta2 * s["r"] + (1 - beta2) * reg.mean(-1)
            s["c"] = beta2 * s["c"] + (1 - beta2) * reg.mean(-2)
            v = (s["r"] / s["r"].mean(-1, keepdims=True))[..., None] * s["c"][..., None, :]
        else:
            s["v"] = v = beta2 * s["v"] + (1 - beta2) * reg
        u = g / np.sqrt(v)
        return p - alpha * u / max(1.0, rms(u) / clip)
    return _run(step, lambda p: {"r": np.zeros(p.shape[:-1]), "c": np.zeros(p.shape[:-2] + p.shape[-1:]),
                                 "v": np.zeros_like(p)})


CASES = [
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}, _amsgrad),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 0.05, "amsgrad": True}, lambda: _amsgrad(wd=0.05)),
    ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.01, "l2_regularization_strength": 0.02,
              "l2_shrinkage_regularization_strength": 0.03, "beta": 0.5}, _ftrl),
    ("Ftrl", {"learning_rate": 0.3, "learning_rate_power": -0.7, "initial_accumulator_value": 0.5},
     lambda: _ftrl(lr=0.3, power=-0.7, init=0.5, l1=0.0, l2=0.0, shrink=0.0, beta=0.0)),
    ("Lion", {"learning_rate": 0.05}, _lion),
    ("Lion", {"learning_rate": 0.05, "weight_decay": 0.2}, lambda: _lion(wd=0.2)),
    ("Adafactor", {"learning_rate": 0.5}, _adafactor),
    ("Adafactor", {"learning_rate": 0.05, "relative_step": False, "clip_threshold": 0.5, "epsilon_2": 0.01},
     lambda: _adafactor(lr=0.05, relative=False, clip=0.5, eps2=0.01)),
    ("Adafactor", {"learning_rate": 0.5, "weight_decay": 0.1}, lambda: _adafactor(wd=0.1)),
]


@pytest.mark.parametrize("name,kwargs,reference", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_updates_follow_keras_rules(name, kwargs, reference):
    got = _kflow(getattr(O, name)(**kwargs))
    for g, want in zip(got, reference()):
        np.testing.assert_allclose(g, want, rtol=2e-5, atol=1e-5)  # float32 against float64


@pytest.mark.parametrize("name,kwargs", [(c[0], c[1]) for c in CASES])
def test_config_round_trip_and_get_by_name(name, kwargs):
    opt = getattr(O, name)(**kwargs)
    again = O.deserialize(O.serialize(opt))
    assert type(again) is type(opt) and again.get_config() == opt.get_config()
    assert isinstance(O.get(name.lower()), getattr(O, name))


def test_bad_hyperparameters_are_refused():
    with pytest.raises(ValueError, match="learning_rate_power"):
        O.Ftrl(learning_rate_power=0.5)
    with pytest.raises(ValueError, match="l1_regularization_strength"):
        O.Ftrl(l1_regularization_strength=-1.0)
    with pytest.raises(ValueError, match="beta_1"):
        O.Lion(beta_1=0.0)


KERAS_FIT = """
import json, sys
import numpy as np
import keras
data = json.load(sys.stdin)
x, y = np.array(data["x"], "float32"), np.array(data["y"], "float32")
out = []
for name, kwargs in data["cases"]:
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(4, activation="tanh"), keras.layers.Dense(1)])
    model.set_weights([np.array(w, "float32") for w in data["weights"]])
    model.compile(getattr(keras.optimizers, name)(**kwargs), "mse")
    model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)
    out.append([w.tolist() for w in model.get_weights()])
print("JSON" + json.dumps(out))
"""


@needs_keras
def test_fit_trajectories_match_keras_3():
    rng = np.random.RandomState(3)
    x, y = rng.randn(24, 3), rng.randn(24, 1)
    weights = [rng.randn(3, 4) * 0.5, rng.randn(4) * 0.1, rng.randn(4, 1) * 0.5, rng.randn(1) * 0.1]
    cases = [(name, kwargs) for name, kwargs, _ in CASES]
    want = run_keras(KERAS_FIT, {"x": x.tolist(), "y": y.tolist(), "weights": [w.tolist() for w in weights],
                                 "cases": cases})
    for (name, kwargs), keras_weights in zip(cases, want):
        model = K.Sequential([K.layers.Dense(4, activation="tanh", input_shape=(3,)), K.layers.Dense(1)])
        model.set_weights([w.astype(np.float32) for w in weights])
        model.compile(getattr(O, name)(**kwargs), "mse")
        model.fit(x.astype(np.float32), y.astype(np.float32), epochs=4, batch_size=8, shuffle=False, verbose=0)
        for got, exp in zip(model.get_weights(), keras_weights):
            np.testing.assert_allclose(got, np.array(exp), rtol=1e-4, atol=2e-5, err_msg=name)
