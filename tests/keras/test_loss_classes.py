"""Keras loss classes: values against numpy, reductions, sample weights, from_logits, configs, use in compile."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras import backend as K

losses = kf.keras.losses


def _run(t):
    return K.get_session().run(t)


def _softmax(z):
    e = np.exp(z - z.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


RNG = np.random.RandomState(0)
Y_REG = RNG.rand(4, 3).astype(np.float32) + 0.5
P_REG = RNG.rand(4, 3).astype(np.float32) + 0.5
LOGITS = RNG.randn(4, 3).astype(np.float32)
LABELS = np.array([0, 2, 1, 2])
ONE_HOT = np.eye(3, dtype=np.float32)[LABELS]
PM1 = np.sign(RNG.randn(4, 3)).astype(np.float32)

CASES = [
    (losses.MeanSquaredError(), Y_REG, P_REG, ((P_REG - Y_REG) ** 2).mean(-1)),
    (losses.MeanAbsoluteError(), Y_REG, P_REG, np.abs(P_REG - Y_REG).mean(-1)),
    (losses.MeanAbsolutePercentageError(), Y_REG, P_REG, 100 * np.abs((Y_REG - P_REG) / Y_REG).mean(-1)),
    (losses.MeanSquaredLogarithmicError(), Y_REG, P_REG, ((np.log1p(P_REG) - np.log1p(Y_REG)) ** 2).mean(-1)),
    (losses.Hinge(), PM1, LOGITS, np.maximum(1 - PM1 * LOGITS, 0).mean(-1)),
    (losses.SquaredHinge(), PM1, LOGITS, (np.maximum(1 - PM1 * LOGITS, 0) ** 2).mean(-1)),
    (losses.CategoricalHinge(), ONE_HOT, LOGITS,
     np.maximum(((1 - ONE_HOT) * LOGITS).max(-1) - (ONE_HOT * LOGITS).sum(-1) + 1, 0)),
    (losses.LogCosh(), Y_REG, P_REG, np.log(np.cosh(P_REG - Y_REG)).mean(-1)),
    (losses.Huber(delta=0.3), Y_REG, P_REG,
     np.where(np.abs(P_REG - Y_REG) <= 0.3, 0.5 * (P_REG - Y_REG) ** 2,
              0.3 * (np.abs(P_REG - Y_REG) - 0.15)).mean(-1)),
    (losses.KLDivergence(), _softmax(Y_REG), _softmax(P_REG),
     (_softmax(Y_REG) * np.log(_softmax(Y_REG) / _softmax(P_REG))).sum(-1)),
    (losses.Poisson(), Y_REG, P_REG, (P_REG - Y_REG * np.log(P_REG + 1e-7)).mean(-1)),
    (losses.CosineSimilarity(), Y_REG, P_REG,
     -(Y_REG * P_REG).sum(-1) / np.linalg.norm(Y_REG, axis=-1) / np.linalg.norm(P_REG, axis=-1)),
    (losses.CategoricalCrossentropy(from_logits=True), ONE_HOT, LOGITS,
     -(ONE_HOT * np.log(_softmax(LOGITS))).sum(-1)),
    (losses.CategoricalCrossentropy(), ONE_HOT, _softmax(LOGITS), -(ONE_HOT * np.log(_softmax(LOGITS))).sum(-1)),
    (losses.SparseCategoricalCrossentropy(from_logits=True), LABELS, LOGITS,
     -np.log(_softmax(LOGITS)[np.arange(4), LABELS])),
    (losses.BinaryCrossentropy(from_logits=True), (PM1 > 0).astype(np.float32), LOGITS,
     (np.maximum(LOGITS, 0) - LOGITS * (PM1 > 0) + np.log1p(np.exp(-np.abs(LOGITS)))).mean(-1)),
]


@pytest.mark.parametrize("loss,y_true,y_pred,expected", CASES, ids=[type(c[0]).__name__ for c in CASES])
def test_loss_classes_match_numpy_per_sample_and_reduced(loss, y_true, y_pred, expected):
    np.testing.assert_allclose(_run(loss.call(y_true, y_pred)), expected, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(_run(loss(y_true, y_pred)), expected.mean(), rtol=1e-4, atol=1e-5)


def test_reductions_and_sample_weight():
    y, p = Y_REG, P_REG
    per = ((p - y) ** 2).mean(-1)
    w = np.array([1.0, 0.0, 2.0, 0.5], np.float32)
    none = losses.MeanSquaredError(reduction="none")
    np.testing.assert_allclose(_run(none(y, p, sample_weight=w)), per * w, rtol=1e-5)
    np.testing.assert_allclose(_run(losses.MeanSquaredError(reduction="sum")(y, p, w)), (per * w).sum(), rtol=1e-5)
    np.testing.assert_allclose(_run(losses.MeanSquaredError()(y, p, w)), (per * w).sum() / 4, rtol=1e-5)
    with pytest.raises(ValueError, match="Invalid Reduction"):
        losses.MeanSquaredError(reduction="mean")


def test_label_smoothing():
    loss = losses.CategoricalCrossentropy(label_smoothing=0.2)
    smooth = ONE_HOT * 0.8 + 0.2 / 3
    np.testing.assert_allclose(_run(loss(ONE_HOT, _softmax(LOGITS))),
                               -(smooth * np.log(_softmax(LOGITS))).sum(-1).mean(), rtol=1e-5)
    assert loss.get_config()["label_smoothing"] == 0.2


def test_config_round_trip_and_serialize():
    loss = losses.Huber(delta=2.0, reduction="sum", name="h")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.Huber and again.get_config() == loss.get_config() == \
        {"delta": 2.0, "reduction": "sum", "name": "h"}
    assert losses.get("Huber").get_config()["delta"] == 1.0
    assert losses.get("kl_divergence") is losses.kullback_leibler_divergence
    with pytest.raises(TypeError, match="unexpected"):
        losses.MeanSquaredError(delta=1.0)


def test_beginner_tutorial_compiles_with_a_loss_object_and_saves(tmp_path, blobs):
    """The Keras beginner tutorial: logits output, SparseCategoricalCrossentropy(from_logits=True)."""
    (x, y), _ = blobs
    layers = kf.keras.layers
    model = kf.keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,)), layers.Dense(3)])
    loss_fn = losses.SparseCategoricalCrossentropy(from_logits=True)
    model.compile("adam", loss=loss_fn, metrics=["accuracy"])
    first = model.evaluate(x, y)[0]
    model.fit(x, y, epochs=5, verbose=0)
    loss, acc = model.evaluate(x, y)
    logits = model.predict(x)
    expected = -np.log(_softmax(logits.astype(np.float64))[np.arange(len(y)), y]).mean()
    assert loss < first and abs(loss - expected) < 1e-4
    assert abs(acc - (logits.argmax(-1) == y).mean()) < 1e-6
    model.save(str(tmp_path / "m.h5"))
    loaded = kf.keras.models.load_model(str(tmp_path / "m.h5"))
    assert type(loaded.loss) is losses.SparseCategoricalCrossentropy and loaded.loss.get_config()["from_logits"]
    np.testing.assert_allclose(loaded.evaluate(x, y)[0], loss, rtol=1e-5)


def test_dice_and_tversky_match_keras_docstring_values():
    # the example of keras.losses.dice (Keras 3.15): 0.6164384 over all axes, [0.5, 0.75757575] per sample
    y_true = np.array([[[[1.0], [1.0]], [[0.0], [0.0]]], [[[1.0], [1.0]], [[0.0], [0.0]]]], np.float32)
    y_pred = np.array([[[[0.0], [1.0]], [[0.0], [1.0]]], [[[0.4], [0.0]], [[0.0], [0.9]]]], np.float32)
    assert _run(losses.dice(y_true, y_pred)) == pytest.approx(0.6164384, rel=1e-5)
    np.testing.assert_allclose(_run(losses.dice(y_true, y_pred, axis=[1, 2, 3])), [0.5, 0.75757575], rtol=1e-5)
    # alpha = beta = 0.5 is the Dice loss; Keras 3 weighs sum((1 - p) y) by alpha and sum(p (1 - y)) by beta
    assert _run(losses.tversky(y_true, y_pred)) == pytest.approx(0.6164384, rel=1e-5)
    tp, missed, extra = 1.4, 2.6, 1.9
    assert _run(losses.Tversky(alpha=0.2, beta=0.8)(y_true, y_pred)) == \
        pytest.approx(1 - tp / (tp + 0.2 * missed + 0.8 * extra), rel=1e-5)
