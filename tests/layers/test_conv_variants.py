"""DepthwiseConv2D, SeparableConv2D/1D, Conv3D, MaxPooling3D/AveragePooling3D: naive numpy references
(both paddings, strides, dilations, channels_first), gradients w.r.t. inputs and weights, configs, and models
that fit, save and load."""
import numpy as np
import pytest

import kflow as kf
from conv_reference import conv_reference, depthwise_reference, pool_reference
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def _run_layer(layer, x):
    y = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run([y, layer.weights])


@pytest.mark.parametrize("padding,strides,dilation,multiplier", [("valid", (1, 1), (1, 1), 1),
                                                                 ("same", (2, 1), (1, 1), 2),
                                                                 ("same", (1, 1), (2, 2), 3)])
def test_depthwise_and_separable_match_numpy(padding, strides, dilation, multiplier):
    x = np.random.RandomState(0).randn(2, 7, 6, 3)
    out, (dw, b) = _run_layer(L.DepthwiseConv2D(3, strides=strides, padding=padding, dilation_rate=dilation,
                                                depth_multiplier=multiplier, bias_initializer="ones"), x)
    np.testing.assert_allclose(out, depthwise_reference(x, dw, strides, dilation, padding) + b, rtol=1e-9)
    out, (dw, pw, b) = _run_layer(L.SeparableConv2D(5, (3, 2), strides=strides, padding=padding,
                                                    dilation_rate=dilation, depth_multiplier=multiplier), x)
    depthwise = depthwise_reference(x, dw, strides, dilation, padding)
    np.testing.assert_allclose(out, np.tensordot(depthwise, pw[0, 0], 1) + b, rtol=1e-9)


def test_channels_first_and_1d():
    x = np.random.RandomState(1).randn(2, 3, 6, 5)
    out, (dw, b) = _run_layer(L.DepthwiseConv2D(3, data_format="channels_first", depth_multiplier=2), x)
    expect = depthwise_reference(x.transpose(0, 2, 3, 1), dw, (1, 1), (1, 1), "valid") + b
    np.testing.assert_allclose(out, expect.transpose(0, 3, 1, 2), rtol=1e-9)
    seq = np.random.RandomState(2).randn(2, 9, 4)
    out, (dw, pw, b) = _run_layer(L.SeparableConv1D(3, 3, strides=2, padding="same"), seq)
    assert dw.shape == (1, 3, 4, 1) and out.shape == (2, 5, 3)
    depthwise = depthwise_reference(seq[:, None], dw, (1, 2), (1, 1), "same")[:, 0]
    np.testing.assert_allclose(out, np.tensordot(depthwise, pw[0, 0], 1) + b, rtol=1e-9)


@pytest.mark.parametrize("padding,strides,dilation", [("valid", (1, 1, 1), (1, 1, 1)), ("same", (2, 1, 2), (1, 1, 1)),
                                                      ("same", (1, 1, 1), (2, 1, 2)), ("valid", (2, 2, 1), (1, 1, 1))])
def test_conv3d_matches_numpy(padding, strides, dilation):
    x = np.random.RandomState(3).randn(2, 5, 6, 4, 2)
    out, (w, b) = _run_layer(L.Conv3D(3, (3, 2, 3), strides=strides, padding=padding, dilation_rate=dilation), x)
    np.testing.assert_allclose(out, conv_reference(x, w, strides, dilation, padding) + b, rtol=1e-9, atol=1e-12)
    first, (w, b) = _run_layer(L.Conv3D(3, 2, padding=padding, data_format="channels_first"),
                               x.transpose(0, 4, 1, 2, 3))
    expect = conv_reference(x, w, (1, 1, 1), (1, 1, 1), padding) + b
    np.testing.assert_allclose(first, expect.transpose(0, 4, 1, 2, 3), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("cls,mode", [(L.MaxPooling3D, "max"), (L.AveragePooling3D, "avg")])
@pytest.mark.parametrize("size,strides,padding", [((2, 2, 2), None, "valid"), ((3, 2, 3), (2, 2, 2), "same"),
                                                  ((1, 3, 2), (1, 1, 2), "same")])
def test_pooling3d_matches_numpy(cls, mode, size, strides, padding):
    x = np.random.RandomState(4).randn(2, 5, 6, 4, 3)
    out, _ = _run_layer(cls(size, strides=strides, padding=padding), x)
    np.testing.assert_allclose(out, pool_reference(x, size, strides or size, padding, mode), rtol=1e-9)


@pytest.mark.parametrize("make,shape", [
    (lambda: L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="probe"), (2, 5, 4, 2)),
    (lambda: L.SeparableConv2D(3, 2, strides=2, name="probe"), (2, 5, 4, 2)),
    (lambda: L.SeparableConv1D(2, 3, padding="same", name="probe"), (2, 6, 3)),
    (lambda: L.Conv3D(2, (2, 3, 2), padding="same", strides=(2, 1, 1), name="probe"), (1, 4, 4, 3, 2)),
    (lambda: L.MaxPooling3D(2, padding="same", name="probe"), (1, 3, 4, 4, 2)),
    (lambda: L.AveragePooling3D((3, 2, 2), strides=2, padding="same", name="probe"), (1, 5, 4, 4, 2))])
