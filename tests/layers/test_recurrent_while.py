"""Keras recurrent layers run on a While loop: inputs with an unknown time dimension, the same values and
gradients as ``unroll=True`` (the body repeated in the graph) with masks, go_backwards, states and dropout,
gradients checked numerically, stateful layers over batches of any length, and a model fed ``Input((None, f))``."""
import numpy as np
import pytest

import kflow as kf
from kflow.keras.layers import GRU, LSTM, RNN, SimpleRNN, LSTMCell
from layer_gradients import check_layer_gradients

MAKERS = [lambda **kw: LSTM(4, **kw), lambda **kw: GRU(3, **kw), lambda **kw: SimpleRNN(3, **kw),
          lambda **kw: GRU(3, reset_after=True, **kw), lambda **kw: RNN([LSTMCell(3), LSTMCell(2)], **kw)]


@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("go_backwards", [False, True])
def test_unknown_time_matches_unrolled_with_mask(make, go_backwards):
    rng = np.random.RandomState(0)
    xv = rng.randn(3, 5, 2)
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 0, 1]], bool)
    x = kf.placeholder(kf.float64, [None, None, 2])
    m = kf.placeholder(kf.bool, [None, None])
    looped = make(return_sequences=True, return_state=True, go_backwards=go_backwards, dtype="float64")
    unrolled = make(return_sequences=True, return_state=True, go_backwards=go_backwards, unroll=True,
                    dtype="float64")
    outs = looped(x, mask=m)
    static = kf.constant(xv)
    expect = unrolled(static, mask=kf.constant(mask))
    assert outs[0].shape.as_list()[:2] == [None, None]
    grads = kf.gradients(kf.reduce_sum(outs[0]) + kf.reduce_sum(outs[1]), [x] + looped.weights)
    expect_grads = kf.gradients(kf.reduce_sum(expect[0]) + kf.reduce_sum(expect[1]), [static] + unrolled.weights)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([b.assign(a) for a, b in zip(looped.weights, unrolled.weights)])
        got, want = sess.run([outs, grads], {x: xv, m: mask}), sess.run([expect, expect_grads])
    for g, w in zip(got[0] + got[1], want[0] + want[1]):
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make", MAKERS[:3])
def test_gradients_of_the_loop(make):
    check_layer_gradients(lambda: make(return_sequences=True, go_backwards=True, name="probe"),
                          [np.random.RandomState(1).randn(2, 4, 3)], rtol=1e-5)


def test_stateful_layer_takes_batches_of_any_length():
    rng = np.random.RandomState(2)
    xv = rng.randn(2, 7, 3)
    x = kf.placeholder(kf.float64, [2, None, 3])
    layer = LSTM(4, stateful=True, return_sequences=True, dtype="float64")
    y = layer(x)
    whole = LSTM(4, return_sequences=True, dtype="float64")
    expect = whole(kf.constant(xv))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        sess.run([b.assign(a) for a, b in zip(layer.weights, whole.weights)])
        parts = [sess.run(y, {x: xv[:, :3]}), sess.run(y, {x: xv[:, 3:]})]
        np.testing.assert_allclose(np.concatenate(parts, axis=1), sess.run(expect), rtol=1e-10)


def test_dropout_applies_in_training_only_with_unknown_time():
    x = kf.placeholder(kf.float32, [None, None, 3])
    layer = GRU(4, dropout=0.5, recurrent_dropout=0.5, return_sequences=True)
    train, test = layer(x, training=True), layer(x, training=False)
    xv = np.ones((2, 6, 3), np.float32)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b = sess.run([train, test], {x: xv})
        assert a.shape == b.shape == (2, 6, 4)
        assert not np.allclose(a, b)
        np.testing.assert_array_equal(b, sess.run(test, {x: xv}))


def test_model_on_variable_length_input_fits_and_predicts():
    L = kf.keras.layers
    inp = kf.keras.Input(shape=(None, 3))
    model = kf.keras.Model(inp, L.Dense(1)(L.LSTM(8)(L.Masking()(inp))))
    model.compile("adam", "mse")
    rng = np.random.RandomState(3)
    xs, ys = rng.randn(16, 5, 3).astype(np.float32), rng.randn(16, 1).astype(np.float32)
    history = model.fit(xs, ys, epochs=3, batch_size=8, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.predict(rng.randn(4, 9, 3).astype(np.float32)).shape == (4, 1)
