"""Keras model files: damaged files give DataLossError naming the file, failed writes FileWriteError, Lambda
layers need safe_mode=False, and config class names resolve only to layer classes (issue 14)."""
import json
import os
import time

import numpy as np
import pytest

import kflow as kf
from kflow import errors

layers = kf.keras.layers


def _double(t):
    return t * 2.0


def _model():
    model = kf.keras.Sequential([layers.Dense(4, input_shape=(3,), activation="relu"), layers.Dense(2)])
    model.compile("adam", "mse")
    return model


def test_lambda_layers_load_only_with_safe_mode_off(tmp_path):
    model = kf.keras.Sequential([layers.Dense(3, input_shape=(4,)), layers.Lambda(_double, name="twice")])
    path = str(tmp_path / "lambda.h5")
    model.save(path)
    for load in (lambda: kf.keras.models.load_model(path, custom_objects={"_double": _double}),
                 lambda: kf.keras.models.model_from_json(model.to_json(), custom_objects={"_double": _double})):
        with pytest.raises(ValueError, match="Lambda layer 'twice'.*pass safe_mode=False"):
            load()
    loaded = kf.keras.models.load_model(path, custom_objects={"_double": _double}, safe_mode=False)
    x = np.ones((2, 4), np.float32)
    np.testing.assert_array_equal(loaded.predict(x), model.predict(x))


@pytest.mark.parametrize("name", ["__builtins__", "__class__", "InputSpec", "__dict__", "__name__", "_flatten"])
def test_unknown_layer_class_names(name):
    config = json.loads(_model().to_json())
    config["config"]["layers"][0]["class_name"] = name
    with pytest.raises(ValueError, match="Unknown layer: %s" % name):
        kf.keras.models.model_from_json(json.dumps(config))


def test_truncated_or_damaged_model_files_raise_data_loss_naming_the_file(ram_tmp_path, bit_flips):
    model = _model()
    path = str(ram_tmp_path / "model.h5")
    model.save(path)
    data = open(path, "rb").read()
    damaged = str(ram_tmp_path / "damaged.h5")
    rng = np.random.default_rng(8)
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    expected = model.predict(x)
    outcomes = {"same": 0, "DataLossError": 0}
    for case in range(25):  # whole loads: a truncation anywhere (as the adversarial pass did)
        with open(damaged, "wb") as f:
            f.write(data[:int(rng.integers(0, len(data)))])
        with pytest.raises(errors.DataLossError, match="damaged.h5"):
            kf.keras.models.load_model(damaged)
    target = _model()
    for _, flipped in bit_flips(data, 300, rng):  # single bit flips, read back as weights
        with open(damaged, "wb") as f:
            f.write(flipped)
        started = time.monotonic()
        try:
            target.load_weights(damaged)
        except errors.DataLossError as e:
            assert "damaged.h5" in str(e)
            outcomes["DataLossError"] += 1
        except ValueError as e:  # a damaged layer/weight name: the file no longer matches the model
            assert "weight" in str(e) or "layer" in str(e), e
        else:
            np.testing.assert_array_equal(target.predict(x), expected)
            outcomes["same"] += 1
        assert time.monotonic() - started < 5
    assert outcomes["DataLossError"] > 10, outcomes


def test_full_disk_during_model_save_keeps_the_previous_file(tmp_path, full_disk):
    model = kf.keras.Sequential([layers.Dense(300, input_shape=(300,))])
    path = str(tmp_path / "model.h5")
    model.save(path)
    before = open(path, "rb").read()
    full_disk(len(before) // 2)
    with pytest.raises(errors.FileWriteError, match=r"model\.h5.*File too large"):
        model.save(path)
    assert os.listdir(tmp_path) == ["model.h5"] and open(path, "rb").read() == before


def test_next_save_removes_temporary_files_of_killed_saves(tmp_path):
    stale = tmp_path / (".model.h5.%d.0123456789ab.tmp" % (2 ** 22 + 7))
    stale.write_bytes(b"\x00" * 100)
    _model().save(str(tmp_path / "model.h5"))
    assert os.listdir(tmp_path) == ["model.h5"]
