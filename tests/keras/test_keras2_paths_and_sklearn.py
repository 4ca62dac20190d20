"""Keras 2 module paths (aliases of kflow's classes) and keras.wrappers.scikit_learn (KerasClassifier /
KerasRegressor; the scikit-learn tests are skipped when it is not installed)."""
import importlib

import numpy as np
import pytest

import kflow as kf
from kflow.keras import legacy_paths
from kflow.keras.wrappers.scikit_learn import KerasClassifier, KerasRegressor

L = kf.keras.layers


def test_every_keras_2_layer_module_holds_the_same_classes():
    for short, names in legacy_paths.LAYER_MODULES.items():
        module = importlib.import_module("kflow.keras.layers." + short)
        assert getattr(L, short) is module
        for name in names.split():
            assert getattr(module, name) is getattr(L, name), (short, name)
    from kflow.keras.layers.core import Dense
    from kflow.keras.layers.recurrent import LSTM
    from kflow.keras.engine.topology import Layer, InputSpec
    from kflow.keras.engine.training import Model
    from kflow.keras.engine import Input
    assert (Dense, LSTM, Layer, InputSpec, Model, Input) == (L.Dense, L.LSTM, L.Layer, L.InputSpec,
                                                             kf.keras.Model, kf.keras.Input)
    assert kf.keras.engine.base_layer.Layer is L.Layer and kf.keras.layers.noise.GaussianNoise is L.GaussianNoise


def _classifier(units=8, classes=3):
    model = kf.keras.Sequential([L.Dense(units, activation="relu", input_shape=(8,)),
                                 L.Dense(classes, activation="softmax")])
    model.compile(kf.keras.optimizers.Adam(0.05), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def _regressor(units=8):
    model = kf.keras.Sequential([L.Dense(units, activation="relu", input_shape=(8,)), L.Dense(1)])
    model.compile(kf.keras.optimizers.Adam(0.05), "mse")
    return model


def test_classifier_with_string_labels(blobs):
    (x, y), (x_val, y_val) = blobs
    names = np.array(["cat", "dog", "emu"])
    clf = KerasClassifier(_classifier, units=16, epochs=15, batch_size=32, verbose=0)
    clf.fit(x, names[y])
    assert list(clf.classes_) == ["cat", "dog", "emu"]
    predicted = clf.predict(x_val)
    assert predicted.dtype.kind == "U" and (predicted == names[y_val]).mean() > 0.9
    probs = clf.predict_proba(x_val)
    np.testing.assert_allclose(probs.sum(1), 1, rtol=1e-5)
    assert clf.score(x_val, names[y_val]) == pytest.approx((predicted == names[y_val]).mean(), abs=1e-6)
    assert clf.get_params()["units"] == 16 and clf.set_params(units=4).sk_params["units"] == 4
    with pytest.raises(ValueError, match="not_a_parameter is not a legal parameter"):
        KerasClassifier(_classifier, not_a_parameter=1)


def test_binary_classifier_and_regressor(blobs):
    (x, y), _ = blobs
    binary = (y == 0).astype(np.int64)

    def sigmoid_model():
        model = kf.keras.Sequential([L.Dense(1, activation="sigmoid", input_shape=(8,))])
        model.compile(kf.keras.optimizers.Adam(0.05), "binary_crossentropy", metrics=["accuracy"])
        return model

    clf = KerasClassifier(sigmoid_model, epochs=20, verbose=0)
    clf.fit(x, binary)
    assert clf.predict_proba(x[:5]).shape == (5, 2) and clf.score(x, binary) > 0.9
    target = x @ np.linspace(-1, 1, 8).astype(np.float32)
    reg = KerasRegressor(_regressor, epochs=30, verbose=0)
    reg.fit(x, target)
    assert reg.predict(x).shape == (len(x),)
    mse = float(np.mean((reg.predict(x) - target) ** 2))
    assert reg.score(x, target) == pytest.approx(-mse, rel=1e-3) and mse < 0.2 * target.var()


def test_with_scikit_learn(blobs):
    model_selection = pytest.importorskip("sklearn.model_selection")
    (x, y), _ = blobs
    np.random.seed(0)  # fit's shuffling; with the graph seed, weights too: the scores repeat run to run
    kf.set_random_seed(0)
    clf = KerasClassifier(_classifier, epochs=5, batch_size=64, verbose=0)
    scores = model_selection.cross_val_score(clf, x, y, cv=2)
    assert scores.shape == (2,) and scores.min() > 0.8
    search = model_selection.GridSearchCV(KerasClassifier(_classifier, epochs=3, verbose=0),
                                          {"units": [2, 16]}, cv=2)
    search.fit(x, y)
    assert search.best_params_["units"] in (2, 16)
