"""Conv1D ("valid", "same", "causal", strides, dilation, both data formats): numpy reference, gradients through
input, kernel and bias, shapes, configs, h5 round trip and argument errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import Conv1D


def conv1d_ref(x, w, stride, padding, dilation):
    """x [n, steps, c], w [k, c, f]: pads as TF/Keras, then a direct loop over output steps."""
    steps, k = x.shape[1], w.shape[0]
    span = (k - 1) * dilation + 1
    if padding == "causal":
        before, after = span - 1, 0
    elif padding == "same":
        out = -(-steps // stride)
        total = max((out - 1) * stride + span - steps, 0)
        before, after = total // 2, total - total // 2
    else:
        before = after = 0
    xp = np.pad(x, [(0, 0), (before, after), (0, 0)])
    out = (xp.shape[1] - span) // stride + 1
    return np.stack([np.einsum("nkc,kcf->nf", xp[:, t * stride:t * stride + span:dilation], w)
                     for t in range(out)], axis=1)


_SETTINGS = [("valid", 1, 1), ("valid", 2, 1), ("same", 1, 1), ("same", 2, 1), ("same", 1, 2), ("causal", 1, 1),
             ("causal", 1, 3), ("valid", 1, 2)]


@pytest.mark.parametrize("padding,stride,dilation", _SETTINGS)
def test_conv1d_matches_numpy(padding, stride, dilation):
    x = np.random.RandomState(0).randn(2, 9, 3)
    layer = Conv1D(4, 3, strides=stride, padding=padding, dilation_rate=dilation,
                   bias_initializer=kf.constant_initializer(0.25))
    inputs = kf.placeholder(kf.float64, [None, 9, 3])
    y = layer(inputs)
    assert layer.kernel.name == "conv1d/kernel:0" and layer.kernel.shape.as_list() == [3, 3, 4]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        out, w = sess.run([y, layer.kernel], {inputs: x})
    expect = conv1d_ref(x, w, stride, padding, dilation) + 0.25
    assert y.shape.as_list() == [None] + list(expect.shape[1:])
    assert layer.compute_output_shape([None, 9, 3]).as_list() == [None] + list(expect.shape[1:])
    assert layer.compute_output_shape([None, None, 3]).as_list() == [None, None, 4]
    np.testing.assert_allclose(out, expect, rtol=1e-10, atol=1e-10)


def test_causal_output_ignores_the_future():
    x = np.random.RandomState(1).randn(1, 8, 2)
    later = x.copy()
    later[:, 5:] += 10.0
    inputs = kf.placeholder(kf.float32, [None, None, 2])
    y = Conv1D(3, 4, padding="causal", dilation_rate=2)(inputs)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b = sess.run(y, {inputs: x}), sess.run(y, {inputs: later})
    assert a.shape == (1, 8, 3)
    np.testing.assert_allclose(a[:, :5], b[:, :5], rtol=1e-6)
    assert not np.allclose(a[:, 5:], b[:, 5:])


def test_channels_first_matches_channels_last():
    x = np.random.RandomState(2).randn(2, 7, 3)
    last = Conv1D(2, 3, padding="same", kernel_initializer="ones", name="last")(kf.constant(x))
    first_layer = Conv1D(2, 3, padding="same", data_format="channels_first", kernel_initializer="ones")
    first = first_layer(kf.constant(x.transpose(0, 2, 1)))
    assert first.shape.as_list() == [2, 2, 7]
    assert first_layer.compute_output_shape([None, 3, None]).as_list() == [None, 2, None]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b = sess.run([last, first])
    np.testing.assert_allclose(a, b.transpose(0, 2, 1), rtol=1e-10)


@pytest.mark.parametrize("padding,stride,dilation", [("causal", 1, 2), ("same", 2, 1)])
def test_conv1d_layer_gradients(padding, stride, dilation):
    rng = np.random.RandomState(3)

    def fn(x, kernel, bias):
        given = {"g/conv1d/kernel": kernel, "g/conv1d/bias": bias}
        with kf.variable_scope("g", custom_getter=lambda getter, name, *a, **k: given[name]):
            return Conv1D(2, 3, strides=stride, padding=padding, dilation_rate=dilation, activation="tanh")(x)

    check_gradients(fn, [rng.randn(2, 6, 3), rng.randn(3, 3, 2), rng.randn(2)])


def test_config_round_trip():
    layer = Conv1D(5, 4, strides=2, padding="causal", activation="relu", kernel_regularizer="l2", use_bias=False)
    config = layer.get_config()
    assert config["kernel_size"] == (4,) and config["padding"] == "causal" and config["activation"] == "relu"
    assert Conv1D.from_config(config).get_config() == config


@pytest.mark.parametrize("make,message", [
    (lambda: Conv1D(0, 3), r"Conv1D: The `filters` argument must be positive, got 0"),
    (lambda: Conv1D(2, -1), r"Conv1D: The `kernel_size` argument must be positive, got -1"),
    (lambda: Conv1D(2, (3, 3)), r"Conv1D: The `kernel_size` argument must be a tuple of 1 integers, got \(3, 3\)"),
    (lambda: Conv1D(2, 3, strides="x"), r"Conv1D: The `strides` argument must be a tuple of 1 integers, got 'x'"),
    (lambda: Conv1D(2, 3, padding="full"), r"Conv1D: `padding` must be 'valid', 'same' or 'causal', got 'full'"),
    (lambda: Conv1D(2, 3, strides=2, dilation_rate=2), r"Conv1D: strides > 1 .* dilation_rate > 1"),
])
def test_bad_arguments(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_bad_inputs():
    with pytest.raises(ValueError, match="expected ndim=3"):
        Conv1D(2, 3)(kf.zeros([2, 5, 5, 1]))
    with pytest.raises(ValueError, match=r"channel dimension of the inputs to Conv1D"):
        Conv1D(2, 3)(kf.placeholder(kf.float32, [None, 5, None]))
