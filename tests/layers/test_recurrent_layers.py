import numpy as np
import pytest

import kflow as kf
from kflow.layers import SimpleRNN, LSTM, GRU


def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0, 1)


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_lstm_matches_numpy_with_states_and_names():
    rng = np.random.RandomState(0)
    xv = rng.randn(2, 4, 3)
    layer = LSTM(5, return_sequences=True, return_state=True)
    seq, h, c = layer(kf.constant(xv))
    assert [w.name for w in layer.weights] == ["lstm/kernel:0", "lstm/recurrent_kernel:0", "lstm/bias:0"]
    out, hv, cv, (k, rk, b) = _run([seq, h, c, layer.weights])
    np.testing.assert_array_equal(b, np.r_[np.zeros(5), np.ones(5), np.zeros(10)])  # unit_forget_bias
    np.testing.assert_allclose(rk @ rk.T, np.eye(5), atol=1e-10)  # orthogonal recurrent kernel
    hh, cc = np.zeros((2, 5)), np.zeros((2, 5))
    for t in range(4):
        zi, zf, zc, zo = np.split(xv[:, t] @ k + hh @ rk + b, 4, axis=1)
        cc = hard_sigmoid(zf) * cc + hard_sigmoid(zi) * np.tanh(zc)
        hh = hard_sigmoid(zo) * np.tanh(cc)
        np.testing.assert_allclose(out[:, t], hh, rtol=1e-10)
    np.testing.assert_allclose(hv, hh, rtol=1e-10)
    np.testing.assert_allclose(cv, cc, rtol=1e-10)


def test_gru_and_simple_rnn_match_numpy_with_mask_and_go_backwards():
    rng = np.random.RandomState(1)
    xv = rng.randn(2, 3, 2)
    mask = np.array([[True, True, False], [True, False, True]])
    gru = GRU(3)
    simple = SimpleRNN(4, go_backwards=True)
    yg = gru(kf.constant(xv), mask=kf.constant(mask))
    ys = simple(kf.constant(xv))
    g, s, (k, rk, b), (sk, srk, sb) = _run([yg, ys, gru.weights, simple.weights])
    h = np.zeros((2, 3))
    for t in range(3):
        xz, xr, xh = np.split(xv[:, t] @ k + b, 3, axis=1)
        uz, ur, uh = np.split(rk, 3, axis=1)
        z = hard_sigmoid(xz + h @ uz)
        r = hard_sigmoid(xr + h @ ur)
        new = z * h + (1 - z) * np.tanh(xh + (r * h) @ uh)
        h = np.where(mask[:, t:t + 1], new, h)
    np.testing.assert_allclose(g, h, rtol=1e-10)
    hs = np.zeros((2, 4))
    for t in reversed(range(3)):
        hs = np.tanh(xv[:, t] @ sk + hs @ srk + sb)
    np.testing.assert_allclose(s, hs, rtol=1e-10)


def test_recurrent_layer_config_and_errors():
    layer = LSTM(4, return_sequences=True, name="enc")
    clone = LSTM.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    assert layer.compute_output_shape([None, 7, 3]).as_list() == [None, 7, 4]
    with pytest.raises(ValueError, match="must be known"):
        GRU(2, unroll=True)(kf.placeholder(kf.float32, [None, None, 3]))  # a While loop when not unrolled
    with pytest.raises(NotImplementedError):
        LSTM(2, time_major=True)  # dropout is supported now; time-major inputs are not


@pytest.mark.parametrize("rnn", [LSTM, GRU, SimpleRNN])
def test_keras_models_carry_the_embedding_mask_to_recurrent_layers(rnn):
    # Embedding(mask_zero=True) -> Dropout -> RNN(return_sequences) -> Dense -> RNN: post-padded ids must give the
    # same output as the unpadded sequence (the mask travels on the tensors, as in Keras).
    L = kf.keras.layers
    padded = kf.keras.Sequential([L.Embedding(10, 4, mask_zero=True, input_length=5), L.Dropout(0.3),
                                  rnn(3, return_sequences=True), L.Dense(3), rnn(2)])
    short = kf.keras.Sequential([L.Embedding(10, 4, input_length=2), L.Dropout(0.3),
                                 rnn(3, return_sequences=True), L.Dense(3), rnn(2)])
    short.set_weights(padded.get_weights())
    np.testing.assert_allclose(padded.predict(np.array([[5, 3, 0, 0, 0], [7, 1, 0, 0, 0]])),
                               short.predict(np.array([[5, 3], [7, 1]])), rtol=1e-5, atol=1e-7)
    inp = kf.keras.Input(shape=(5,))
    emb = L.Embedding(10, 4, mask_zero=True)(inp)
    seq = rnn(3, return_sequences=True)(emb)
    last = rnn(3)(seq)
    assert emb._keras_mask is not None and seq._keras_mask is emb._keras_mask
    assert getattr(last, "_keras_mask", None) is None and L.Dense(2)(seq)._keras_mask is emb._keras_mask
    assert getattr(L.Flatten()(seq), "_keras_mask", None) is None
