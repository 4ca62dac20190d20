"""MaxPooling1D, AveragePooling1D, GlobalAveragePooling1D (with masks) and GlobalMaxPooling1D: numpy references,
gradients, shapes, configs, a trained and h5-round-tripped sequence model, and argument errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import (AveragePooling1D, GlobalAveragePooling1D, GlobalMaxPooling1D, MaxPooling1D)


def _windows(x, size, stride, padding):
    """The (start, stop) of each pooling window over ``x``'s steps, TF's "same" padding clipped to the input."""
    steps = x.shape[1]
    if padding == "same":
        out = -(-steps // stride)
        before = max((out - 1) * stride + size - steps, 0) // 2
    else:
        out, before = (steps - size) // stride + 1, 0
    return [(max(t * stride - before, 0), min(t * stride - before + size, steps)) for t in range(out)]


def pool1d_ref(x, reduce, size, stride, padding):
    return np.stack([reduce(x[:, a:b], axis=1) for a, b in _windows(x, size, stride, padding)], axis=1)


_POOLS = [(MaxPooling1D, np.max), (AveragePooling1D, np.mean)]


@pytest.mark.parametrize("cls,reduce", _POOLS)
@pytest.mark.parametrize("size,stride,padding", [(2, None, "valid"), (3, 2, "valid"), (3, 2, "same"),
                                                 (2, 1, "same")])
def test_pooling_matches_numpy(cls, reduce, size, stride, padding):
    x = np.random.RandomState(0).randn(2, 7, 3)
    expect = pool1d_ref(x, reduce, size, stride or size, padding)
    inputs = kf.placeholder(kf.float64, [None, 7, 3])
    layer = cls(size, strides=stride, padding=padding)
    y = layer(inputs)
    first = cls(size, strides=stride, padding=padding, data_format="channels_first")(kf.constant(x.transpose(0, 2, 1)))
    assert y.shape.as_list() == [None] + list(expect.shape[1:])
    assert layer.compute_output_shape([None, 7, 3]).as_list() == [None] + list(expect.shape[1:])
    assert layer.compute_output_shape([None, None, 3]).as_list() == [None, None, 3]
    with kf.Session() as sess:
        a, b = sess.run([y, first], {inputs: x})
    np.testing.assert_allclose(a, expect, rtol=1e-12)
    np.testing.assert_allclose(b, expect.transpose(0, 2, 1), rtol=1e-12)
    check_gradients(lambda t: cls(size, strides=stride, padding=padding)(t), [x])
    config = layer.get_config()
    assert cls.from_config(config).get_config() == config


@pytest.mark.parametrize("cls,reduce", [(GlobalAveragePooling1D, np.mean), (GlobalMaxPooling1D, np.max)])
def test_global_pooling(cls, reduce):
    x = np.random.RandomState(1).randn(2, 5, 3)
    last, first = cls(), cls(data_format="channels_first")
    y = last(kf.placeholder_with_default(x, [None, None, 3]))
    z = first(kf.constant(x.transpose(0, 2, 1)))
    assert y.shape.as_list() == [None, 3] and z.shape.as_list() == [2, 3]
    assert first.compute_output_shape([None, 3, None]).as_list() == [None, 3]
    with kf.Session() as sess:
        a, b = sess.run([y, z])
    np.testing.assert_allclose(a, reduce(x, axis=1), rtol=1e-12)
    np.testing.assert_allclose(b, reduce(x, axis=1), rtol=1e-12)
    check_gradients(lambda t: cls()(t), [x])
    assert cls.from_config(first.get_config()).get_config() == first.get_config()


@pytest.mark.parametrize("fmt", ["channels_last", "channels_first"])
def test_global_average_pooling_skips_masked_steps(fmt):
    rng = np.random.RandomState(2)
    x, mask = rng.randn(3, 4, 2), np.array([[1, 1, 0, 0], [1, 1, 1, 1], [0, 1, 0, 1]], bool)
    expect = np.stack([x[i][mask[i]].mean(axis=0) for i in range(3)])
    data = x.transpose(0, 2, 1) if fmt == "channels_first" else x
    y = GlobalAveragePooling1D(data_format=fmt)(kf.constant(data), mask=kf.constant(mask))
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(y), expect, rtol=1e-12)
    check_gradients(lambda t: GlobalAveragePooling1D(data_format=fmt)(t, mask=kf.constant(mask)), [data])


def test_text_model_with_mask_trains_and_round_trips(tmp_path):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Embedding(20, 4, input_length=6), L.ZeroPadding1D((2, 0)),
                                 L.Conv1D(5, 3, padding="causal"), L.LeakyReLU(), L.MaxPooling1D(2),
                                 L.UpSampling1D(3), L.Cropping1D((1, 2)), L.GlobalMaxPooling1D(), L.Dense(1)])
    assert model.layers[6].output_shape == (None, 9, 5)  # 6 + 2 -> pool 4 -> x3 12 -> crop 9
    masked = kf.keras.Sequential([L.Embedding(20, 4, mask_zero=True, input_length=6), L.GlobalAveragePooling1D()])
    ids = kf.keras.preprocessing.sequence.pad_sequences([[3, 4, 5], [7, 1, 2, 9, 9, 9, 4], [5]], maxlen=6)
    # padding zeros are masked out: the mean of row 0 is the mean of its three embeddings only
    table = masked.layers[0].get_weights()[0]
    np.testing.assert_allclose(masked.predict(ids)[0], table[[3, 4, 5]].mean(axis=0), rtol=1e-6)
    model.compile("adam", "mse")
    y = np.array([[1.0], [-1.0], [0.5]], np.float32)
    before = model.evaluate(ids, y, verbose=0)
    model.fit(ids, y, epochs=20, verbose=0)
    assert model.evaluate(ids, y, verbose=0) < before
    path = str(tmp_path / "text.h5")
    model.save(path)
    loaded = kf.keras.models.load_model(path)
    assert [type(l).__name__ for l in loaded.layers][1:8] == ["ZeroPadding1D", "Conv1D", "LeakyReLU", "MaxPooling1D",
                                                              "UpSampling1D", "Cropping1D", "GlobalMaxPooling1D"]
    np.testing.assert_allclose(loaded.predict(ids), model.predict(ids), rtol=1e-6)


@pytest.mark.parametrize("make,message", [
    (lambda: MaxPooling1D(0), r"MaxPooling1D: The `pool_size` argument must be positive, got 0"),
    (lambda: AveragePooling1D(2, strides=-2), r"AveragePooling1D: The `strides` argument must be positive, got -2"),
    (lambda: MaxPooling1D(2, padding="causal"),
     r"MaxPooling1D: The `padding` argument must be 'valid' or 'same', got 'causal'"),
    (lambda: GlobalMaxPooling1D(data_format="NWC"), r"data_format.*'NWC'"),
    (lambda: MaxPooling1D((2, 2)), r"MaxPooling1D: The `pool_size` argument must be a tuple of 1 integers"),
    (lambda: kf.layers.MaxPooling2D(0), r"MaxPooling2D: The `pool_size` argument must be positive, got 0"),
    (lambda: kf.layers.AveragePooling2D(2, padding=None), r"AveragePooling2D: The `padding` argument must be"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=3"):
        GlobalAveragePooling1D()(kf.zeros([2, 3]))
