"""GaussianNoise, GaussianDropout, AlphaDropout, SpatialDropout1D/2D/3D (active only in training), RepeatVector,
Masking (mask reaching an LSTM) and Embedding with pre-trained weights: values, statistics, gradients of one
draw, configs and h5 round trips."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

L = kf.keras.layers
ALPHA_P = -1.6732632423543772848170429916717 * 1.0507009873554804934193349852946

RANDOM_LAYERS = [lambda: L.GaussianNoise(0.3, seed=1), lambda: L.GaussianDropout(0.3, seed=1),
                 lambda: L.AlphaDropout(0.3, seed=1), lambda: L.SpatialDropout1D(0.3, seed=1)]


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


@pytest.mark.parametrize("make", RANDOM_LAYERS)
def test_identity_outside_training_and_config(make):
    x = np.random.RandomState(0).randn(3, 4, 5)
    np.testing.assert_array_equal(_run(make()(kf.constant(x), training=False)), x)
    np.testing.assert_array_equal(_run(make()(kf.constant(x))), x)  # the learning phase defaults to test
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_gaussian_noise_and_dropout_statistics():
    zeros, ones = kf.zeros([200, 500], kf.float64), kf.ones([200, 500], kf.float64)
    noise, dropped = _run([L.GaussianNoise(0.5)(zeros, training=True), L.GaussianDropout(0.2)(ones, training=True)])
    assert abs(noise.mean()) < 0.01 and abs(noise.std() - 0.5) < 0.01
    assert abs(dropped.mean() - 1) < 0.01 and abs(dropped.std() - np.sqrt(0.2 / 0.8)) < 0.01


def test_alpha_dropout_keeps_selu_mean_and_variance():
    x = np.random.RandomState(1).randn(400, 500)
    y = _run(L.AlphaDropout(0.2)(kf.constant(x), training=True))
    a = ((1 - 0.2) * (1 + 0.2 * ALPHA_P ** 2)) ** -0.5
    dropped = np.isclose(y, a * ALPHA_P - a * ALPHA_P * 0.2)
    assert abs(dropped.mean() - 0.2) < 0.01
    np.testing.assert_allclose(y[~dropped], a * x[~dropped] - a * ALPHA_P * 0.2)
    assert abs(y.mean()) < 0.01 and abs(y.var() - 1) < 0.02


@pytest.mark.parametrize("layer,shape,kept_axes", [
    (lambda: L.SpatialDropout1D(0.5), (20, 7, 6), (1,)),
    (lambda: L.SpatialDropout2D(0.5), (20, 3, 4, 6), (1, 2)),
    (lambda: L.SpatialDropout2D(0.5, data_format="channels_first"), (20, 6, 3, 4), (2, 3)),
    (lambda: L.SpatialDropout3D(0.5), (20, 2, 3, 2, 6), (1, 2, 3))])
def test_spatial_dropout_drops_whole_feature_maps(layer, shape, kept_axes):
    y = _run(layer()(kf.ones(shape, kf.float64), training=True))
    assert set(np.unique(y)) == {0.0, 2.0}
    # every feature map is all kept or all dropped
    np.testing.assert_array_equal(y.min(axis=kept_axes), y.max(axis=kept_axes))
    assert 0.3 < (y == 0).mean() < 0.7


@pytest.mark.parametrize("make", [lambda: L.GaussianNoise(0.3), lambda: L.GaussianDropout(0.3),
                                  lambda: L.AlphaDropout(0.3), lambda: L.SpatialDropout2D(0.5)])
def test_gradient_of_one_draw(make):
    """The gradient of a training-mode output, fetched in the same run as the output (so the same draw)."""
    x_value = np.random.RandomState(2).rand(4, 3, 3, 2) + 0.5
    x = kf.constant(x_value)
    y = make()(x, training=True)
    y0 = make()(kf.zeros_like(x), training=True)  # the additive part: y = slope * x + offset, per element
    (grad,) = kf.gradients(kf.reduce_sum(y), [x])
    out, g = _run([y, grad])
    if isinstance(make(), L.GaussianNoise):
        np.testing.assert_allclose(g, np.ones_like(x_value))
    elif isinstance(make(), L.AlphaDropout):
        a = ((1 - 0.3) * (1 + 0.3 * ALPHA_P ** 2)) ** -0.5
        np.testing.assert_allclose(out, g * x_value + np.where(g == 0, a * ALPHA_P, 0) - a * ALPHA_P * 0.3)
    else:
        np.testing.assert_allclose(out, g * x_value)
    assert y0.shape.as_list() == list(x_value.shape)


def test_noise_layers_in_a_model_fit_save_load(trains_and_round_trips):
    rng = np.random.RandomState(3)
    x = rng.randn(64, 5, 4).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None]
    model = kf.keras.Sequential([L.GaussianNoise(0.01, input_shape=(5, 4)), L.SpatialDropout1D(0.1), L.Flatten(),
                                 L.Dense(8, activation="selu"), L.AlphaDropout(0.05), L.GaussianDropout(0.05),
                                 L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.01), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert loaded.layers[1].get_config()["rate"] == 0.1


def test_repeat_vector():
    x = np.random.RandomState(4).randn(2, 3)
    out = _run(L.RepeatVector(4)(kf.constant(x)))
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 4, axis=1))
    check_gradients(lambda t: L.RepeatVector(3)(t), [x])
    assert L.RepeatVector(4).compute_output_shape([None, 3]).as_list() == [None, 4, 3]
    assert L.RepeatVector.from_config(L.RepeatVector(4).get_config()).n == 4


def test_masking_values_mask_and_gradient():
    x = np.array([[[1.0, 2.0], [0.0, 0.0], [0.0, 3.0]]])
    t = kf.constant(x)
    out = L.Masking()(t)
    value, mask = _run([out, out._keras_mask])
    np.testing.assert_array_equal(value, x)
    np.testing.assert_array_equal(mask, [[True, False, True]])
    minus = L.Masking(mask_value=1.0)(kf.constant(np.ones((1, 2, 2))))
    np.testing.assert_array_equal(_run(minus), np.zeros((1, 2, 2)))
    (grad,) = kf.gradients(kf.reduce_sum(out * 3.0), [t])
    np.testing.assert_array_equal(_run(grad), [[[3, 3], [0, 0], [3, 3]]])  # masked steps pass no gradient
    # away from the mask value (where the mask is constant), the numerical check applies
    check_gradients(lambda v: L.Masking()(v), [x + 0.5])


def test_masked_padding_gives_an_lstm_the_unpadded_result(tmp_path):
    rng = np.random.RandomState(5)
    x = rng.randn(3, 6, 4).astype(np.float32)
    lengths = [6, 4, 2]
    padded = x.copy()
    for i, n in enumerate(lengths):
        padded[i, n:] = 0.0
    model = kf.keras.Sequential([L.Masking(input_shape=(6, 4)), L.LSTM(5)])
    model.compile("sgd", "mse")
    out = model.predict(padded)
    weights = model.layers[1].get_weights()
    for i, n in enumerate(lengths):
        short = kf.keras.Sequential([L.LSTM(5, input_shape=(n, 4))])
        short.layers[0].set_weights(weights)
        np.testing.assert_allclose(short.predict(x[i:i + 1, :n])[0], out[i], rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "masked.h5")
    model.save(path)
    np.testing.assert_allclose(kf.keras.models.load_model(path).predict(padded), out, rtol=1e-6)


@pytest.mark.parametrize("how", ["weights", "initializer"])
def test_embedding_with_pretrained_frozen_weights(how):
    matrix = np.random.RandomState(6).randn(10, 4).astype(np.float32)
    kwargs = {"weights": [matrix]} if how == "weights" else {
        "embeddings_initializer": kf.keras.initializers.Constant(matrix)}
    embedding = L.Embedding(10, 4, trainable=False, input_length=3, **kwargs)
    model = kf.keras.Sequential([embedding, L.Flatten(), L.Dense(1)])
    model.compile("sgd", "mse")
    ids = np.array([[1, 2, 3], [9, 0, 5]])
    model.fit(ids, np.ones((2, 1)), epochs=2, verbose=0)
    np.testing.assert_array_equal(embedding.get_weights()[0], matrix)
    look_up = kf.keras.backend.function([model.input], [embedding.output])
    np.testing.assert_array_equal(look_up([ids])[0], matrix[ids])
    assert embedding.trainable_weights == []
