"""Rescaling, Resizing, CenterCrop, Normalization (adapt) and UpSampling2D(interpolation="bilinear"): numpy
references, gradients, configs, h5 round trips, use in fit and inside a Dataset map."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

L = kf.keras.layers


def _bilinear_reference(image, height, width):
    """tf.image.resize (half-pixel centers) pixel by pixel, for one [H, W, C] image."""
    old_h, old_w = image.shape[:2]
    out = np.zeros((height, width, image.shape[2]))

    def taps(i, old, new):
        src = (i + 0.5) * old / new - 0.5
        low = int(np.floor(src))
        return min(max(low, 0), old - 1), min(max(low + 1, 0), old - 1), src - low

    for i in range(height):
        r0, r1, fr = taps(i, old_h, height)
        for j in range(width):
            c0, c1, fc = taps(j, old_w, width)
            top = image[r0, c0] * (1 - fc) + image[r0, c1] * fc
            bottom = image[r1, c0] * (1 - fc) + image[r1, c1] * fc
            out[i, j] = top * (1 - fr) + bottom * fr
    return out


def _run(tensor, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(tensor, feed)


def test_rescaling_values_and_integer_inputs():
    out = _run(L.Rescaling(1 / 127.5, offset=-1)(kf.constant(np.array([[0, 255, 51]], np.uint8))))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[-1.0, 1.0, 51 / 127.5 - 1]], rtol=1e-6)


@pytest.mark.parametrize("size", [(8, 6), (3, 2), (5, 5)])
def test_resizing_matches_the_pixel_reference(size):
    x = np.random.RandomState(0).randn(2, 5, 4, 3)
    out = _run(L.Resizing(*size)(kf.constant(x)))
    assert out.shape == (2,) + size + (3,)
    for n in range(2):
        np.testing.assert_allclose(out[n], _bilinear_reference(x[n], *size), rtol=1e-10, atol=1e-12)


def test_resizing_known_values_and_nearest():
    row = kf.constant(np.array([0.0, 1.0]).reshape(1, 1, 2, 1))
    np.testing.assert_allclose(_run(L.Resizing(1, 4)(row)).ravel(), [0.0, 0.25, 0.75, 1.0])
    np.testing.assert_allclose(_run(L.Resizing(1, 4, interpolation="nearest")(row)).ravel(), [0, 0, 1, 1])
    # a single image (a Dataset map function before batch) keeps its rank
    assert L.Resizing(3, 3)(kf.zeros([5, 5, 2])).shape.as_list() == [3, 3, 2]


def test_upsampling2d_bilinear_equals_resizing():
    x = np.random.RandomState(1).randn(2, 3, 4, 2)
    up = _run(L.UpSampling2D((2, 3), interpolation="bilinear")(kf.constant(x)))
    for n in range(2):
        np.testing.assert_allclose(up[n], _bilinear_reference(x[n], 6, 12), rtol=1e-10, atol=1e-12)
    first = _run(L.UpSampling2D(2, data_format="channels_first", interpolation="bilinear")(
        kf.constant(x.transpose(0, 3, 1, 2))))
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1)[0], _bilinear_reference(x[0], 6, 8), rtol=1e-10)


def test_center_crop_values():
    x = np.arange(2 * 5 * 6 * 1, dtype=np.float64).reshape(2, 5, 6, 1)
    np.testing.assert_array_equal(_run(L.CenterCrop(3, 2)(kf.constant(x))), x[:, 1:4, 2:4])
    with pytest.raises(ValueError, match="cannot crop 6x2"):
        L.CenterCrop(6, 2)(kf.constant(x))


@pytest.mark.parametrize("make", [lambda: L.Resizing(7, 3), lambda: L.Rescaling(0.5, 2.0), lambda: L.CenterCrop(2, 3),
                                  lambda: L.UpSampling2D(2, interpolation="bilinear")])
def test_gradients_and_config(make):
    check_gradients(lambda t: make()(t), [np.random.RandomState(2).randn(2, 4, 5, 2)])
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_normalization_adapt_from_array_and_dataset():
    rng = np.random.RandomState(3)
    data = (rng.randn(100, 3) * [1.0, 5.0, 0.1] + [2.0, -1.0, 10.0]).astype(np.float32)
    from_array, from_dataset = L.Normalization(), L.Normalization()
    from_array.adapt(data)
    from_dataset.adapt(kf.data.Dataset.from_tensor_slices(data).batch(7))  # uneven batches: merged moments
    x = kf.placeholder(kf.float32, [None, 3])
    a, b = _run([from_array(x), from_dataset(x)], {x: data})
    expect = (data - data.mean(0)) / data.std(0)
    np.testing.assert_allclose(a, expect, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(b, expect, rtol=1e-4, atol=1e-5)
    assert from_array.trainable_weights == [] and len(from_array.non_trainable_weights) == 2


def test_normalization_given_stats_axis_none_and_errors():
    x = np.array([[1.0, 2.0], [3.0, 6.0]])
    np.testing.assert_allclose(_run(L.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0])(kf.constant(x))),
                               [[0, 0], [1, 1]])
    scalar = L.Normalization(axis=None)
    scalar.adapt(x)
    np.testing.assert_allclose(_run(scalar(kf.constant(x))), (x - x.mean()) / x.std())
    config = L.Normalization(mean=[1.0, 2.0], variance=[4.0, 16.0]).get_config()
    assert L.Normalization.from_config(config).get_config() == config
    with pytest.raises(ValueError, match="both mean and variance"):
        L.Normalization(mean=1.0)


def test_adapt_after_the_model_is_built_updates_its_weights(tmp_path):
    data = np.random.RandomState(4).randn(64, 4).astype(np.float32) * 3 + 1
    norm = L.Normalization()
    model = kf.keras.Sequential([kf.keras.Input((4,)), norm, L.Dense(1)])
    norm.adapt(data)
    model.compile("adam", "mse")
    normalized = kf.keras.backend.function([model.input], [norm.output])([data])[0]
    np.testing.assert_allclose(normalized.mean(0), 0, atol=1e-5)
    model.fit(data, data[:, :1], epochs=2, verbose=0)
    path = str(tmp_path / "norm.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    np.testing.assert_allclose(loaded.predict(data), model.predict(data), rtol=1e-6)


def test_preprocessing_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(5)
    x = rng.randint(0, 256, size=(32, 6, 6, 1)).astype(np.float32)
    y = x.mean(axis=(1, 2)) / 255.0
    model = kf.keras.Sequential([L.Rescaling(1 / 255, input_shape=(6, 6, 1)), L.CenterCrop(4, 4),
                                 L.Resizing(8, 8), L.UpSampling2D(interpolation="bilinear"), L.Flatten(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.01), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert [type(l).__name__ for l in loaded.layers][:4] == ["Rescaling", "CenterCrop", "Resizing", "UpSampling2D"]


def test_preprocessing_layers_inside_a_dataset_map():
    images = np.random.RandomState(6).randint(0, 256, size=(4, 6, 6, 3)).astype(np.uint8)
    rescale, resize = L.Rescaling(1 / 255), L.Resizing(3, 3)
    dataset = kf.data.Dataset.from_tensor_slices(images).map(lambda im: resize(rescale(im))).batch(4)
    batch = next(iter(dataset))
    expect = np.stack([_bilinear_reference(im / 255.0, 3, 3) for im in images])
    np.testing.assert_allclose(batch, expect, rtol=1e-5, atol=1e-6)
