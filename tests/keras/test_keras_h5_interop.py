"""Model files travel between kflow and Keras: kflow reads .h5 files written by Keras 3.15 (committed fixtures,
made by tools/make_keras_h5_fixtures.py) and writes tf.keras 2's layout, which real Keras loads (checked with
the TensorFlow venv when it is there)."""
import json
import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pytest

import kflow as kf

K = kf.keras
L = K.layers
FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
KERAS_PYTHON = os.environ.get("KFLOW_KERAS_PYTHON", "/work/venv-tf-fr18/bin/python")


@pytest.mark.parametrize("name,classes", [
    ("keras_mlp", ["Dense", "Dropout", "Dense"]),
    ("keras_branches", ["InputLayer", "Dense", "Dense", "Concatenate", "BatchNormalization", "Dense"]),
    ("keras_cnn", ["Conv2D", "MaxPooling2D", "Flatten", "Dense"])])
def test_kflow_loads_files_written_by_keras_and_predicts_the_same(name, classes):
    saved = np.load(os.path.join(FIXTURES, name + ".npz"))
    with pytest.warns(RuntimeWarning, match="optimizer state not restored"):  # Keras 3's slots differ
        model = K.models.load_model(os.path.join(FIXTURES, name + ".h5"))
    assert [type(l).__name__ for l in model.layers] == classes
    np.testing.assert_allclose(model.predict(saved["x"]), saved["y"], rtol=1e-5, atol=1e-6)
    assert model.optimizer is not None and model.loss is not None  # compiled from the training config
    y = np.zeros((len(saved["x"]),) + saved["y"].shape[1:-1] + (1,)) if name != "keras_cnn" else saved["y"]
    before = model.get_weights()
    model.fit(saved["x"], y, epochs=1, verbose=0)  # and trains on
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


def _models():
    inp = K.Input(shape=(6,), name="features")
    left, right = L.Dense(4, activation="tanh", name="left")(inp), L.Dense(4, activation="relu", name="right")(inp)
    merged = L.BatchNormalization(name="bn")(L.Concatenate(name="merge")([left, right]))
    branches = K.Model(inp, L.Dense(1, activation="sigmoid", name="score")(merged))
    branches.compile(K.optimizers.SGD(0.1, momentum=0.9), "binary_crossentropy", metrics=["accuracy"])
    cnn = K.Sequential([L.Conv2D(4, 3, activation="relu", padding="same", input_shape=(8, 8, 1)), L.MaxPooling2D(2),
                        L.Flatten(), L.Dropout(0.3), L.Dense(2)])
    cnn.compile("rmsprop", "mse", metrics=["mae"])
    mlp = K.Sequential([L.Dense(8, activation="relu", input_shape=(6,)), L.Dense(3, activation="softmax")])
    mlp.compile(K.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    rng = np.random.RandomState(0)
    return [("branches", branches, rng.randn(16, 6), rng.randint(0, 2, (16, 1))),
            ("cnn", cnn, rng.rand(16, 8, 8, 1), rng.rand(16, 2)),
            ("mlp", mlp, rng.randn(16, 6), rng.randint(0, 3, 16))]


def _save_all(tmp_path):
    paths = []
    for name, model, x, y in _models():
        x = x.astype(np.float32)
        model.fit(x, y, epochs=1, verbose=0)
        path = str(tmp_path / name)
        model.save(path + ".h5")
        np.savez(path + ".npz", x=x[:5], y=model.predict(x[:5]))
        paths.append(path)
    return paths


def test_kflow_files_have_the_tf_keras_2_layout(tmp_path):
    path = _save_all(tmp_path)[2] + ".h5"
    with h5py.File(path, "r") as f:
        assert {"keras_version", "backend", "model_config", "training_config"} <= set(f.attrs)
        config = json.loads(f.attrs["model_config"])
        first = config["config"]["layers"][0]
        assert first["class_name"] == "InputLayer" and first["config"]["batch_input_shape"] == [None, 6]
        training = json.loads(f.attrs["training_config"])
        assert training["loss"] == "sparse_categorical_crossentropy"
        assert "learning_rate" in training["optimizer_config"]["config"] and \
            "lr" not in training["optimizer_config"]["config"]
        weights = f["model_weights"]
        names = [n.decode() for n in weights.attrs["layer_names"]]
        assert len(names) == 2 and all(n.startswith("dense") for n in names)
        for layer in names:
            for w in weights[layer].attrs["weight_names"]:
                assert isinstance(weights[layer][w.decode()], h5py.Dataset)
        opt = f["optimizer_weights"]
        assert all(isinstance(opt[n.decode()], h5py.Dataset) for n in opt.attrs["weight_names"])
    again = K.models.load_model(path)  # and kflow reads its own file (InputLayer entry first)
    assert [type(l).__name__ for l in again.layers] == ["Dense", "Dense"]


def test_an_option_kflow_does_not_have_is_an_error_not_silently_dropped():
    from kflow.keras.model.keras_format import to_kflow
    entry = {"class_name": "Dense", "config": {"name": "d", "units": 2, "lora_rank": 4, "quantization_config": None}}
    with pytest.raises(ValueError, match="lora_rank=4"):
        to_kflow(entry)
    assert "quantization_config" not in to_kflow(dict(entry, config={"name": "d", "units": 2,
                                                                     "quantization_config": None}))["config"]


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON), reason="no Python with real Keras (KFLOW_KERAS_PYTHON)")
def test_real_keras_loads_kflow_files_and_predicts_the_same(tmp_path):
    paths = _save_all(tmp_path)
    script = textwrap.dedent("""
        import sys, numpy as np, keras
        for p in sys.argv[1:]:
            m = keras.models.load_model(p + ".h5")
            d = np.load(p + ".npz")
            print(p, m.input_shape, float(np.abs(m.predict(d["x"], verbose=0) - d["y"]).max()))
    """)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("PYTHONPATH", None)
    run = subprocess.run([KERAS_PYTHON, "-c", script] + paths, capture_output=True, text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [l for l in run.stdout.splitlines() if l.startswith(str(tmp_path))]
    assert len(lines) == 3, run.stdout
    for line in lines:
        assert "None, None" not in line and float(line.split()[-1]) < 1e-5, line
