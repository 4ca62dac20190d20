import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import rnn, rnn_cell
from kflow.layers.rnn import dynamic_rnn, static_rnn, bidirectional_dynamic_rnn


def test_dynamic_rnn_names_shapes_and_masking(run_initialized):
    rng = np.random.RandomState(0)
    xv = rng.randn(3, 6, 4).astype(np.float32)
    lengths = np.array([6, 2, 0], np.int32)
    x = kf.placeholder(kf.float32, [None, 6, 4])
    seq = kf.placeholder(kf.int32, [None])
    cell = rnn_cell.BasicLSTMCell(5)
    outputs, state = dynamic_rnn(cell, x, sequence_length=seq, dtype=kf.float32)
    assert [v.name for v in kf.global_variables()] == ["rnn/basic_lstm_cell/kernel:0", "rnn/basic_lstm_cell/bias:0"]
    assert outputs.shape.as_list() == [None, 6, 5] and state.h.shape.as_list() == [None, 5]
    # the same cell on the second example's valid prefix alone, without masking
    x2 = kf.placeholder(kf.float32, [1, 2, 4])
    out2, state2 = dynamic_rnn(cell, x2, dtype=kf.float32)
    o, s, o2, s2 = run_initialized([outputs, state, out2, state2], {x: xv, seq: lengths, x2: xv[1:2, :2]})
    np.testing.assert_array_equal(o[1, 2:], 0)  # zero past the length
    np.testing.assert_array_equal(o[2], 0)
    np.testing.assert_allclose(o[1, :2], o2[0], rtol=1e-6)
    np.testing.assert_allclose(s.h[1], s2.h[0], rtol=1e-6)  # the state is carried through unchanged
    np.testing.assert_allclose(s.c[1], s2.c[0], rtol=1e-6)
    np.testing.assert_array_equal(s.h[2], 0)  # a zero-length sequence keeps the initial (zero) state
    np.testing.assert_allclose(s.h[0], o[0, -1], rtol=1e-6)
    assert len(kf.global_variables()) == 2  # the second dynamic_rnn reused the cell's weights


def test_time_major_static_rnn_and_initial_state_agree(run_initialized):
    rng = np.random.RandomState(1)
    xv = rng.randn(2, 3, 4).astype(np.float32)
    h0 = rng.randn(2, 3).astype(np.float32)
    cell = rnn_cell.GRUCell(3)
    x = kf.constant(xv)
    out_b, st_b = dynamic_rnn(cell, x, initial_state=kf.constant(h0))
    out_t, st_t = dynamic_rnn(cell, kf.transpose(x, [1, 0, 2]), initial_state=kf.constant(h0), time_major=True)
    out_s, st_s = static_rnn(cell, kf.unstack(x, axis=1), initial_state=kf.constant(h0))
    a, b, c, sa, sb, sc = run_initialized([out_b, out_t, kf.stack(out_s, axis=1), st_b, st_t, st_s])
    np.testing.assert_allclose(a, b.transpose(1, 0, 2), rtol=1e-6)
    np.testing.assert_allclose(a, c, rtol=1e-6)
    np.testing.assert_allclose(sa, sb, rtol=1e-6)
    np.testing.assert_allclose(sa, sc, rtol=1e-6)



def test_static_rnn_with_scope_reuse_shares_weights_across_fresh_cells(run_initialized):
    rng = np.random.RandomState(5)
    xs = [kf.constant(rng.randn(2, 3)) for _ in range(4)]
    with kf.variable_scope("enc"):
        out_a, st_a = static_rnn(rnn_cell.LSTMCell(4, num_proj=2), xs, dtype=kf.float64)
    n_vars = len(kf.global_variables())
    with kf.variable_scope("enc", reuse=True):  # TF1 idiom: a new cell object, weights found by name
        out_b, st_b = static_rnn(rnn_cell.LSTMCell(4, num_proj=2), xs, dtype=kf.float64)
    assert len(kf.global_variables()) == n_vars == 3
    assert {v.name for v in kf.global_variables()} == {
        "enc/rnn/lstm_cell/kernel:0", "enc/rnn/lstm_cell/bias:0", "enc/rnn/lstm_cell/projection/kernel:0"}
    a, b, sa, sb = run_initialized([kf.stack(out_a), kf.stack(out_b), st_a.h, st_b.h])
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(sa, sb)
    with pytest.raises(ValueError, match="enc_missing/rnn/lstm_cell/kernel"):
        with kf.variable_scope("enc_missing", reuse=True):
            static_rnn(rnn_cell.LSTMCell(4), xs, dtype=kf.float64)

