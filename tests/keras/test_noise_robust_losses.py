"""CategoricalGeneralizedCrossEntropy and Circle (issue 15, round 2): float64 numpy references written from
the papers' definitions as Keras 3 states them, Keras 3 itself (when the TensorFlow venv is there), gradient
checks, configs, and use in fit."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from tests.keras.keras_reference import needs_keras, run_keras

K = kf.keras
L = K.losses
RNG = np.random.RandomState(0)
EMB = RNG.randn(7, 4)
EMB /= np.linalg.norm(EMB, axis=1, keepdims=True)
LABELS = np.array([0, 1, 0, 2, 1, 3, 0])
PROBS = np.array([[0.8, 0.1, 0.1], [0.2, 0.2, 0.6], [0.3, 0.5, 0.2]])
IDS = np.array([0, 2, 0])


def _gce(ids, probs, q):
    p = probs[np.arange(len(ids)), ids]
    return (1 - p ** q) / q


def _circle(labels, emb, gamma=80.0, margin=0.4, remove_diagonal=True):
    out = []
    for i in range(len(labels)):
        pos, neg = [], []
        for j in range(len(labels)):
            d = max(1 - emb[i] @ emb[j], 0.0)
            if labels[i] == labels[j]:
                if not (remove_diagonal and i == j):
                    pos.append(-gamma * max(margin + d, 0) * (margin - d))
            else:
                neg.append(gamma * max(1 + margin - d, 0) * (1 - margin - d))
        lse = [np.logaddexp.reduce(terms) if terms else -np.inf for terms in (pos, neg)]
        out.append(np.logaddexp(0.0, lse[0] + lse[1]))
    return np.array(out)


def _run(t):
    return kf.Session().run(t)


@pytest.mark.parametrize("q", [0.1, 0.5, 0.9])
def test_generalized_cross_entropy_matches_reference(q):
    got = _run(L.categorical_generalized_cross_entropy(IDS, PROBS, q))
    np.testing.assert_allclose(got, _gce(IDS, PROBS, q), rtol=1e-12)
    loss = L.CategoricalGeneralizedCrossEntropy(q=q)
    np.testing.assert_allclose(_run(loss(IDS[:, None], PROBS)), _gce(IDS, PROBS, q).mean(), rtol=1e-12)
    check_gradients(lambda p: L.categorical_generalized_cross_entropy(IDS, p, q), [PROBS])


@pytest.mark.parametrize("kwargs", [{}, {"gamma": 10.0, "margin": 0.25}, {"remove_diagonal": False, "gamma": 5.0}])
def test_circle_matches_reference(kwargs):
    per_sample = _circle(LABELS, EMB, **kwargs)
    np.testing.assert_allclose(_run(L.circle(LABELS, EMB, **kwargs)), per_sample, rtol=1e-9, atol=1e-12)
    loss = L.Circle(**kwargs)
    masked_mean = per_sample.sum() / (np.sum(per_sample > 0) + 1e-7)  # Keras's mask: samples with a loss; + eps
    np.testing.assert_allclose(_run(loss(LABELS, EMB)), masked_mean, rtol=1e-9)
    check_gradients(lambda e: L.circle(LABELS, e, gamma=5.0, margin=0.3), [EMB], rtol=1e-4)


def test_configs_and_errors():
    for loss in (L.CategoricalGeneralizedCrossEntropy(q=0.3), L.Circle(gamma=12.0, remove_diagonal=False)):
        again = L.deserialize(L.serialize(loss))
        assert type(again) is type(loss) and again.get_config() == loss.get_config()
    assert isinstance(L.get("Circle"), L.Circle)
    assert L.get("categorical_generalized_cross_entropy") is L.categorical_generalized_cross_entropy
    with pytest.raises(ValueError, match="q must be in"):
        L.CategoricalGeneralizedCrossEntropy(q=1.0)


@needs_keras
def test_losses_match_keras_3():
    script = """
import json, sys
import numpy as np
import keras
d = json.load(sys.stdin)
emb, labels = np.array(d["emb"], "float32"), np.array(d["labels"])
probs, ids = np.array(d["probs"], "float32"), np.array(d["ids"])
print("JSON" + json.dumps({
    "circle": float(keras.losses.Circle()(labels, emb)),
    "circle_samples": np.asarray(keras.losses.circle(labels, emb, gamma=10.0, margin=0.25)).tolist(),
    "gce": float(keras.losses.CategoricalGeneralizedCrossEntropy(q=0.7)(ids, probs))}))
"""
    want = run_keras(script, {"emb": EMB.tolist(), "labels": LABELS.tolist(), "probs": PROBS.tolist(),
                              "ids": IDS.tolist()})
    emb, probs = EMB.astype(np.float32), PROBS.astype(np.float32)
    np.testing.assert_allclose(_run(L.Circle()(LABELS, emb)), want["circle"], rtol=1e-5)
    np.testing.assert_allclose(_run(L.circle(LABELS, emb, gamma=10.0, margin=0.25)), want["circle_samples"],
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(_run(L.CategoricalGeneralizedCrossEntropy(q=0.7)(IDS, probs)), want["gce"], rtol=1e-6)


def test_losses_train_in_fit():
    rng = np.random.RandomState(1)
    x = rng.randn(96, 6).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int32) + 2 * (x[:, 1] > 0).astype(np.int32)
    clf = K.Sequential([K.layers.Dense(4, activation="softmax", input_shape=(6,))])
    clf.compile(K.optimizers.Adam(0.05), L.CategoricalGeneralizedCrossEntropy(q=0.7))
    history = clf.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert history[-1] < history[0]
    embed = K.Sequential([K.layers.Dense(4, input_shape=(6,)), K.layers.Lambda(lambda t: kf.nn.l2_normalize(t, -1))])
    embed.compile(K.optimizers.Adam(0.05), L.Circle(gamma=10.0))
    history = embed.fit(x, y, epochs=10, batch_size=32, verbose=0).history["loss"]
    assert history[-1] < history[0]
