"""The round-2 layers travel in .h5 files both ways with real Keras 3 (the TensorFlow venv; skipped without it):
EinsumDense, GroupNormalization, Conv3DTranspose, ConvLSTM1D, ConvLSTM3D. (LocallyConnected is not in Keras 3;
the random layers are identities or Keras 3's RandomCrop passes images through at inference, so they are
checked by kflow's own round trips in tests/layers.)"""
import os
import subprocess
import textwrap
import warnings

import numpy as np
import pytest

import kflow as kf

K = kf.keras
L = K.layers
KERAS_PYTHON = os.environ.get("KFLOW_KERAS_PYTHON", "/work/venv-tf-fr18/bin/python")
pytestmark = pytest.mark.skipif(not os.path.exists(KERAS_PYTHON), reason="no Python with real Keras")


def _run_keras(script, *args):
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("PYTHONPATH", None)
    run = subprocess.run([KERAS_PYTHON, "-c", textwrap.dedent(script)] + list(args), capture_output=True, text=True,
                         env=env, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return run.stdout


def _kflow_models():
    # sigmoid gates: Keras 3's hard_sigmoid is relu6(x + 3) / 6, not Keras 2's 0.2 x + 0.5
    return {
        "einsum_gn": (K.Sequential([L.EinsumDense("abc,cd->abd", (None, 8), bias_axes="d", activation="relu",
                                                  input_shape=(5, 3)),
                                    L.GroupNormalization(4),
                                    L.EinsumDense("abc,cde->abde", (None, 2, 3), bias_axes="de")]), (5, 3)),
        "conv3dt": (K.Sequential([L.Conv3DTranspose(2, (2, 3, 2), strides=(2, 1, 2), padding="same",
                                                    output_padding=(1, 0, 1), input_shape=(3, 3, 3, 2))]),
                    (3, 3, 3, 2)),
        "convlstm": (K.Sequential([L.ConvLSTM1D(3, 2, padding="same", return_sequences=True,
                                                recurrent_activation="sigmoid", input_shape=(4, 6, 2)),
                                   L.Reshape((4, 6, 3, 1, 1)),
                                   L.ConvLSTM3D(2, (2, 2, 1), recurrent_activation="sigmoid")]), (4, 6, 2)),
    }


def test_real_keras_loads_kflow_files_of_the_new_layers(tmp_path):
    rng = np.random.RandomState(0)
    paths = []
    for name, (model, shape) in _kflow_models().items():
        model.compile("sgd", "mse")
        model.set_weights([rng.randn(*w.shape) * 0.3 for w in model.get_weights()])
        x = rng.randn(4, *shape).astype(np.float32)
        path = str(tmp_path / name)
        model.save(path + ".h5")
        np.savez(path + ".npz", x=x, y=model.predict(x))
        paths.append(path)
    out = _run_keras("""
        import sys, numpy as np, keras
        for p in sys.argv[1:]:
            m = keras.models.load_model(p + ".h5")
            d = np.load(p + ".npz")
            print(p, float(np.abs(m.predict(d["x"], verbose=0) - d["y"]).max()))
    """, *paths)
    lines = [line for line in out.splitlines() if line.startswith(str(tmp_path))]
    assert len(lines) == 3, out
    for line in lines:
        assert float(line.split()[-1]) < 1e-5, line


def test_kflow_loads_keras_files_of_the_new_layers(tmp_path):
    _run_keras("""
        import sys, numpy as np, keras
        L, out, rng = keras.layers, sys.argv[1], np.random.RandomState(1)
        models = {
            "einsum_gn": (keras.Sequential([keras.Input((5, 3)), L.EinsumDense("abc,cd->abd", (None, 8),
                          bias_axes="d", activation="relu"), L.GroupNormalization(4),
                          L.EinsumDense("...c,cd->...d", 2, bias_axes="d")]), (5, 3)),
            "conv3dt": (keras.Sequential([keras.Input((3, 3, 3, 2)), L.Conv3DTranspose(2, (2, 3, 2),
                        strides=(2, 1, 2), padding="same", output_padding=(1, 0, 1), activation="tanh")]),
                        (3, 3, 3, 2)),
            "convlstm": (keras.Sequential([keras.Input((4, 6, 2)), L.ConvLSTM1D(3, 2, padding="same",
                         return_sequences=True), L.Reshape((4, 6, 3, 1, 1)), L.ConvLSTM3D(2, (2, 2, 1))]), (4, 6, 2)),
        }
        for name, (m, shape) in models.items():
            for w in m.weights:
                w.assign(rng.randn(*w.shape).astype("float32") * 0.3)
            m.compile("sgd", "mse")
            x = rng.randn(4, *shape).astype("float32")
            m.save("%s/%s.h5" % (out, name))
            np.savez("%s/%s.npz" % (out, name), x=x, y=m.predict(x, verbose=0))
    """, str(tmp_path))
    for name, classes in [("einsum_gn", ["EinsumDense", "GroupNormalization", "EinsumDense"]),
                          ("conv3dt", ["Conv3DTranspose"]), ("convlstm", ["ConvLSTM1D", "Reshape", "ConvLSTM3D"])]:
        saved = np.load(str(tmp_path / (name + ".npz")))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # Keras 3's optimizer slots are not restored
            model = K.models.load_model(str(tmp_path / (name + ".h5")))
        assert [type(layer).__name__ for layer in model.layers] == classes
        np.testing.assert_allclose(model.predict(saved["x"]), saved["y"], rtol=1e-5, atol=1e-6)