def test_bidirectional_dynamic_rnn_backward_reads_reversed_prefix(run_initialized):
    rng = np.random.RandomState(2)
    xv = rng.randn(2, 4, 3)
    lengths = np.array([4, 3], np.int32)
    x = kf.constant(xv)
    fw, bw = rnn_cell.BasicRNNCell(2), rnn_cell.BasicRNNCell(2)
    (out_fw, out_bw), (st_fw, st_bw) = bidirectional_dynamic_rnn(fw, bw, x, sequence_length=lengths,
                                                                 dtype=kf.float64)
    assert [v.name for v in kf.global_variables()] == [
        "bidirectional_rnn/fw/basic_rnn_cell/kernel:0", "bidirectional_rnn/fw/basic_rnn_cell/bias:0",
        "bidirectional_rnn/bw/basic_rnn_cell/kernel:0", "bidirectional_rnn/bw/basic_rnn_cell/bias:0"]
    ob, sb, (k, b) = run_initialized([out_bw, st_bw, bw.weights])
    # reference: run the bw cell in numpy over each sequence reversed within its length
    for n, length in enumerate(lengths):
        h = np.zeros(2)
        expect = np.zeros((4, 2))
        for t in reversed(range(length)):
            h = np.tanh(np.concatenate([xv[n, t], h]) @ k + b)
            expect[t] = h
        np.testing.assert_allclose(ob[n], expect, rtol=1e-10)
        np.testing.assert_allclose(sb[n], h, rtol=1e-10)


def _weights_as_inputs(names_to_tensors):
    """A custom getter handing placeholders out as the cell's weights, so gradients w.r.t. them are checked."""
    def getter(next_getter, name, *args, **kwargs):
        return names_to_tensors[name]
    return getter


@pytest.mark.parametrize("cell_fn", [lambda: rnn_cell.BasicLSTMCell(3), lambda: rnn_cell.GRUCell(3),
                                     lambda: rnn_cell.LSTMCell(3, use_peepholes=True, num_proj=2)])
def test_gradient_check_through_dynamic_rnn_with_sequence_length(cell_fn):
    rng = np.random.RandomState(4)
    cell = cell_fn()
    # first build once to learn the weight names and shapes
    with kf.Graph().as_default():
        with kf.variable_scope("g"):
            dynamic_rnn(cell_fn(), kf.zeros([2, 4, 2], kf.float64), dtype=kf.float64)
        specs = [(v.op.name, v.shape.as_list()) for v in kf.global_variables()]
    values = [rng.randn(2, 4, 2)] + [0.5 * rng.randn(*shape) for _, shape in specs]

    def fn(x, *weights):
        getter = _weights_as_inputs({name: w for (name, _), w in zip(specs, weights)})
        with kf.variable_scope("g", custom_getter=getter):
            outputs, state = dynamic_rnn(cell, x, sequence_length=[4, 2], dtype=kf.float64)
        return [outputs, state[-1]]

    check_gradients(fn, values, rtol=1e-5)


def test_rnn_trains_end_to_end():
    rng = np.random.RandomState(5)
    xv = rng.randn(8, 5, 2).astype(np.float32)
    lengths = [5, 5, 4, 4, 3, 3, 2, 2]
    target = np.array([[xv[n, :length, 0].sum() * 0.3] for n, length in enumerate(lengths)], np.float32)
    x = kf.constant(xv)
    kf.set_random_seed(0)
    _, state = dynamic_rnn(rnn_cell.LSTMCell(8), x, sequence_length=lengths, dtype=kf.float32)
    pred = kf.layers.dense(state.h, 1)
    loss = kf.reduce_mean(kf.square(pred - target))
    params = kf.trainable_variables()
    grads = kf.gradients(loss, params)
    step = kf.group(*[p.assign_sub(0.3 * g) for p, g in zip(params, grads)])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        first = sess.run(loss)
        for _ in range(80):
            sess.run(step)
        last = sess.run(loss)
    assert last < 0.2 * first


def test_errors():
    cell = rnn_cell.BasicRNNCell(2)
    # (the time dimension may be dynamic now: dynamic_rnn runs a While loop; the depth must still be known)
    with pytest.raises(ValueError, match="depth"):
        dynamic_rnn(cell, kf.placeholder(kf.float32, [None, None, None]), dtype=kf.float32)
    with pytest.raises(ValueError, match="you must give a dtype"):
        dynamic_rnn(cell, kf.zeros([2, 3, 3]))
    with pytest.raises(ValueError, match="rank >= 3"):
        dynamic_rnn(cell, kf.zeros([2, 3]), dtype=kf.float32)
    with pytest.raises(TypeError, match="list"):
        static_rnn(cell, kf.zeros([2, 3, 3]), dtype=kf.float32)


def test_public_tf1_names_reach_the_layers_package():
    assert kf.nn.rnn_cell is rnn_cell
    assert kf.nn.rnn_cell.LSTMCell is rnn_cell.LSTMCell and kf.nn.rnn_cell.LSTMStateTuple is rnn_cell.LSTMStateTuple
    for name in ("dynamic_rnn", "static_rnn", "bidirectional_dynamic_rnn", "static_bidirectional_rnn"):
        assert getattr(kf.nn, name) is getattr(rnn, name)
    from kflow.nn import dynamic_rnn as public_dynamic_rnn, rnn_cell as public_rnn_cell  # TF1-style imports

    assert public_dynamic_rnn is dynamic_rnn and public_rnn_cell is rnn_cell
