import numpy as np
import pytest

import kflow as kf
from kflow.keras import layers


def _two_tower():
    a = kf.keras.Input(shape=(4,), name="a")
    b = kf.keras.Input(shape=(3,), name="b")
    shared = layers.Dense(5, activation="relu", name="shared")
    ha, hb = shared(a), shared(layers.Dense(4, name="proj")(b))  # one layer called twice: shared weights
    out_class = layers.Dense(2, activation="softmax", name="cls")(layers.Dense(6, activation="tanh", name="mix")(ha))
    out_reg = layers.Dense(1, name="reg")(hb)
    return kf.keras.Model(inputs=[a, b], outputs=[out_class, out_reg])


def _two_tower_data(n=64):
    rng = np.random.RandomState(0)
    xa, xb = rng.randn(n, 4).astype(np.float32), rng.randn(n, 3).astype(np.float32)
    return xa, xb, (xa[:, 0] > 0).astype(np.int64), xa.sum(1, keepdims=True)


def test_functional_layers_and_summary():
    model = _two_tower()
    names = [l.name for l in model.layers]
    assert names[:2] == ["a", "b"]  # input layers first, then the rest in topological order
    assert sorted(names[2:]) == ["cls", "mix", "proj", "reg", "shared"]
    assert names.index("shared") < names.index("mix") < names.index("cls") and names.index("proj") < names.index("reg")
    assert model.input_names == ["a", "b"] and model.output_names == ["cls", "reg"]
    assert model.output_shape == [(None, 2), (None, 1)]
    lines = []
    model.summary(print_fn=lines.append)
    assert any(line.startswith("shared (Dense)") for line in lines)
    # A branching model gets Keras's "Connected to" column, one line per inbound tensor
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#", "Connected", "to"]
    shared_at = [i for i, line in enumerate(lines) if line.startswith("shared (Dense)")][0]
    assert lines[shared_at].endswith("a[0][0]") and lines[shared_at + 1].strip() == "proj[0][0]"
    assert any(line.startswith("reg (Dense)") and line.endswith("shared[1][0]") for line in lines)
    chain, inp = [], kf.keras.Input(shape=(4,))
    kf.keras.Model(inp, layers.Dense(2)(layers.Dense(3)(inp))).summary(print_fn=chain.append)
    assert "Connected to" not in chain[2] and len(chain[1]) == 65


def test_multi_input_multi_output_fit():
    model = _two_tower()
    xa, xb, yc, yr = _two_tower_data()
    model.compile("adam", loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                  loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["acc"]})
    h = model.fit({"a": xa, "b": xb}, [yc, yr], epochs=3, batch_size=16, verbose=0)
    assert set(h.history) == {"loss", "cls_loss", "reg_loss", "cls_acc"}
    total, cls_loss, reg_loss, _ = model.evaluate([xa, xb], {"cls": yc, "reg": yr})
    assert np.isclose(total, cls_loss + 0.5 * reg_loss, rtol=1e-5)
    probs, reg = model.predict([xa, xb])
    assert probs.shape == (64, 2) and reg.shape == (64, 1)


def test_config_round_trip_gives_same_structure():
    model = _two_tower()
    clone = kf.keras.Model.from_config(model.get_config())
    assert [l.name for l in clone.layers] == [l.name for l in model.layers]
    # one graph story: the clone lives in the same (default) graph, with weights of its own
    assert clone.graph is model.graph and not {w.name for w in clone.weights} & {w.name for w in model.weights}
    clone.set_weights(model.get_weights())
    xa, xb, _, _ = _two_tower_data(8)
    for u, v in zip(model.predict([xa, xb]), clone.predict([xa, xb])):
        assert np.allclose(u, v, atol=1e-6)


def test_models_sharing_layers_share_weights():
    x = kf.keras.Input(shape=(3,))
    h = layers.Dense(4, name="enc")(x)
    out = layers.Dense(2, name="dec")(h)
    full, encoder = kf.keras.Model(x, out), kf.keras.Model(x, h)
    assert full.session is encoder.session
    full.compile("sgd", "mse")
    before = encoder.predict(np.ones((1, 3)))
    full.fit(np.ones((8, 3)), np.zeros((8, 2)), epochs=2, verbose=0)
    assert not np.allclose(before, encoder.predict(np.ones((1, 3))))


