"""ConvLSTM2D: a numpy reference (convolutions from conv_reference), masks, states, channels_first, gradients,
config and a model that fits, saves and loads."""
import numpy as np
import pytest

import kflow as kf
from conv_reference import conv_reference
from layer_gradients import check_layer_gradients

L = kf.keras.layers


def _hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0, 1)


def conv_lstm_reference(x, kernel, recurrent, bias, padding, strides=(1, 1)):
    h = c = None
    outputs = []
    for t in range(x.shape[1]):
        z = conv_reference(x[:, t], kernel, strides, (1, 1), padding) + bias
        if h is None:
            h = c = np.zeros(z.shape[:-1] + (kernel.shape[-1] // 4,))
        z = z + conv_reference(h, recurrent, (1, 1), (1, 1), "same")
        i, f, g, o = np.split(z, 4, axis=-1)
        c = _hard_sigmoid(f) * c + _hard_sigmoid(i) * np.tanh(g)
        h = _hard_sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), h, c


@pytest.mark.parametrize("padding,strides", [("valid", (1, 1)), ("same", (2, 1))])
def test_conv_lstm_matches_numpy(padding, strides):
    x = np.random.RandomState(0).randn(2, 3, 6, 5, 2)
    layer = L.ConvLSTM2D(3, (3, 2), strides=strides, padding=padding, return_sequences=True, return_state=True)
    outs = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        (seq, h, c), weights = sess.run([outs, layer.weights])
    expect = conv_lstm_reference(x, *weights, padding, strides)
    for got, want in zip((seq, h, c), expect):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert layer.compute_output_shape(x.shape)[0].as_list() == list(seq.shape)


def test_channels_first_mask_and_initial_state():
    x = np.random.RandomState(1).randn(2, 4, 5, 5, 2)
    layer = L.ConvLSTM2D(2, 3, padding="same", kernel_initializer="glorot_uniform")
    last = layer(kf.constant(x))
    first = L.ConvLSTM2D(2, 3, padding="same", data_format="channels_first")
    out_first = first(kf.constant(x.transpose(0, 1, 4, 2, 3)))
    mask = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)
    masked = layer(kf.constant(x), mask=kf.constant(mask))
    short = layer(kf.constant(x[:, :2]))
    state = kf.constant(np.random.RandomState(2).randn(2, 5, 5, 2))
    started = layer(kf.constant(x), initial_state=[state, state])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([w.assign(v) for w, v in zip(first.weights, sess.run(layer.weights))])
        a, b, m, s, st = sess.run([last, out_first, masked, short, started])
    np.testing.assert_allclose(b.transpose(0, 2, 3, 1), a, rtol=1e-9)
    np.testing.assert_allclose(m[0], s[0], rtol=1e-9)  # masked steps keep the state
    np.testing.assert_allclose(m[1], a[1], rtol=1e-9)
    assert not np.allclose(st, a)


def test_gradients_config_and_errors():
    check_layer_gradients(lambda: L.ConvLSTM2D(2, 2, padding="same", name="probe"),
                          [np.random.RandomState(3).randn(1, 3, 3, 3, 2)], rtol=1e-5)
    layer = L.ConvLSTM2D(4, 3, strides=2, return_sequences=True, go_backwards=True)
    config = layer.get_config()
    assert L.ConvLSTM2D.from_config(config).get_config() == config
    with pytest.raises(NotImplementedError, match="dropout"):
        L.ConvLSTM2D(2, 3, dropout=0.1)


def test_conv_lstm_model_fits_saves_and_loads(trains_and_round_trips):
    rng = np.random.RandomState(4)
    frames = rng.randn(16, 3, 4, 4, 1).astype(np.float32)
    model = kf.keras.Sequential([L.ConvLSTM2D(2, 3, padding="same", input_shape=(3, 4, 4, 1)), L.Flatten(),
                                 L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.05), "mse")
    trains_and_round_trips(model, frames, frames.mean(axis=(1, 2, 3, 4))[:, None])
