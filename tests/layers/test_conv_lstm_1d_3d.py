"""ConvLSTM1D and ConvLSTM3D (the rank-generic ConvLSTM): numpy references with conv_reference, shapes,
channels_first, masks, gradients, config and models that fit, save and load."""
import numpy as np
import pytest

import kflow as kf
from conv_reference import conv_reference
from kflow.layers.conv_lstm import ConvLSTM
from layer_gradients import check_layer_gradients

L = kf.keras.layers
LAYERS = {1: L.ConvLSTM1D, 3: L.ConvLSTM3D}


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def conv_lstm_reference(x, kernel, recurrent, bias, padding, strides, dilation):
    """Keras's LSTM equations (gates i, f, c, o) with convolutions for the products; sigmoid gates."""
    rank = x.ndim - 3
    h = c = None
    outputs = []
    for t in range(x.shape[1]):
        z = conv_reference(x[:, t], kernel, strides, dilation, padding) + bias
        if h is None:
            h = c = np.zeros(z.shape[:-1] + (kernel.shape[-1] // 4,))
        z = z + conv_reference(h, recurrent, (1,) * rank, (1,) * rank, "same")
        i, f, g, o = np.split(z, 4, axis=-1)
        c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
        h = _sigmoid(o) * np.tanh(c)
        outputs.append(h)
    return np.stack(outputs, 1), h, c


@pytest.mark.parametrize("rank,shape,kernel,padding,strides,dilation", [
    (1, (2, 3, 9, 2), 3, "valid", 1, 1),
    (1, (2, 4, 9, 3), 2, "same", 2, 1),
    (1, (1, 3, 9, 2), 3, "valid", 1, 2),
    (3, (2, 2, 4, 5, 4, 2), (2, 3, 2), "valid", 1, 1),
    (3, (1, 3, 4, 4, 3, 1), 3, "same", (2, 1, 2), 1),
])
def test_conv_lstm_matches_numpy(rank, shape, kernel, padding, strides, dilation):
    x = np.random.RandomState(0).randn(*shape)
    layer = LAYERS[rank](3, kernel, strides=strides, padding=padding, dilation_rate=dilation,
                         recurrent_activation="sigmoid", return_sequences=True, return_state=True,
                         bias_initializer="random_normal")
    outs = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        (seq, h, c), weights = sess.run([outs, layer.weights])
    k = (kernel,) * rank if isinstance(kernel, int) else kernel
    assert [w.shape for w in weights] == [k + (shape[-1], 12), k + (3, 12), (12,)]
    n = rank
    expect = conv_lstm_reference(x, *weights, padding, (strides,) * n if isinstance(strides, int) else strides,
                                 (dilation,) * n)
    for got, want in zip((seq, h, c), expect):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12)
    assert [s.as_list() for s in layer.compute_output_shape(x.shape)] == [list(seq.shape), list(h.shape),
                                                                          list(c.shape)]


@pytest.mark.parametrize("rank", [1, 3])
def test_channels_first_and_mask(rank):
    shape = (2, 3, 4, 2) if rank == 1 else (2, 3, 3, 2, 3, 2)
    x = np.random.RandomState(1).randn(*shape)
    last = LAYERS[rank](2, 2, padding="same", return_sequences=True)
    first = LAYERS[rank](2, 2, padding="same", return_sequences=True, data_format="channels_first")
    to_first = [0, 1, rank + 2] + list(range(2, rank + 2))
    a, b = last(kf.constant(x)), first(kf.constant(x.transpose(to_first)))
    masked = last(kf.constant(x), mask=kf.constant(np.array([[1, 0, 0], [1, 1, 1]], bool)))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([w.assign(v) for w, v in zip(first.weights, sess.run(last.weights))])
        got_last, got_first, got_masked = sess.run([a, b, masked])
    back = [0, 1] + list(range(3, rank + 3)) + [2]
    np.testing.assert_allclose(got_first.transpose(back), got_last, rtol=1e-9)
    assert first.compute_output_shape(x.transpose(to_first).shape).as_list() == list(got_first.shape)
    np.testing.assert_allclose(got_masked[0, 2], got_last[0, 0], rtol=1e-9)   # masked steps keep the state
    np.testing.assert_allclose(got_masked[1], got_last[1], rtol=1e-9)


def test_gradients_config_and_errors():
    rng = np.random.RandomState(2)
    check_layer_gradients(lambda: L.ConvLSTM1D(2, 2, padding="same", name="probe"), [rng.randn(1, 3, 4, 2)],
                          rtol=1e-5)
    check_layer_gradients(lambda: L.ConvLSTM3D(1, 2, name="probe"), [rng.randn(1, 2, 3, 2, 3, 1)], rtol=1e-5)
    for layer in (L.ConvLSTM1D(4, 3, strides=2, return_sequences=True), L.ConvLSTM3D(2, (1, 2, 3), go_backwards=True)):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config
    assert L.ConvLSTM3D(2, 3).get_config()["kernel_size"] == (3, 3, 3)
    with pytest.raises(TypeError, match="use ConvLSTM1D, ConvLSTM2D or ConvLSTM3D"):
        ConvLSTM(2, 3)
    with pytest.raises(NotImplementedError, match="ConvLSTM3D: dropout"):
        L.ConvLSTM3D(2, 3, recurrent_dropout=0.1)
    with pytest.raises(ValueError, match="ConvLSTM1D: the channel dimension"):
        L.ConvLSTM1D(2, 3)(kf.placeholder(kf.float32, [None, 3, 5, None]))


@pytest.mark.parametrize("rank", [1, 3])
def test_conv_lstm_model_fits_saves_and_loads(rank, trains_and_round_trips):
    rng = np.random.RandomState(4)
    shape = (16, 3, 5, 1) if rank == 1 else (16, 2, 3, 3, 3, 1)
    x = rng.randn(*shape).astype(np.float32)
    model = kf.keras.Sequential([LAYERS[rank](2, 3, padding="same", input_shape=shape[1:]), L.Flatten(), L.Dense(1)])
    model.compile(kf.keras.optimizers.SGD(0.05), "mse")
    trains_and_round_trips(model, x, x.mean(axis=tuple(range(1, x.ndim)))[:, None])
