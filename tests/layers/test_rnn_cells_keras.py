"""Keras RNN(cell) with SimpleRNNCell/LSTMCell/GRUCell/StackedRNNCells, and recurrent dropout and stateful
layers: equality with the built-in layers, numpy references, one dropout mask per sequence, states carried
between batches, gradients, configs and h5 round trips."""
import numpy as np
import pytest

import kflow as kf
from layer_gradients import check_layer_gradients

L = kf.keras.layers
PAIRS = [(L.SimpleRNN, L.SimpleRNNCell), (L.LSTM, L.LSTMCell), (L.GRU, L.GRUCell)]


def _predict(layer, x):
    model = kf.keras.Sequential([kf.keras.Input(x.shape[1:]), layer])
    model.compile("sgd", "mse")
    return model


@pytest.mark.parametrize("layer_cls,cell_cls", PAIRS)
def test_rnn_of_a_cell_equals_the_layer(layer_cls, cell_cls):
    x = np.random.RandomState(0).randn(3, 4, 5).astype(np.float32)
    layer = _predict(layer_cls(6, return_sequences=True), x)
    generic = _predict(L.RNN(cell_cls(6), return_sequences=True), x)
    generic.set_weights(layer.get_weights())
    np.testing.assert_allclose(generic.predict(x), layer.predict(x), rtol=1e-6)
    assert [w.name for w in generic.layers[0].weights][0].endswith("/kernel:0")


def test_cell_step_matches_numpy():
    cell = L.SimpleRNNCell(3, activation="tanh")
    x, h = np.random.RandomState(1).randn(2, 4), np.random.RandomState(2).randn(2, 3)
    out, states = cell(kf.constant(x), [kf.constant(h)])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got, (k, rk, b) = sess.run([out, cell.weights])
    np.testing.assert_allclose(got, np.tanh(x @ k + h @ rk + b), rtol=1e-10)
    assert cell.state_size == 3 and L.LSTMCell(4).state_size == [4, 4]


