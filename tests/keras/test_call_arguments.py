"""A functional layer call's other arguments (initial_state, an attention layer's value and mask) are edges of
the model: the layers feeding them are in the model (trained, saved), and calling, rebuilding, saving and
loading the model replays them; files travel to and from real Keras 3 (checked when its venv is there)."""
import json
import os
import subprocess
import textwrap

import numpy as np
import pytest

import kflow as kf
from kflow.keras.model.node_config import legacy_node

K = kf.keras
L = K.layers
KERAS_PYTHON = os.environ.get("KFLOW_KERAS_PYTHON", "/work/venv-tf-fr18/bin/python")


def _seq2seq():
    encoder_inputs = K.Input((None, 5), name="encoder_inputs")
    # sigmoid gates: Keras 3 redefined "hard_sigmoid" (x/6 + 1/2, not tf.keras 2's 0.2x + 1/2, kflow's default)
    _, h, c = L.LSTM(8, return_state=True, recurrent_activation="sigmoid", name="encoder")(encoder_inputs)
    decoder_inputs = K.Input((None, 4), name="decoder_inputs")
    decoded = L.LSTM(8, return_sequences=True, recurrent_activation="sigmoid", name="decoder")(
        decoder_inputs, initial_state=[h, c])
    return K.Model([encoder_inputs, decoder_inputs], L.Dense(4, activation="softmax", name="out")(decoded))


def _attention():
    query = K.Input((3, 4), name="query")
    source = K.Input((5, 4), name="source")
    mask = K.Input((3, 5), name="mask")
    value = L.Dense(4, name="value_proj")(source)
    attended = L.MultiHeadAttention(2, 2, name="mha")(query, value, attention_mask=mask)
    return K.Model([query, source, mask], L.Dense(2, name="out")(attended))


def _data(seed=0):
    rng = np.random.RandomState(seed)
    seq = [rng.rand(6, 7, 5).astype(np.float32), rng.rand(6, 3, 4).astype(np.float32)]
    att = [rng.rand(6, 3, 4).astype(np.float32), rng.rand(6, 5, 4).astype(np.float32),
           (rng.rand(6, 3, 5) > 0.3).astype(np.float32)]
    return seq, att


def test_layers_feeding_other_arguments_belong_to_the_model_and_train():
    model = _seq2seq()
    assert [l.name for l in model.layers] == ["encoder_inputs", "decoder_inputs", "encoder", "decoder", "out"]
    assert len(model.trainable_weights) == 3 + 3 + 2  # the encoder's kernel, recurrent kernel, bias included
    x, _ = _data()
    y = np.eye(4, dtype=np.float32)[np.random.RandomState(1).randint(0, 4, (6, 3))]
    model.compile("adam", "categorical_crossentropy")
    before = model.get_layer("encoder").get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_layer("encoder").get_weights()))
    assert "encoder[0][1]" in _summary(model) and "encoder[0][2]" in _summary(model)


def _summary(model):
    lines = []
    model.summary(print_fn=lines.append)
    return "\n".join(lines)


@pytest.mark.parametrize("build,which", [(_seq2seq, 0), (_attention, 1)])
def test_rebuild_save_load_and_call_replay_the_arguments(build, which, tmp_path):
    model = build()
    x = _data()[which]
    expected = model.predict(x)
    config = json.loads(json.dumps(model.get_config()))
    rebuilt = K.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(x), expected, rtol=1e-5, atol=1e-6)
    model.save(str(tmp_path / "m.h5"))
    np.testing.assert_allclose(K.models.load_model(str(tmp_path / "m.h5")).predict(x), expected, rtol=1e-5,
                               atol=1e-6)
    fresh = [K.Input(t.shape.as_list()[1:]) for t in model.inputs]  # the model called as a layer
    wrapper = K.Model(fresh, model(fresh))
    np.testing.assert_allclose(wrapper.predict(x), expected, rtol=1e-5, atol=1e-6)


