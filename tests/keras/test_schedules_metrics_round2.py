"""CosineDecayRestarts and Precision/Recall's top_k/class_id (issue 15, round 2): against numpy forms of
Keras's rules, against Keras 3 itself when the TensorFlow venv is there, and inside fit."""
import math

import numpy as np
import pytest

import kflow as kf
from tests.keras.keras_reference import needs_keras, run_keras

K = kf.keras
S = K.optimizers.schedules
STEPS = [0, 1, 7, 10, 11, 29, 30, 31, 69, 70, 150, 1000]
SCHEDULES = [{"initial_learning_rate": 0.1, "first_decay_steps": 10},
             {"initial_learning_rate": 0.1, "first_decay_steps": 10, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
             {"initial_learning_rate": 2.0, "first_decay_steps": 7, "t_mul": 1.5, "m_mul": 0.8, "alpha": 0.05}]


def _sgdr(step, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0):
    """Walks the periods one by one (SGDR's definition) instead of Keras's closed form."""
    start, length, i = 0.0, float(first_decay_steps), 0
    while step >= start + length:
        start, length, i = start + length, length * t_mul, i + 1
    fraction = (step - start) / length
    return initial_learning_rate * ((1 - alpha) * 0.5 * m_mul ** i * (1 + math.cos(math.pi * fraction)) + alpha)


def _schedule_values(config):
    schedule = S.CosineDecayRestarts(**config)
    step = kf.placeholder(kf.int64, [])
    rate = schedule(step)
    with kf.Session() as sess:
        return [float(sess.run(rate, {step: s})) for s in STEPS]


@pytest.mark.parametrize("config", SCHEDULES)
def test_cosine_decay_restarts_follows_sgdr(config):
    np.testing.assert_allclose(_schedule_values(config), [_sgdr(s, **config) for s in STEPS], rtol=2e-5, atol=1e-7)
    again = S.deserialize(S.serialize(S.CosineDecayRestarts(**config)))
    assert isinstance(again, S.CosineDecayRestarts)
    assert again.get_config() == S.CosineDecayRestarts(**config).get_config()


Y_TRUE = np.array([[0, 0, 1, 1], [1, 0, 0, 0], [0, 1, 1, 0], [0, 0, 0, 1]], np.float32)
Y_PRED = np.array([[0.1, 0.5, 0.3, 0.9], [0.6, 0.4, 0.2, 0.1], [0.2, 0.3, 0.6, 0.8], [0.7, 0.05, 0.2, 0.4]],
                  np.float32)
METRICS = [("Precision", {"top_k": 2}), ("Recall", {"top_k": 2}), ("Recall", {"class_id": 2}),
           ("Precision", {"class_id": 0, "thresholds": [0.3, 0.65]}),
           ("Precision", {"top_k": 1, "class_id": 3, "thresholds": [0.3, 0.85]}), ("Recall", {"top_k": 3})]


def _confusion_reference(kind, top_k=None, class_id=None, thresholds=None):
    pred = Y_PRED.astype(np.float64).copy()
    if top_k is not None:
        keep = np.zeros_like(pred, bool)
        np.put_along_axis(keep, np.argsort(-pred, axis=-1, kind="stable")[:, :top_k], True, axis=-1)
        pred = np.where(keep, pred, -1e10)
    true = Y_TRUE.astype(bool)
    if class_id is not None:
        pred, true = pred[:, class_id], true[:, class_id]
    thresholds = thresholds or ([0.5] if top_k is None else [-1e10])
    out = []
    for t in thresholds:
        predicted = pred > t
        tp = np.sum(predicted & true)
        other = np.sum(predicted & ~true) if kind == "Precision" else np.sum(~predicted & true)
        out.append(tp / (tp + other) if tp + other else 0.0)
    return out


@pytest.mark.parametrize("kind,kwargs", METRICS)
def test_top_k_and_class_id_follow_keras_rules(kind, kwargs):
    metric = getattr(K.metrics, kind)(**kwargs)
    metric.update_state(Y_TRUE, Y_PRED)
    np.testing.assert_allclose(np.ravel(metric.value()), _confusion_reference(kind, **kwargs), rtol=1e-6)
    again = type(metric).from_config(metric.get_config())
    assert again.get_config() == metric.get_config()


@needs_keras
def test_schedules_and_metrics_match_keras_3():
    script = """
import json, sys
import numpy as np
import keras
data = json.load(sys.stdin)
rates = [[float(keras.optimizers.schedules.CosineDecayRestarts(**c)(s)) for s in data["steps"]]
         for c in data["schedules"]]
metrics = []
for kind, kwargs in data["metrics"]:
    m = getattr(keras.metrics, kind)(**kwargs)
    m.update_state(np.array(data["y_true"]), np.array(data["y_pred"]))
    metrics.append(np.ravel(np.asarray(m.result())).tolist())
print("JSON" + json.dumps({"rates": rates, "metrics": metrics}))
"""
    want = run_keras(script, {"steps": STEPS, "schedules": SCHEDULES, "metrics": METRICS,
                              "y_true": Y_TRUE.tolist(), "y_pred": Y_PRED.tolist()})
    for config, rates in zip(SCHEDULES, want["rates"]):
        np.testing.assert_allclose(_schedule_values(config), rates, rtol=2e-5, atol=1e-7)
    for (kind, kwargs), values in zip(METRICS, want["metrics"]):
        metric = getattr(K.metrics, kind)(**kwargs)
        metric.update_state(Y_TRUE, Y_PRED)
        np.testing.assert_allclose(np.ravel(metric.value()), values, rtol=1e-6, err_msg="%s %s" % (kind, kwargs))


def test_top_k_metrics_and_restarts_schedule_in_fit():
    rng = np.random.RandomState(0)
    x = rng.randn(64, 5).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[rng.randint(4, size=64)]
    model = K.Sequential([K.layers.Dense(4, activation="softmax", input_shape=(5,))])
    schedule = S.CosineDecayRestarts(0.1, first_decay_steps=3)
    model.compile(K.optimizers.SGD(learning_rate=schedule), "categorical_crossentropy",
                  metrics=[K.metrics.Precision(top_k=2, name="p_at_2"), K.metrics.Recall(class_id=1, name="r1")])
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert set(history.history) >= {"p_at_2", "r1"}
    # two of four classes predicted per sample, one of them true at most: precision@2 <= 0.5
    assert 0.0 <= history.history["p_at_2"][-1] <= 0.5
    probs = model.predict(x)
    check = K.metrics.Precision(top_k=2)
    check.update_state(y, probs)
    assert model.evaluate(x, y, verbose=0)[1] == pytest.approx(check.value(), rel=1e-5)