def test_graph_disconnected_and_bad_outputs():
    a, b = kf.keras.Input(shape=(2,)), kf.keras.Input(shape=(2,))
    out = layers.Dense(1)(b)
    with pytest.raises(ValueError, match="Graph disconnected"):
        kf.keras.Model(a, out)
    with pytest.raises(ValueError, match="layer history"):
        kf.keras.Model(a, kf.reduce_sum(a))


def test_subclassed_model():
    class TwoLayer(kf.keras.Model):
        def __init__(self):
            super().__init__(name="two_layer")
            self.hidden = layers.Dense(8, activation="relu")
            self.drop = layers.Dropout(0.5)
            self.out = layers.Dense(3, activation="softmax")

        def call(self, inputs, training=None):
            return self.out(self.drop(self.hidden(inputs), training=training))

    rng = np.random.RandomState(0)
    x, y = rng.randn(96, 5).astype(np.float32), rng.randint(0, 3, 96)
    model = TwoLayer()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["acc"])
    h = model.fit(x, y, epochs=2, verbose=0)
    assert model.built and [l.name for l in model.layers][0].startswith("dense")
    assert len(model.weights) == 4 and set(h.history) == {"loss", "acc"}
    p1, p2 = model.predict(x), model.predict(x)
    assert np.array_equal(p1, p2)  # dropout is off outside training
    with pytest.raises(NotImplementedError, match="save_weights"):
        model.save("unused.h5")


def test_learning_phase_switches_dropout():
    model = kf.keras.Sequential([layers.Dense(32, activation="relu", input_shape=(6,)), layers.Dropout(0.5),
                                 layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((16, 6), np.float32), np.zeros((16, 1), np.float32)
    assert np.array_equal(model.predict(x), model.predict(x))
    test_loss = model.test_on_batch(x, y)
    model.compile(kf.keras.optimizers.SGD(lr=0.0), "mse")  # a step that changes nothing
    train_losses = {round(model.train_on_batch(x, y), 6) for _ in range(4)}
    assert len(train_losses) > 1 and round(test_loss, 6) not in train_losses


def test_model_add_loss_trains_without_targets():
    # The Keras VAE pattern: the loss is built from the model's tensors, compile(optimizer) and fit(x).
    rng = np.random.RandomState(0)
    x = rng.rand(40, 6).astype(np.float32)
    inp = kf.keras.Input(shape=(6,))
    out = layers.Dense(6, activation="sigmoid")(layers.Dense(3, activation="relu")(inp))
    model = kf.keras.Model(inp, out)
    model.add_loss(kf.keras.backend.mean(kf.keras.backend.sum(kf.keras.backend.square(out - inp), axis=-1)))
    model.compile(kf.keras.optimizers.Adam(lr=0.01))
    assert model.metrics_names == ["loss"]
    expected = np.square(model.predict(x) - x).sum(-1).mean()
    assert np.isclose(model.evaluate(x, batch_size=40), expected, rtol=1e-5)
    h = model.fit(x, epochs=5, batch_size=8, validation_data=(x, None), verbose=0)
    assert set(h.history) == {"loss", "val_loss"} and h.history["loss"][-1] < h.history["loss"][0]
    h = model.fit(kf.data.Dataset.from_tensor_slices(x).batch(8), epochs=1, verbose=0, validation_split=0.0)
    assert np.isfinite(h.history["loss"][0])
    assert np.isfinite(model.fit(x, epochs=1, validation_split=0.25, verbose=0).history["val_loss"][0])
    with pytest.raises(ValueError, match="needs a loss"):
        bare = kf.keras.Model(inp, out)
        bare.compile("sgd")
        bare.fit(x, verbose=0)


def test_output_without_loss_takes_no_targets():
    rng = np.random.RandomState(1)
    x, y = rng.rand(20, 4).astype(np.float32), rng.rand(20, 1).astype(np.float32)
    inp = kf.keras.Input(shape=(4,))
    hidden = layers.Dense(3, name="hidden")(inp)
    model = kf.keras.Model(inp, [hidden, layers.Dense(1, name="head")(hidden)])
    model.compile("sgd", loss={"head": "mse"})
    assert model.metrics_names == ["loss", "head_loss"]
    _, pred = model.predict(x)
    assert np.allclose(model.evaluate(x, {"head": y}, batch_size=20), [((pred - y) ** 2).mean()] * 2, rtol=1e-5)
    assert np.isfinite(model.fit(x, [y], epochs=1, verbose=0).history["head_loss"][0])
