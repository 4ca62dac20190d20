"""Models are layers: Keras's `trainable` rule at compile (GAN, transfer learning), nested functional models
called on new tensors, get_layer, summary(expand_nested) and model files of nested models."""
import numpy as np

import kflow as kf

K = kf.keras
layers = K.layers
RNG = np.random.RandomState(0)


def _changed(before, after):
    return [not np.allclose(a, b) for a, b in zip(before, after)]


def test_gan_trainable_rule_frozen_at_compile():
    """The GAN recipe: compile D, set D.trainable = False, compile the combined model; D.train_on_batch still
    trains D, combined.train_on_batch trains only G."""
    generator = K.Sequential([layers.Dense(8, activation="relu", input_shape=(4,)), layers.Dense(6)], name="g")
    discriminator = K.Sequential([layers.Dense(8, activation="relu", input_shape=(6,)),
                                  layers.Dense(1, activation="sigmoid")], name="d")
    discriminator.compile(K.optimizers.Adam(0.01), "binary_crossentropy")
    discriminator.trainable = False
    z = K.Input(shape=(4,))
    combined = K.Model(z, discriminator(generator(z)))
    combined.compile(K.optimizers.Adam(0.01), "binary_crossentropy")
    assert len(combined.trainable_weights) == len(generator.weights)

    noise, real = RNG.randn(16, 4).astype(np.float32), RNG.randn(16, 6).astype(np.float32)
    d0, g0 = discriminator.get_weights(), generator.get_weights()
    discriminator.train_on_batch(real, np.ones((16, 1)))
    assert all(_changed(d0, discriminator.get_weights())) and not any(_changed(g0, generator.get_weights()))
    d1 = discriminator.get_weights()
    combined.train_on_batch(noise, np.ones((16, 1)))
    assert not any(_changed(d1, discriminator.get_weights())) and all(_changed(g0, generator.get_weights()))
    discriminator.train_on_batch(real, np.zeros((16, 1)))  # still trains after the combined model ran
    assert all(_changed(d1, discriminator.get_weights()))


def test_transfer_learning_frozen_base_then_fine_tune():
    base = K.Sequential([layers.Dense(8, activation="relu", input_shape=(5,)),
                         layers.BatchNormalization(), layers.Dense(8, activation="relu")], name="base")
    base.trainable = False
    model = K.Sequential([base, layers.Dense(2, activation="softmax", name="head")])
    model.compile(K.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["acc"])
    x, y = RNG.randn(64, 5).astype(np.float32), RNG.randint(0, 2, 64)
    b0 = base.get_weights()
    model.fit(x, y, epochs=2, verbose=0)
    assert not any(_changed(b0, base.get_weights()))  # frozen: weights and BN moving statistics
    assert model.get_layer("base") is base and model.get_layer(index=1).name == "head"
    base.trainable = True
    model.compile(K.optimizers.Adam(1e-3), "sparse_categorical_crossentropy", metrics=["acc"])  # recompile
    model.fit(x, y, epochs=1, verbose=0)
    assert all(_changed(b0, base.get_weights()))


def test_nested_functional_models_share_weights_save_and_summary(tmp_path):
    inp = K.Input(shape=(6,), name="enc_in")
    encoder = K.Model(inp, layers.Dense(3, activation="tanh", name="code")(inp), name="encoder")
    a, b = K.Input(shape=(6,), name="a"), K.Input(shape=(6,), name="b")
    distance = layers.Subtract()([encoder(a), encoder(b)])  # siamese: one encoder, two inputs
    siamese = K.Model([a, b], layers.Dense(1, name="score")(distance), name="siamese")
    assert len(siamese.weights) == len(encoder.weights) + 2
    xa, xb = RNG.randn(4, 6).astype(np.float32), RNG.randn(4, 6).astype(np.float32)
    code_a = encoder.predict(xa)
    expected = (code_a - encoder.predict(xb)) @ siamese.get_layer("score").get_weights()[0] + \
        siamese.get_layer("score").get_weights()[1]
    np.testing.assert_allclose(siamese.predict([xa, xb]), expected, rtol=1e-5, atol=1e-6)

    lines = []
    siamese.summary(print_fn=lines.append, expand_nested=True)
    assert any(l.startswith("encoder (Model)") or l.startswith("encoder (Functional)") for l in lines)
    assert any(l.startswith("| code (Dense)") for l in lines)

    siamese.compile("adam", "mse")
    path = str(tmp_path / "siamese.h5")
    siamese.save(path)
    loaded = K.models.load_model(path)
    np.testing.assert_allclose(loaded.predict([xa, xb]), siamese.predict([xa, xb]), rtol=1e-6)
    inner = loaded.get_layer("encoder")
    np.testing.assert_allclose(inner.predict(xa), code_a, rtol=1e-6)
    inner_weights = inner.get_weights()
    loaded.fit([xa, xb], np.zeros((4, 1)), epochs=2, verbose=0)  # the rebuilt encoder is shared again
    assert all(_changed(inner_weights, inner.get_weights()))
