import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import Bidirectional, SimpleRNN, LSTM, GRU, Dense

_NUMPY_MERGES = {"concat": lambda a, b: np.concatenate([a, b], -1), "sum": np.add, "mul": np.multiply,
                 "ave": lambda a, b: (a + b) / 2}


def _reference(rnn, weights, xv, return_sequences):
    """The output of a separately built ``rnn`` layer with the given weights, in a fresh graph."""
    k, rk, b = weights
    extra = {"unit_forget_bias": False} if rnn is LSTM else {}
    with kf.Graph().as_default():
        layer = rnn(rk.shape[0], return_sequences=return_sequences, kernel_initializer=kf.constant_initializer(k),
                    recurrent_initializer=kf.constant_initializer(rk), bias_initializer=kf.constant_initializer(b),
                    **extra)
        y = layer(kf.constant(xv))
        with kf.Session() as sess:
            sess.run(kf.global_variables_initializer())
            return sess.run(y)


@pytest.mark.parametrize("rnn", [SimpleRNN, LSTM, GRU])
@pytest.mark.parametrize("return_sequences", [True, False])
def test_matches_two_rnns_forward_and_on_the_reversed_input(rnn, return_sequences):
    rng = np.random.RandomState(0)
    xv = rng.randn(2, 4, 3)
    layers = {mode: Bidirectional(rnn(2, return_sequences=return_sequences, bias_initializer="random_normal"),
                                  merge_mode=mode) for mode in ["concat", "sum", "mul", "ave", None]}
    outs = {mode: layer(kf.constant(xv)) for mode, layer in layers.items()}
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        values = sess.run(outs)
        weights = sess.run({mode: layer.weights for mode, layer in layers.items()})
    for mode in layers:
        fwd = _reference(rnn, weights[mode][:3], xv, return_sequences)
        bwd = _reference(rnn, weights[mode][3:], xv[:, ::-1], return_sequences)
        if return_sequences:
            bwd = bwd[:, ::-1]  # back to input order
        if mode is None:
            np.testing.assert_allclose(values[mode][0], fwd, rtol=1e-10)
            np.testing.assert_allclose(values[mode][1], bwd, rtol=1e-10)
        else:
            np.testing.assert_allclose(values[mode], _NUMPY_MERGES[mode](fwd, bwd), rtol=1e-10)


def test_weight_names_and_return_state_order(run_initialized):
    xv = np.random.RandomState(1).randn(2, 3, 2)
    bi = Bidirectional(LSTM(3, return_state=True))
    out, fh, fc, bh, bc = bi(kf.constant(xv))
    assert [w.name for w in bi.weights] == [
        "bidirectional/forward_lstm/kernel:0", "bidirectional/forward_lstm/recurrent_kernel:0",
        "bidirectional/forward_lstm/bias:0", "bidirectional/backward_lstm/kernel:0",
        "bidirectional/backward_lstm/recurrent_kernel:0", "bidirectional/backward_lstm/bias:0"]
    used = LSTM(3, name="used")
    used(kf.constant(xv))  # a built layer only lends its config: its weights stay out of the wrapper's
    assert len(Bidirectional(used).weights) == 0 and Bidirectional(used).layer is used
    assert bi.forward_layer.go_backwards is False and bi.backward_layer.go_backwards is True
    o, h1, h2 = run_initialized([out, fh, bh])
    np.testing.assert_array_equal(o, np.concatenate([h1, h2], -1))  # last outputs are the h states


def test_gradient_through_input_and_both_directions_weights():
    rng = np.random.RandomState(2)
    names = ["forward_gru/kernel", "forward_gru/recurrent_kernel", "forward_gru/bias",
             "backward_gru/kernel", "backward_gru/recurrent_kernel", "backward_gru/bias"]

    def fn(x, *ws):
        given = {"g/bi/" + n: w for n, w in zip(names, ws)}

        def getter(next_getter, name, *args, **kwargs):
            return given[name] if name in given else next_getter(name, *args, **kwargs)

        with kf.variable_scope("g", custom_getter=getter):
            return Bidirectional(GRU(2, return_sequences=True, name="gru"), name="bi")(x)

    weights = [rng.randn(3, 6) * 0.5, rng.randn(2, 6) * 0.5, rng.randn(6) * 0.5] * 2
    check_gradients(fn, [rng.randn(2, 3, 3)] + [w + rng.randn(*w.shape) * 0.1 for w in weights], rtol=1e-5)


@pytest.mark.parametrize("rnn", [SimpleRNN, LSTM, GRU])
def test_embedding_mask_reaches_both_directions(rnn):
    # post-padded ids must give what the unpadded sequence gives: the backward layer starts on padded steps
    L = kf.keras.layers
    padded = kf.keras.Sequential([L.Embedding(10, 4, mask_zero=True, input_length=5),
                                  L.Bidirectional(rnn(3, return_sequences=True)), L.Dense(3),
                                  L.Bidirectional(rnn(2), merge_mode="sum")])
    short = kf.keras.Sequential([L.Embedding(10, 4, input_length=2),
                                 L.Bidirectional(rnn(3, return_sequences=True)), L.Dense(3),
                                 L.Bidirectional(rnn(2), merge_mode="sum")])
    short.set_weights(padded.get_weights())
    np.testing.assert_allclose(padded.predict(np.array([[5, 3, 0, 0, 0], [7, 1, 0, 0, 0]])),
                               short.predict(np.array([[5, 3], [7, 1]])), rtol=1e-5, atol=1e-7)
    seq = padded.layers[1].output
    assert seq._keras_mask is padded.layers[0].output._keras_mask
    assert getattr(padded.layers[3].output, "_keras_mask", None) is None


def test_compute_output_shape_with_unknown_batch_and_time():
    assert Bidirectional(LSTM(4, return_sequences=True)).compute_output_shape([None, None, 3]).as_list() == \
        [None, None, 8]
    assert Bidirectional(GRU(4), merge_mode="ave").compute_output_shape([None, None, 3]).as_list() == [None, 4]
    shapes = Bidirectional(LSTM(4, return_state=True), merge_mode=None).compute_output_shape([None, None, 3])
    assert [s.as_list() for s in shapes] == [[None, 4]] * 6  # 2 outputs, then h, c forwards and backwards


def test_config_round_trip_and_bad_arguments():
    bi = Bidirectional(SimpleRNN(3, return_sequences=True, name="rnn"), merge_mode="mul", name="bi")
    config = bi.get_config()
    assert config["merge_mode"] == "mul" and config["layer"]["class_name"] == "SimpleRNN"
    clone = Bidirectional.from_config(config)
    assert clone.get_config() == config and clone.backward_layer.name == "backward_rnn"
    with pytest.raises(TypeError, match="Bidirectional.*recurrent.*Dense"):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="Bidirectional: invalid merge_mode 'max'"):
        Bidirectional(LSTM(2), merge_mode="max")


def test_keras_model_trains_and_round_trips_through_h5(trains_and_round_trips):
    L = kf.keras.layers
    model = kf.keras.Sequential([L.Embedding(8, 3, mask_zero=True, input_length=4),
                                 L.Bidirectional(L.LSTM(3)), L.Dense(1)])
    model.compile("adam", "mse")
    rng = np.random.RandomState(3)
    x, y = rng.randint(0, 8, size=(16, 4)), rng.randn(16, 1)
    loaded = trains_and_round_trips(model, x, y)
    assert type(loaded.layers[1]).__name__ == "Bidirectional" and loaded.layers[1].merge_mode == "concat"