def test_stacked_cells_equal_stacked_layers():
    x = np.random.RandomState(3).randn(2, 5, 3).astype(np.float32)
    inputs = kf.keras.Input((5, 3))
    stacked = kf.keras.Model(inputs, L.RNN([L.LSTMCell(4), L.GRUCell(2)], return_state=True)(inputs))
    assert isinstance(stacked.layers[1].cell, L.StackedRNNCells)
    two = kf.keras.Sequential([kf.keras.Input((5, 3)), L.LSTM(4, return_sequences=True), L.GRU(2)])
    two.set_weights(stacked.get_weights())
    out, h1, c1, h2 = stacked.predict(x)
    np.testing.assert_allclose(out, two.predict(x), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(out, h2)
    assert h1.shape == c1.shape == (2, 4)


@pytest.mark.parametrize("make", [lambda: L.RNN(L.GRUCell(3), name="probe"),
                                  lambda: L.RNN(L.StackedRNNCells([L.SimpleRNNCell(3), L.LSTMCell(2)]),
                                                return_sequences=True, name="probe")])
def test_rnn_cell_gradients(make):
    names = check_layer_gradients(make, [np.random.RandomState(4).randn(2, 3, 4)], rtol=1e-5)
    assert all("kernel" in n or "bias" in n for n in names)


def test_dropout_uses_one_mask_per_sequence():
    eye = kf.keras.initializers.Identity()
    common = dict(activation="linear", use_bias=False, kernel_initializer=eye, return_sequences=True)
    x = np.random.RandomState(5).rand(50, 4, 6) + 0.5
    inputs = kf.constant(x)
    y_in = L.SimpleRNN(6, dropout=0.5, recurrent_initializer="zeros", **common)(inputs, training=True)
    pulse = np.zeros_like(x)
    pulse[:, 0] = x[:, 0]
    y_rec = L.SimpleRNN(6, recurrent_dropout=0.5, recurrent_initializer=eye, **common)(kf.constant(pulse),
                                                                                      training=True)
    y_test = L.SimpleRNN(6, dropout=0.5, recurrent_dropout=0.5, recurrent_initializer="zeros",
                         **common)(inputs, training=False)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b, c = sess.run([y_in, y_rec, y_test])
    mask = a / x
    np.testing.assert_allclose(mask, mask[:, :1].repeat(4, axis=1))  # the same units at every step
    assert set(np.round(np.unique(mask), 6)) == {0.0, 2.0}
    m = np.where(b[:, 0] != 0, b[:, 1] / np.where(b[:, 0] == 0, 1, b[:, 0]), 0)  # recurrent mask, step 1
    np.testing.assert_allclose(b[:, 2], b[:, 1] * m, rtol=1e-10)
    np.testing.assert_allclose(c, x, rtol=1e-10)  # inference: no dropout


def test_stateful_layer_carries_states_between_batches():
    x = np.random.RandomState(6).randn(2, 6, 3).astype(np.float32)
    whole = kf.keras.Sequential([L.LSTM(4, batch_input_shape=(2, 6, 3))])
    whole.compile("sgd", "mse")
    stateful = kf.keras.Sequential([L.LSTM(4, stateful=True, batch_input_shape=(2, 3, 3))])
    stateful.compile("sgd", "mse")
    stateful.set_weights(whole.get_weights())
    first = stateful.predict(x[:, :3], batch_size=2)
    second = stateful.predict(x[:, 3:], batch_size=2)
    np.testing.assert_allclose(second, whole.predict(x), rtol=1e-5, atol=1e-6)
    stateful.layers[0].reset_states()
    np.testing.assert_allclose(stateful.predict(x[:, :3], batch_size=2), first, rtol=1e-6)
    assert len(stateful.get_weights()) == 3  # the carried states are not weights
    with pytest.raises(ValueError, match="stateful RNN needs a fixed batch size"):
        kf.keras.Sequential([L.GRU(2, stateful=True, input_shape=(3, 3))])


def test_configs_and_h5_round_trip(trains_and_round_trips):
    layer = L.RNN(L.StackedRNNCells([L.LSTMCell(3, dropout=0.1), L.GRUCell(2)]), return_sequences=True)
    config = layer.get_config()
    assert L.RNN.from_config(config).get_config() == config
    lstm = L.LSTM(3, dropout=0.2, recurrent_dropout=0.1, stateful=False)
    assert L.LSTM.from_config(lstm.get_config()).get_config() == lstm.get_config()
    rng = np.random.RandomState(7)
    x = rng.randn(32, 5, 3).astype(np.float32)
    y = x.sum(axis=(1, 2))[:, None] / 5
    model = kf.keras.Sequential([kf.keras.Input((5, 3)), L.LSTM(4, dropout=0.1, recurrent_dropout=0.1,
                                                                return_sequences=True),
                                 L.RNN([L.SimpleRNNCell(4), L.GRUCell(3)]), L.Dense(1)])
    model.compile(kf.keras.optimizers.Adam(0.01), "mse")
    loaded = trains_and_round_trips(model, x, y)
    assert isinstance(loaded.layers[1].cell.cells[1], L.GRUCell)


def _gru_reset_after_reference(x, kernel, recurrent, bias):
    def hard_sigmoid(v):
        return np.clip(0.2 * v + 0.5, 0, 1)

    h = np.zeros((x.shape[0], recurrent.shape[0]))
    outputs = []
    for t in range(x.shape[1]):
        xz, xr, xh = np.split(x[:, t] @ kernel + bias[0], 3, axis=1)
        hz, hr, hh = np.split(h @ recurrent + bias[1], 3, axis=1)
        z, r = hard_sigmoid(xz + hz), hard_sigmoid(xr + hr)
        h = z * h + (1 - z) * np.tanh(xh + r * hh)
        outputs.append(h)
    return np.stack(outputs, 1)


def test_gru_reset_after_matches_numpy_and_the_cell(trains_and_round_trips):
    x = np.random.RandomState(8).randn(2, 4, 3)
    layer = L.GRU(5, reset_after=True, return_sequences=True, bias_initializer="random_normal")
    out = layer(kf.constant(x))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        got, weights = sess.run([out, layer.weights])
    assert weights[2].shape == (2, 15)
    np.testing.assert_allclose(got, _gru_reset_after_reference(x, *weights), rtol=1e-10)
    check_layer_gradients(lambda: L.RNN(L.GRUCell(3, reset_after=True), name="probe"), [x], rtol=1e-5)
    assert L.GRU.from_config(layer.get_config()).reset_after is True
    xf = x.astype(np.float32)
    model = kf.keras.Sequential([kf.keras.Input((4, 3)), L.GRU(4, reset_after=True), L.Dense(1)])
    model.compile(kf.keras.optimizers.Adam(0.01), "mse")
    trains_and_round_trips(model, xf, xf.sum(axis=(1, 2))[:, None])
