import numpy as np
import pytest

import kflow as kf
from kflow.layers import rnn_cell
from kflow.layers.rnn import dynamic_rnn


def sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def _run_step(cell, x, state_fn):
    """One cell step on numpy input ``x``; returns (output, new_state, weights) as numpy."""
    xt = kf.constant(x)
    state = state_fn(x.shape[0])
    with kf.variable_scope("rnn"):
        out, new_state = cell(xt, state)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run([out, new_state, cell.weights])


def test_basic_rnn_cell_matches_numpy_and_names():
    rng = np.random.RandomState(0)
    x = rng.randn(2, 3).astype(np.float32)
    cell = rnn_cell.BasicRNNCell(4)
    h0 = rng.randn(2, 4).astype(np.float32)
    out, state, (k, b) = _run_step(cell, x, lambda n: kf.constant(h0))
    assert [w.name for w in cell.weights] == ["rnn/basic_rnn_cell/kernel:0", "rnn/basic_rnn_cell/bias:0"]
    expect = np.tanh(np.concatenate([x, h0], 1) @ k + b)
    np.testing.assert_allclose(out, expect, rtol=1e-5)
    np.testing.assert_allclose(state, expect, rtol=1e-5)
    assert cell.state_size == 4 and cell.output_size == 4


@pytest.mark.parametrize("tuple_state", [True, False])
def test_basic_lstm_cell_matches_numpy(tuple_state):
    rng = np.random.RandomState(1)
    x = rng.randn(3, 2)
    c0, h0 = rng.randn(3, 5), rng.randn(3, 5)
    cell = rnn_cell.BasicLSTMCell(5, forget_bias=1.0, state_is_tuple=tuple_state)
    if tuple_state:
        state_fn = lambda n: rnn_cell.LSTMStateTuple(kf.constant(c0), kf.constant(h0))  # noqa: E731
    else:
        state_fn = lambda n: kf.constant(np.concatenate([c0, h0], 1))  # noqa: E731
    out, state, (k, b) = _run_step(cell, x, state_fn)
    assert cell.weights[0].name == "rnn/basic_lstm_cell/kernel:0"
    i, j, f, o = np.split(np.concatenate([x, h0], 1) @ k + b, 4, axis=1)
    c = c0 * sig(f + 1.0) + sig(i) * np.tanh(j)
    h = np.tanh(c) * sig(o)
    np.testing.assert_allclose(out, h, rtol=1e-10)
    if tuple_state:
        assert isinstance(state, rnn_cell.LSTMStateTuple)
        np.testing.assert_allclose(state.c, c, rtol=1e-10)
        np.testing.assert_allclose(state.h, h, rtol=1e-10)
    else:
        np.testing.assert_allclose(state, np.concatenate([c, h], 1), rtol=1e-10)


def test_lstm_cell_peepholes_clip_projection():
    rng = np.random.RandomState(2)
    x = rng.randn(2, 3)
    c0, m0 = rng.randn(2, 4), rng.randn(2, 2)
    cell = rnn_cell.LSTMCell(4, use_peepholes=True, cell_clip=0.5, num_proj=2, proj_clip=0.3, forget_bias=0.5)
    out, state, weights = _run_step(cell, x, lambda n: rnn_cell.LSTMStateTuple(kf.constant(c0), kf.constant(m0)))
    names = [w.name for w in cell.weights]
    assert names == ["rnn/lstm_cell/kernel:0", "rnn/lstm_cell/bias:0", "rnn/lstm_cell/w_f_diag:0",
                     "rnn/lstm_cell/w_i_diag:0", "rnn/lstm_cell/w_o_diag:0", "rnn/lstm_cell/projection/kernel:0"]
    k, b, wf, wi, wo, p = weights
    i, j, f, o = np.split(np.concatenate([x, m0], 1) @ k + b, 4, axis=1)
    c = np.clip(sig(f + 0.5 + wf * c0) * c0 + sig(i + wi * c0) * np.tanh(j), -0.5, 0.5)
    m = np.clip((sig(o + wo * c) * np.tanh(c)) @ p, -0.3, 0.3)
    np.testing.assert_allclose(out, m, rtol=1e-10)
    np.testing.assert_allclose(state.c, c, rtol=1e-10)
    assert cell.state_size == (4, 2) and cell.output_size == 2


def test_gru_cell_matches_numpy():
    rng = np.random.RandomState(3)
    x, h0 = rng.randn(2, 3), rng.randn(2, 4)
    cell = rnn_cell.GRUCell(4)
    out, state, (gk, gb, ck, cb) = _run_step(cell, x, lambda n: kf.constant(h0))
    assert [w.name for w in cell.weights] == ["rnn/gru_cell/gates/kernel:0", "rnn/gru_cell/gates/bias:0",
                                              "rnn/gru_cell/candidate/kernel:0", "rnn/gru_cell/candidate/bias:0"]
    np.testing.assert_array_equal(gb, np.ones(8))  # TF1 initializes the gate bias to 1
    r, u = np.split(sig(np.concatenate([x, h0], 1) @ gk + gb), 2, axis=1)
    c = np.tanh(np.concatenate([x, r * h0], 1) @ ck + cb)
    np.testing.assert_allclose(out, u * h0 + (1 - u) * c, rtol=1e-10)


def test_multi_rnn_cell_names_states_and_zero_state():
    cells = [rnn_cell.BasicLSTMCell(3), rnn_cell.GRUCell(2)]
    multi = rnn_cell.MultiRNNCell(cells)
    x = kf.placeholder(kf.float32, [None, 4, 5])
    outputs, state = dynamic_rnn(multi, x, dtype=kf.float32)
    assert [w.name for w in multi.weights] == [
        "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/kernel:0", "rnn/multi_rnn_cell/cell_0/basic_lstm_cell/bias:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/gates/kernel:0", "rnn/multi_rnn_cell/cell_1/gru_cell/gates/bias:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/kernel:0",
        "rnn/multi_rnn_cell/cell_1/gru_cell/candidate/bias:0"]
    assert isinstance(state, tuple) and isinstance(state[0], rnn_cell.LSTMStateTuple)
    assert outputs.shape.as_list() == [None, 4, 2] and multi.state_size == ((3, 3), 2)
    zero = multi.zero_state(7, kf.float32)
    assert zero[0].c.shape.as_list() == [7, 3] and zero[1].shape.as_list() == [7, 2]
    with pytest.raises(ValueError, match="same cell object"):
        rnn_cell.MultiRNNCell([cells[0], cells[0]])
    flat = rnn_cell.MultiRNNCell([rnn_cell.BasicRNNCell(2), rnn_cell.BasicRNNCell(3)], state_is_tuple=False)
    out, st = dynamic_rnn(flat, x, dtype=kf.float32, scope="flat")
    assert st.shape.as_list() == [None, 5]
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert sess.run(st, {x: np.ones((2, 4, 5))}).shape == (2, 5)
