"""compile(target_tensors=...) trains against given target tensors (y=None in fit); sample_weight_mode="temporal"
weighs each sample's time steps (Keras's weighted mean), saved and restored with the model."""
import numpy as np
import pytest

import kflow as kf

layers = kf.keras.layers


def _data(n=64, seed=0):
    rng = np.random.RandomState(seed)
    x = rng.randn(n, 4).astype(np.float32)
    return x, (x @ rng.randn(4, 1)).astype(np.float32)


def test_target_tensors_replace_the_fed_targets():
    x, y = _data()
    kf.keras.backend.clear_session()
    inp = layers.Input((4,))
    model = kf.keras.Model(inp, layers.Dense(1)(inp))
    labels = kf.constant(y)  # e.g. labels from an input pipeline; one batch of all samples here
    model.compile(kf.keras.optimizers.SGD(0.1), "mse", target_tensors=[labels])
    assert model._compile_graph().targets == []
    before = model.evaluate(x, None, batch_size=64, verbose=0)
    model.fit(x, None, batch_size=64, epochs=30, verbose=0, shuffle=False)  # the labels follow x's order
    after = model.evaluate(x, None, batch_size=64, verbose=0)
    assert after < 0.5 * before
    # the same loss a fed y gives
    fed = kf.keras.Model(model.input, model.output)
    fed.compile("sgd", "mse")
    np.testing.assert_allclose(fed.evaluate(x, y, batch_size=64, verbose=0), after, rtol=1e-5)


def test_target_tensors_per_output_by_name_leave_the_others_fed():
    x, y = _data()
    kf.keras.backend.clear_session()
    inp = layers.Input((4,))
    a, b = layers.Dense(1, name="a")(inp), layers.Dense(1, name="b")(inp)
    model = kf.keras.Model(inp, [a, b])
    model.compile("sgd", ["mse", "mse"], target_tensors={"a": kf.constant(y)})
    assert model._compile_graph().fed_target_names == ["b"]
    logs = model.fit(x, [y], batch_size=64, epochs=2, verbose=0, shuffle=False).history
    assert np.isfinite(logs["loss"]).all()


def _sequence_model():
    kf.keras.backend.clear_session()
    model = kf.keras.Sequential([layers.TimeDistributed(layers.Dense(2), input_shape=(3, 4))])
    model.compile("sgd", "mse", sample_weight_mode="temporal")
    return model


def test_temporal_sample_weights_weigh_each_time_step():
    rng = np.random.RandomState(1)
    x, y = rng.randn(8, 3, 4).astype(np.float32), rng.randn(8, 3, 2).astype(np.float32)
    w = (rng.rand(8, 3) > 0.4).astype(np.float32)
    model = _sequence_model()
    pred = model.predict(x)
    step_losses = ((pred - y) ** 2).mean(axis=-1)  # (samples, timesteps)
    expected = (step_losses * w).mean() / (w != 0).mean()  # Keras's weighted mean
    np.testing.assert_allclose(model.evaluate(x, y, sample_weight=w, batch_size=8, verbose=0), expected, rtol=1e-5)
    np.testing.assert_allclose(model.evaluate(x, y, batch_size=8, verbose=0), step_losses.mean(), rtol=1e-5)
    # a zero weight on a step removes it from training
    w0 = np.ones((8, 3), np.float32)
    w0[:, 2] = 0
    model.fit(x, y, sample_weight=w0, batch_size=8, epochs=3, verbose=0)
    assert np.isfinite(model.evaluate(x, y, sample_weight=w0, batch_size=8, verbose=0))


def test_temporal_mode_is_saved_and_checked(tmp_path):
    model = _sequence_model()
    path = str(tmp_path / "m.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert loaded._compile_args["sample_weight_mode"] == "temporal"
    kf.keras.backend.clear_session()
    flat = kf.keras.Sequential([layers.Dense(2, input_shape=(4,))])
    flat.compile("sgd", "mse", sample_weight_mode="temporal")
    with pytest.raises(ValueError, match="temporal"):
        flat.evaluate(np.ones((2, 4), np.float32), np.ones((2, 2), np.float32), verbose=0)
    flat.compile("sgd", "mse", sample_weight_mode="sometimes")
    with pytest.raises(ValueError, match="'temporal'"):
        flat.evaluate(np.ones((2, 4), np.float32), np.ones((2, 2), np.float32), verbose=0)