def test_config_layouts():
    config = _attention().get_config()
    node = [e for e in config["layers"] if e["name"] == "mha"][0]["inbound_nodes"][0]
    # Keras 3's layout: the second positional argument and the keyword tensors as __keras_tensor__
    assert [a["config"]["keras_history"] for a in node["args"]] == [["query", 0, 0], ["value_proj", 0, 0]]
    assert node["kwargs"]["attention_mask"]["config"]["keras_history"] == ["mask", 0, 0]
    assert legacy_node(node) == [["query", 0, 0, {"attention_mask": ["mask", 0, 0],
                                                  "__args__": [["value_proj", 0, 0]]}]]
    plain = K.Input((4,), name="plain")
    dense = [e for e in K.Model(plain, L.Dropout(0.5, name="drop")(plain, training=True)).get_config()["layers"]
             if e["name"] == "drop"][0]
    assert dense["inbound_nodes"] == [[["plain", 0, 0, {"training": True}]]]  # tf.keras 2's layout


def test_arguments_from_outside_the_model_are_refused():
    other = K.Input((3, 4), name="not_an_input")
    query = K.Input((3, 4), name="q")
    out = L.MultiHeadAttention(1, 2)(query, other)
    with pytest.raises(ValueError, match="Graph disconnected.*not_an_input"):
        K.Model(query, out)


@pytest.mark.skipif(not os.path.exists(KERAS_PYTHON), reason="no Python with real Keras (KFLOW_KERAS_PYTHON)")
def test_files_travel_to_and_from_real_keras(tmp_path):
    seq, att = _data()
    for name, build, x in (("seq2seq", _seq2seq, seq), ("attention", _attention, att)):
        model = build()
        model.save(str(tmp_path / ("kflow_%s.h5" % name)))
        np.savez(str(tmp_path / ("%s.npz" % name)), *x, y=model.predict(x))
    script = textwrap.dedent("""
        import sys, numpy as np, keras
        L = keras.layers
        folder = sys.argv[1]
        for name in ("seq2seq", "attention"):
            d = np.load("%s/%s.npz" % (folder, name))
            x = [d["arr_%d" % i] for i in range(len(d.files) - 1)]
            m = keras.models.load_model("%s/kflow_%s.h5" % (folder, name))
            print(name, "kflow->keras", float(np.abs(m.predict(x, verbose=0) - d["y"]).max()))
        ei = keras.Input((None, 5)); _, h, c = L.LSTM(8, return_state=True)(ei)
        di = keras.Input((None, 4)); dec = L.LSTM(8, return_sequences=True)(di, initial_state=[h, c])
        m = keras.Model([ei, di], L.Dense(4, activation="softmax")(dec))
        d = np.load(folder + "/seq2seq.npz")
        x = [d["arr_0"], d["arr_1"]]
        m.save(folder + "/keras_seq2seq.h5")
        np.save(folder + "/keras_seq2seq_y.npy", m.predict(x, verbose=0))
    """)
    env = dict(os.environ, KERAS_BACKEND="tensorflow", TF_CPP_MIN_LOG_LEVEL="3", CUDA_VISIBLE_DEVICES="")
    env.pop("PYTHONPATH", None)
    run = subprocess.run([KERAS_PYTHON, "-c", script, str(tmp_path)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [l for l in run.stdout.splitlines() if "kflow->keras" in l]
    assert len(lines) == 2 and all(float(l.split()[-1]) < 1e-5 for l in lines), run.stdout
    loaded = K.models.load_model(str(tmp_path / "keras_seq2seq.h5"))
    assert [type(l).__name__ for l in loaded.layers] == ["InputLayer", "InputLayer", "LSTM", "LSTM", "Dense"]
    np.testing.assert_allclose(loaded.predict(seq), np.load(str(tmp_path / "keras_seq2seq_y.npy")), rtol=1e-5,
                               atol=1e-6)


def test_build_gets_the_shapes_of_further_positional_arguments():
    seen = []

    class Pair(L.Layer):  # Keras 3's convention: build takes one shape per positional tensor argument
        def build(self, a_shape, b_shape):
            seen.append((tuple(a_shape.as_list()), tuple(b_shape.as_list())))
            self.w = self.add_weight("w", [int(b_shape[-1])], initializer="ones")

        def call(self, a, b):
            return a + b * self.w

    a, b = K.Input((3,)), K.Input((3,))
    Pair()(a, b)
    assert seen == [((None, 3), (None, 3))]
