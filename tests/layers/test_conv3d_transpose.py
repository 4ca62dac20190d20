"""Conv3DTranspose: a scatter-add numpy reference (TF's padding rule), output sizes with output_padding and
unknown sizes, channels_first, float64 gradients of the layer and of the op's gradient ops, config, a model."""
import itertools

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def transpose_conv_reference(x, w, strides, padding, out_sizes):
    """Each input voxel adds ``x[i] . w[tap]^T`` at ``i * stride + tap`` of the full output; the window the
    forward convolution of an ``out_sizes`` input would pad (TF's rule) is then cut out."""
    n, spatial, filters = x.shape[0], x.shape[1:4], w.shape[3]
    k = w.shape[:3]
    full = [(d - 1) * s + kk for d, s, kk in zip(spatial, strides, k)]
    before = [max((d - 1) * s + kk - o, 0) // 2 if padding == "same" else 0
              for d, s, kk, o in zip(spatial, strides, k, out_sizes)]
    size = [max(f, b + o) for f, b, o in zip(full, before, out_sizes)]
    out = np.zeros((n, *size, filters))
    for i in itertools.product(*[range(d) for d in spatial]):
        for t in itertools.product(*[range(kk) for kk in k]):
            at = tuple(ii * s + tt for ii, s, tt in zip(i, strides, t))
            out[(slice(None),) + at] += x[(slice(None),) + i] @ w[t].T
    return out[:, before[0]:before[0] + out_sizes[0], before[1]:before[1] + out_sizes[1],
               before[2]:before[2] + out_sizes[2]]


@pytest.mark.parametrize("kernel,strides,padding,output_padding,expect", [
    ((2, 3, 2), (1, 2, 2), "valid", None, (4, 7, 6)),
    ((3, 3, 3), (2, 2, 1), "same", None, (6, 6, 3)),
    ((3, 2, 3), (2, 3, 2), "same", (1, 2, 0), (6, 8, 5)),
    ((2, 2, 2), (2, 2, 2), "valid", (1, 0, 1), (7, 6, 7)),
])
def test_conv3d_transpose_matches_numpy(kernel, strides, padding, output_padding, expect):
    x = np.random.RandomState(0).randn(2, 3, 3, 3, 2)
    layer = L.Conv3DTranspose(4, kernel, strides=strides, padding=padding, output_padding=output_padding,
                              bias_initializer="random_normal", activation="tanh")
    ph = kf.placeholder(kf.float64, [None, None, None, None, 2])
    out, dynamic = layer(kf.constant(x)), layer(ph)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got, got_dynamic, (w, b) = sess.run([out, dynamic, layer.weights], {ph: x})
    assert w.shape == kernel + (4, 2)
    assert got.shape == (2,) + expect + (4,) and out.shape.as_list() == list(got.shape)
    assert layer.compute_output_shape(x.shape).as_list() == list(got.shape)
    want = np.tanh(transpose_conv_reference(x, w, strides, padding, expect) + b)
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(got_dynamic, want, rtol=1e-10, atol=1e-12)


def test_channels_first_matches_channels_last():
    x = np.random.RandomState(1).randn(1, 2, 3, 2, 3)
    last = L.Conv3DTranspose(2, 2, strides=2)
    first = L.Conv3DTranspose(2, 2, strides=2, data_format="channels_first")
    a, b = last(kf.constant(x)), first(kf.constant(x.transpose(0, 4, 1, 2, 3)))
    assert first.compute_output_shape((1, 3, 2, 3, 2)).as_list() == [1, 2, 4, 6, 4]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([w.assign(v) for w, v in zip(first.weights, sess.run(last.weights))])
        got_last, got_first = sess.run([a, b])
    np.testing.assert_allclose(got_first.transpose(0, 2, 3, 4, 1), got_last, rtol=1e-12)


def test_gradients_including_second_order():
    rng = np.random.RandomState(2)
    check_layer_gradients(lambda: L.Conv3DTranspose(2, (2, 3, 2), strides=(2, 1, 2), padding="same",
                                                    name="probe"), [rng.randn(1, 2, 3, 2, 2)])
    # the op's own gradient ops (a Conv3D and a filter backprop) differentiate again
    x, w = rng.randn(1, 2, 2, 3, 2), rng.randn(2, 2, 2, 3, 2)

    def first_order(x_, w_):
        y = kf.nn.conv3d_backprop_input_v2([1, 4, 4, 6, 3], w_, x_, strides=[1, 2, 2, 2, 1], padding="SAME")
        return kf.gradients(kf.reduce_sum(y * y), [x_, w_])

    check_gradients(first_order, [x, w])


def test_config_errors_and_aliases():
    layer = L.Conv3DTranspose(3, 2, strides=(2, 2, 1), output_padding=(1, 0, 0), padding="same")
    config = layer.get_config()
    assert "dilation_rate" not in config and config["output_padding"] == (1, 0, 0)
    assert L.Conv3DTranspose.from_config(config).get_config() == config
    assert L.Convolution3DTranspose is L.Conv3DTranspose is L.Deconv3D
    with pytest.raises(ValueError, match="smaller than the strides"):
        L.Conv3DTranspose(3, 2, output_padding=1)
    with pytest.raises(ValueError, match="the size 4, whose convolution has size 2, not the input's 3"):
        L.Conv3DTranspose(3, 2, strides=2, padding="same", output_padding=(1, 0, 1))(kf.zeros([1, 3, 3, 3, 1]))
    with pytest.raises(NotImplementedError, match="dilation_rate"):
        L.Conv3DTranspose(3, 2, dilation_rate=2)
    with pytest.raises(ValueError, match="channel dimension"):
        L.Conv3DTranspose(3, 2)(kf.placeholder(kf.float32, [None, 2, 2, 2, None]))


def test_conv3d_transpose_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(3)
    x = rng.randn(16, 2, 2, 2, 1).astype(np.float32)
    y = np.repeat(np.repeat(np.repeat(x, 2, 1), 2, 2), 2, 3)
    model = kf.keras.Sequential([L.Conv3DTranspose(1, 2, strides=2, input_shape=(2, 2, 2, 1))])
    model.compile(kf.keras.optimizers.SGD(0.1), "mse")
    trains_and_round_trips(model, x, y)