def test_gradients_and_config(make, shape):
    check_layer_gradients(make, [np.random.RandomState(5).randn(*shape)], rtol=1e-5)
    layer = make()
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config


def test_models_fit_save_and_load(trains_and_round_trips):
    rng = np.random.RandomState(6)
    images = rng.randn(16, 6, 6, 3).astype(np.float32)
    model = kf.keras.Sequential([L.SeparableConv2D(4, 3, padding="same", input_shape=(6, 6, 3)),
                                 L.DepthwiseConv2D(3, depth_multiplier=2), L.GlobalAveragePooling2D(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.01), "mse")
    trains_and_round_trips(model, images, images.mean(axis=(1, 2, 3))[:, None])
    volumes = rng.randn(8, 4, 4, 4, 2).astype(np.float32)
    model = kf.keras.Sequential([L.Conv3D(3, 2, padding="same", input_shape=(4, 4, 4, 2)), L.MaxPooling3D(2),
                                 L.AveragePooling3D((2, 1, 1)), L.Flatten(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.01), "mse")
    loaded = trains_and_round_trips(model, volumes, volumes.mean(axis=(1, 2, 3, 4))[:, None])
    assert [type(l).__name__ for l in loaded.layers][:3] == ["Conv3D", "MaxPooling3D", "AveragePooling3D"]


def test_depthwise_conv1d_matches_numpy():
    seq = np.random.RandomState(7).randn(2, 9, 3)
    out, (dw, b) = _run_layer(L.DepthwiseConv1D(3, strides=2, padding="same", depth_multiplier=2), seq)
    assert dw.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(out, depthwise_reference(seq[:, None], dw, (1, 2), (1, 1), "same")[:, 0] + b,
                               rtol=1e-9)


@pytest.mark.parametrize("padding,strides,output_padding", [("valid", 1, None), ("same", 2, None),
                                                            ("valid", 2, 1)])
def test_conv1d_transpose_is_the_2d_layer_on_a_row(padding, strides, output_padding):
    seq = np.random.RandomState(8).randn(2, 5, 3)
    layer = L.Conv1DTranspose(4, 3, strides=strides, padding=padding, output_padding=output_padding)
    out = layer(kf.constant(seq))
    row = L.Conv2DTranspose(4, (1, 3), strides=(1, strides), padding=padding,
                            output_padding=None if output_padding is None else (0, output_padding))
    reference = row(kf.constant(seq[:, None]))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([w.assign(v) for w, v in zip(row.weights, sess.run(layer.weights))])
        got, want = sess.run([out, reference])
    np.testing.assert_allclose(got, want[:, 0], rtol=1e-12)
    assert layer.compute_output_shape([None, 5, 3]).as_list() == [None] + list(got.shape[1:])
    check_layer_gradients(lambda: L.Conv1DTranspose(2, 3, strides=strides, padding=padding,
                                                    output_padding=output_padding, name="probe"), [seq])
    config = layer.get_config()
    assert L.Conv1DTranspose.from_config(config).get_config() == config


def test_1d_variants_fit_save_and_load(trains_and_round_trips):
    seq = np.random.RandomState(9).randn(16, 6, 2).astype(np.float32)
    model = kf.keras.Sequential([L.DepthwiseConv1D(3, depth_multiplier=2, input_shape=(6, 2)),
                                 L.Conv1DTranspose(3, 3, strides=2), L.GlobalAveragePooling1D(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.01), "mse")
    trains_and_round_trips(model, seq, seq.mean(axis=(1, 2))[:, None])
