import json

import h5py
import numpy as np
import pytest

import kflow as kf
from kflow.keras import layers

from keras_testlib import mlp


class Scale(layers.Layer):
    """A custom layer: multiplies by a learned per-feature factor."""

    def __init__(self, init=1.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.factor = self.add_weight("factor", [int(input_shape[-1])],
                                      initializer=kf.constant_initializer(self.init))
        super().build(input_shape)

    def call(self, inputs):
        return inputs * self.factor

    def get_config(self):
        config = super().get_config()
        config["init"] = self.init
        return config


def _trained(blobs, model=None):
    (x, y), _ = blobs
    model = model or mlp()
    model.fit(x, y, epochs=2, verbose=0)
    return model


def test_save_load_model_round_trip_and_continue(blobs, tmp_path):
    (x, y), (xv, yv) = blobs
    model = _trained(blobs)
    path = str(tmp_path / "m.h5")
    model.save(path)
    with h5py.File(path, "r") as f:  # Keras's layout
        assert json.loads(f.attrs["model_config"])["class_name"] == "Sequential"
        assert "optimizer_weights" in f and "model_weights" in f
        assert json.loads(f.attrs["training_config"])["loss"] == "sparse_categorical_crossentropy"
    loaded = kf.keras.models.load_model(path)
    assert loaded.graph is model.graph and not {w.name for w in loaded.weights} & {w.name for w in model.weights}
    assert np.array_equal(model.predict(xv), loaded.predict(xv))
    assert np.allclose(model.evaluate(xv, yv), loaded.evaluate(xv, yv))
    for m in (model, loaded):  # same data order, same optimizer state: identical training
        m.fit(x, y, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(a, b)
    assert np.array_equal(model.optimizer.get_weights()[0], loaded.optimizer.get_weights()[0])


def test_functional_model_with_custom_layer(blobs, tmp_path):
    (x, y), (xv, _) = blobs
    inp = kf.keras.Input(shape=(8,))
    out = layers.Dense(3, activation="softmax")(Scale(0.5)(inp))
    model = kf.keras.Model(inp, out)
    model.compile(kf.keras.optimizers.RMSprop(lr=0.01), "sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "f.h5")
    model.save(path)
    with pytest.raises(ValueError, match="custom_objects"):
        kf.keras.models.load_model(path)
    loaded = kf.keras.models.load_model(path, custom_objects={"Scale": Scale})
    assert isinstance(loaded.layers[1], Scale) and loaded.layers[1].init == 0.5
    assert np.array_equal(model.predict(xv), loaded.predict(xv))
    assert np.isclose(loaded.optimizer.get_config()["learning_rate"], 0.01)


def test_save_weights_load_weights(blobs, tmp_path):
    (_, _), (xv, _) = blobs
    model = _trained(blobs)
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    other = mlp()
    assert not np.allclose(model.predict(xv), other.predict(xv))
    other.load_weights(path)
    assert np.array_equal(model.predict(xv), other.predict(xv))
    with pytest.raises(ValueError, match="No model found"):
        kf.keras.models.load_model(path)
    wrong = kf.keras.Sequential([layers.Dense(3, input_shape=(8,))])
    with pytest.raises(ValueError, match="layers with weights"):
        wrong.load_weights(path)


def test_load_weights_by_name(blobs, tmp_path):
    (_, _), (xv, _) = blobs
    model = _trained(blobs)
    path = str(tmp_path / "w.h5")
    model.save_weights(path)
    names = [l.name for l in model.layers]
    extra = kf.keras.Sequential([layers.Dense(16, activation="relu", input_shape=(8,), name=names[0]),
                                 layers.Dense(3, activation="softmax", name=names[1]),
                                 layers.Dense(3, name="new_head")])
    extra.load_weights(path, by_name=True)
    assert np.array_equal(extra.layers[0].get_weights()[0], model.layers[0].get_weights()[0])


def test_to_json_and_model_from_json(blobs):
    model = _trained(blobs)
    clone = kf.keras.models.model_from_json(model.to_json())
    assert [type(l).__name__ for l in clone.layers] == ["Dense", "Dense"]
    assert clone.output_shape == model.output_shape


def _double(t):
    return t * 2.0


def test_lambda_layer_round_trip_with_custom_objects(tmp_path):
    # Lambda.from_config looks its function up in custom_objects: load_model must pass them through.
    model = kf.keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Lambda(_double)])
    model.compile("sgd", "mse")
    path = str(tmp_path / "lambda.h5")
    model.save(path)
    with pytest.raises(ValueError, match="Lambda layer .* safe_mode=False"):  # opt-in needed, as in Keras 3
        kf.keras.models.load_model(path, custom_objects={"_double": _double})
    with pytest.raises(ValueError, match="custom_objects"):
        kf.keras.models.load_model(path, safe_mode=False)
    loaded = kf.keras.models.load_model(path, custom_objects={"_double": _double}, safe_mode=False)
    x = np.random.RandomState(0).randn(5, 4).astype(np.float32)
    assert np.allclose(loaded.predict(x), 2.0 * (x @ model.get_weights()[0] + model.get_weights()[1]), atol=1e-6)
    assert np.array_equal(loaded.predict(x), model.predict(x))


def test_recompiled_model_restores_its_optimizer_state(blobs, tmp_path):
    # After a recompile the slot variables get uniquified names: state is matched by order and shape.
    (x, y), _ = blobs
    model = _trained(blobs)
    model.compile(model.optimizer, "sparse_categorical_crossentropy", metrics=["acc"])
    model.fit(x, y, epochs=1, verbose=0)
    path = str(tmp_path / "re.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    for a, b in zip(model.optimizer.get_weights(), loaded.optimizer.get_weights()):
        assert np.array_equal(a, b)
    for m in (model, loaded):
        m.fit(x, y, epochs=1, shuffle=False, verbose=0)
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        assert np.array_equal(a, b)
