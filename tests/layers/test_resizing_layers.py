"""ZeroPadding, Cropping and UpSampling (1-D and 2-D): numpy references in both data formats, unknown sizes,
gradients, configs, h5 model round trip and argument errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import Cropping1D, Cropping2D, UpSampling1D, UpSampling2D, ZeroPadding1D, ZeroPadding2D


def _pad_ref(x, pads):
    return np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])


def _crop_ref(x, crops):
    (t, b), (l, r) = crops
    return x[:, t:x.shape[1] - b, l:x.shape[2] - r]


def _up_ref(x, size):
    return x.repeat(size[0], axis=1).repeat(size[1], axis=2)


# (layer factory, numpy reference on NHWC arrays)
_CASES = [
    (lambda fmt: ZeroPadding2D(1, data_format=fmt), lambda x: _pad_ref(x, ((1, 1), (1, 1)))),
    (lambda fmt: ZeroPadding2D((2, 0), data_format=fmt), lambda x: _pad_ref(x, ((2, 2), (0, 0)))),
    (lambda fmt: ZeroPadding2D(((1, 0), (2, 3)), data_format=fmt), lambda x: _pad_ref(x, ((1, 0), (2, 3)))),
    (lambda fmt: Cropping2D(1, data_format=fmt), lambda x: _crop_ref(x, ((1, 1), (1, 1)))),
    (lambda fmt: Cropping2D(((0, 2), (1, 0)), data_format=fmt), lambda x: _crop_ref(x, ((0, 2), (1, 0)))),
    (lambda fmt: UpSampling2D(2, data_format=fmt), lambda x: _up_ref(x, (2, 2))),
    (lambda fmt: UpSampling2D((1, 3), data_format=fmt), lambda x: _up_ref(x, (1, 3))),
]


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("make,reference", _CASES)
def test_values_and_shapes(make, reference, fmt):
    x = np.random.RandomState(0).randn(2, 5, 4, 3)
    expect = reference(x)
    to_fmt = (lambda a: a.transpose(0, 3, 1, 2)) if fmt == "channels_first" else (lambda a: a)
    known = make(fmt)(kf.constant(to_fmt(x)))
    assert known.shape.as_list() == list(to_fmt(expect).shape)
    unknown_shape = [None, 3, None, None] if fmt == "channels_first" else [None, None, None, 3]
    inputs = kf.placeholder(kf.float64, unknown_shape)
    layer = make(fmt)
    unknown = layer(inputs)
    assert unknown.shape.as_list() == unknown_shape
    batch_only = [None] + list(to_fmt(x).shape[1:])
    assert layer.compute_output_shape(batch_only).as_list() == [None] + list(to_fmt(expect).shape[1:])
    with kf.Session() as sess:
        a, b = sess.run([known, unknown], {inputs: to_fmt(x)})
    np.testing.assert_array_equal(a, to_fmt(expect))
    np.testing.assert_array_equal(b, to_fmt(expect))


@pytest.mark.parametrize("make", [c[0] for c in _CASES])
def test_gradients_and_config(make):
    check_gradients(lambda t: make("channels_last")(t) * 1.5, [np.random.RandomState(1).randn(2, 5, 4, 3)])
    layer = make("channels_first")
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_model_with_resizing_layers_saves_and_loads(tmp_path):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.ZeroPadding2D(((1, 0), (0, 1)), input_shape=(6, 6, 2)),
                                 L.Conv2D(3, 3, padding="same"), L.Cropping2D((1, 2)), L.UpSampling2D((2, 1)),
                                 L.Flatten(), L.Dense(2)])
    model.compile("sgd", "mse")
    # 6x6 -> pad 7x7 -> conv 7x7x3 -> crop 5x3 -> upsample 10x3: 90 features
    assert model.layers[3].output_shape == (None, 10, 3, 3) and model.output_shape == (None, 2)
    x = np.random.RandomState(2).randn(4, 6, 6, 2).astype(np.float32)
    path = str(tmp_path / "resize.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers][:4] == ["ZeroPadding2D", "Conv2D", "Cropping2D", "UpSampling2D"]
    assert loaded.layers[0].get_config()["padding"] == ((1, 0), (0, 1))
    np.testing.assert_allclose(loaded.predict(x), model.predict(x), rtol=1e-6)


# (layer factory, numpy reference on [batch, steps, channels] arrays)
_CASES_1D = [
    (lambda fmt: ZeroPadding1D(data_format=fmt), lambda x: np.pad(x, [(0, 0), (1, 1), (0, 0)])),
    (lambda fmt: ZeroPadding1D((0, 3), data_format=fmt), lambda x: np.pad(x, [(0, 0), (0, 3), (0, 0)])),
    (lambda fmt: Cropping1D(data_format=fmt), lambda x: x[:, 1:-1]),
    (lambda fmt: Cropping1D((2, 0), data_format=fmt), lambda x: x[:, 2:]),
    (lambda fmt: UpSampling1D(data_format=fmt), lambda x: x.repeat(2, axis=1)),
    (lambda fmt: UpSampling1D(3, data_format=fmt), lambda x: x.repeat(3, axis=1)),
]


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
@pytest.mark.parametrize("make,reference", _CASES_1D)
def test_1d_values_shapes_gradients_and_config(make, reference, fmt):
    x = np.random.RandomState(3).randn(2, 5, 3)
    to_fmt = (lambda a: a.transpose(0, 2, 1)) if fmt == "channels_first" else (lambda a: a)
    expect = to_fmt(reference(x))
    unknown_shape = [None, 3, None] if fmt == "channels_first" else [None, None, 3]
    inputs = kf.placeholder(kf.float64, unknown_shape)
    layer = make(fmt)
    y = layer(inputs)
    assert y.shape.as_list() == unknown_shape
    assert make(fmt)(kf.constant(to_fmt(x))).shape.as_list() == list(expect.shape)
    assert layer.compute_output_shape([None] + list(to_fmt(x).shape[1:])).as_list() == [None] + list(expect.shape[1:])
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {inputs: to_fmt(x)}), expect)
    check_gradients(lambda t: make(fmt)(t) * 0.5, [to_fmt(x)])
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


@pytest.mark.parametrize("make,message", [
    (lambda: ZeroPadding1D((1, 2, 3)), r"ZeroPadding1D: `padding` must be an int, a pair of ints, got \(1, 2, 3\)"),
    (lambda: Cropping1D(-1), r"Cropping1D: `cropping` must be non-negative, got \(-1, -1\)"),
    (lambda: UpSampling1D((2, 2)), r"UpSampling1D: The `size` argument must be a tuple of 1 integers"),
    (lambda: UpSampling1D(-2), r"UpSampling1D: The `size` argument must be positive, got -2"),

    (lambda: ZeroPadding2D(-1), r"ZeroPadding2D: `padding` must be non-negative, got \(-1, -1, -1, -1\)"),
    (lambda: ZeroPadding2D((1, 2, 3)), r"ZeroPadding2D: `padding` must be an int, a pair .* got \(1, 2, 3\)"),
    (lambda: ZeroPadding2D("same"), r"ZeroPadding2D: `padding` must be an int, a pair .* got 'same'"),
    (lambda: Cropping2D(((1, 2), (3,))), r"Cropping2D: `cropping` must be an int, a pair"),
    (lambda: UpSampling2D(0), r"UpSampling2D: The `size` argument must be positive, got 0"),
    (lambda: UpSampling2D((1, 2, 3)), r"UpSampling2D: The `size` argument must be a tuple of 2 integers"),
    (lambda: UpSampling2D(2, interpolation="bicubic"), r"UpSampling2D: interpolation must be one of .*'bicubic'"),
    (lambda: ZeroPadding2D(1, data_format="NHWC"), r"data_format.*'NHWC'"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match=r"Cropping2D: cropping \(2, 3\) leaves nothing of the size-5 axis 1"):
        Cropping2D(((2, 3), (0, 0)))(kf.zeros([1, 5, 5, 1]))
    with pytest.raises(ValueError, match="expected ndim=4"):
        UpSampling2D()(kf.zeros([2, 5, 5]))
    with pytest.raises(ValueError, match=r"Cropping1D: cropping \(3, 2\) leaves nothing of the size-5 axis 1"):
        Cropping1D((3, 2))(kf.zeros([1, 5, 2]))
    with pytest.raises(ValueError, match="expected ndim=3"):
        ZeroPadding1D()(kf.zeros([2, 5, 5, 1]))
