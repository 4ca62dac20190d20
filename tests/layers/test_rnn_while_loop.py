"""dynamic_rnn, bidirectional_dynamic_rnn and raw_rnn on the While loop: a time dimension unknown until run
time, sequence_length masking against a numpy reference, and gradients checked numerically in float64."""
import numpy as np

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.layers import rnn_cell
from kflow.layers.rnn import bidirectional_dynamic_rnn, dynamic_rnn, static_rnn

RNG = np.random.RandomState(3)
XV = RNG.randn(3, 5, 4)
LENGTHS = np.array([5, 2, 0], np.int32)
W = RNG.randn(4, 3) * 0.5
U = RNG.randn(3, 3) * 0.5


class TanhCell:
    """A weight-free cell (weights are captured tensors), so gradient checks can feed them."""

    def __init__(self, w, u):
        self.w, self.u = w, u
        self.state_size = self.output_size = 3

    def zero_state(self, batch, dtype):
        return kf.zeros(kf.stack([batch, 3]), dtype)

    def __call__(self, x, h):
        h = kf.tanh(kf.matmul(x, self.w) + kf.matmul(h, self.u))
        return h, h


def _numpy_rnn(x, lengths):
    h = np.zeros((x.shape[0], 3))
    outs = np.zeros((x.shape[0], x.shape[1], 3))
    for t in range(x.shape[1]):
        new = np.tanh(x[:, t] @ W + h @ U)
        valid = (t < lengths)[:, None]
        outs[:, t] = np.where(valid, new, 0.0)
        h = np.where(valid, new, h)
    return outs, h


def test_dynamic_time_and_lengths_match_numpy():
    x = kf.placeholder(kf.float64, [None, None, 4])
    seq = kf.placeholder(kf.int32, [None])
    outputs, state = dynamic_rnn(TanhCell(kf.constant(W), kf.constant(U)), x, sequence_length=seq, dtype=kf.float64)
    assert outputs.shape.as_list() == [None, None, 3]
    with kf.Session() as sess:
        for steps in (5, 2):  # one graph, two sequence lengths
            o, s = sess.run([outputs, state], {x: XV[:, :steps], seq: np.minimum(LENGTHS, steps)})
            ref_o, ref_s = _numpy_rnn(XV[:, :steps], np.minimum(LENGTHS, steps))
            np.testing.assert_allclose(o, ref_o, rtol=1e-10)
            np.testing.assert_allclose(s, ref_s, rtol=1e-10)


def test_dynamic_rnn_gradient_with_dynamic_length():
    def f(x, w, u):
        x_dyn = kf.placeholder_with_default(x, [None, None, 4])
        out, state = dynamic_rnn(TanhCell(w, u), x_dyn, sequence_length=kf.constant(LENGTHS), dtype=kf.float64)
        return [out, state]

    check_gradients(f, [XV, W, U])


def test_lstm_with_dynamic_time_matches_static_rnn():
    x = kf.placeholder(kf.float32, [3, None, 4])
    cell = rnn_cell.LSTMCell(5)
    out_d, st_d = dynamic_rnn(cell, x, sequence_length=kf.constant(LENGTHS), dtype=kf.float32)
    x_static = kf.constant(XV.astype(np.float32))
    out_s, st_s = static_rnn(cell, kf.unstack(x_static, axis=1), sequence_length=kf.constant(LENGTHS),
                             dtype=kf.float32)
    assert len(kf.global_variables()) == 2  # the weights are shared, created once outside the loop
    grads = kf.gradients(kf.reduce_sum(out_d) + kf.reduce_sum(st_d.c), kf.trainable_variables())
    grads_s = kf.gradients(kf.reduce_sum(kf.stack(out_s, 1)) + kf.reduce_sum(st_s.c), kf.trainable_variables())
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b, c, d, g, gs = sess.run([out_d, kf.stack(out_s, 1), st_d, st_s, grads, grads_s], {x: XV})
    np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(c.h, d.h, rtol=1e-5, atol=1e-6)
    for x1, x2 in zip(g, gs):
        np.testing.assert_allclose(x1, x2, rtol=1e-4, atol=1e-5)


def test_lstm_trains_with_dynamic_time():
    x = kf.placeholder(kf.float32, [None, None, 2])
    y = kf.placeholder(kf.float32, [None, 1])
    _, state = dynamic_rnn(rnn_cell.GRUCell(8), x, dtype=kf.float32)
    pred = kf.layers.dense(state, 1)
    loss = kf.reduce_mean(kf.square(pred - y))
    step = kf.train.AdamOptimizer(0.05).minimize(loss)
    rng = np.random.RandomState(0)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        feeds = []
        for steps in (3, 6, 9):  # the target: the sum of the first feature over time
            xv = rng.randn(16, steps, 2).astype(np.float32)
            feeds.append({x: xv, y: xv[:, :, :1].sum(1) / 3.0})
        first = sum(sess.run(loss, f) for f in feeds)
        for _ in range(60):
            for f in feeds:
                sess.run(step, f)
        last = sum(sess.run(loss, f) for f in feeds)
    assert last < 0.3 * first


def test_bidirectional_with_dynamic_time():
    x = kf.placeholder(kf.float64, [3, None, 4])
    cell = TanhCell(kf.constant(W), kf.constant(U))
    (fw, bw), (_, sb) = bidirectional_dynamic_rnn(cell, cell, x, sequence_length=kf.constant(LENGTHS),
                                                   dtype=kf.float64)
    with kf.Session() as sess:
        o_fw, o_bw, s_bw = sess.run([fw, bw, sb], {x: XV})
    ref_fw, _ = _numpy_rnn(XV, LENGTHS)
    rev = np.stack([np.concatenate([XV[i, :n][::-1], XV[i, n:]]) for i, n in enumerate(LENGTHS)])
    ref_bw, ref_sb = _numpy_rnn(rev, LENGTHS)
    ref_bw = np.stack([np.concatenate([ref_bw[i, :n][::-1], ref_bw[i, n:]]) for i, n in enumerate(LENGTHS)])
    np.testing.assert_allclose(o_fw, ref_fw, rtol=1e-10)
    np.testing.assert_allclose(o_bw, ref_bw, rtol=1e-10)
    np.testing.assert_allclose(s_bw, ref_sb, rtol=1e-10)


def _raw_rnn_outputs(cell, x_tm, lengths):
    batch = 3
    max_time = kf.shape(x_tm)[0]

    def loop_fn(time, cell_output, cell_state, loop_state):
        state = cell.zero_state(batch, kf.float64) if cell_output is None else cell_state
        finished = time >= lengths
        next_input = kf.cond(kf.reduce_all(finished), lambda: kf.zeros([batch, 4], kf.float64),
                             lambda: x_tm[kf.minimum(time, max_time - 1)])
        steps = kf.constant(0) if cell_output is None else loop_state + 1
        return finished, next_input, state, cell_output, steps

    emit_ta, final_state, steps = kf.nn.raw_rnn(cell, loop_fn)
    return emit_ta.stack(), final_state, steps


def test_raw_rnn_matches_numpy_and_counts_steps_in_its_loop_state():
    x = kf.placeholder(kf.float64, [None, 3, 4])
    out, state, steps = _raw_rnn_outputs(TanhCell(kf.constant(W), kf.constant(U)), x, kf.constant(LENGTHS))
    with kf.Session() as sess:
        o, s, n = sess.run([out, state, steps], {x: XV.transpose(1, 0, 2)})
    ref_o, ref_s = _numpy_rnn(XV, LENGTHS)
    assert n == LENGTHS.max() and o.shape == (LENGTHS.max(), 3, 3)
    np.testing.assert_allclose(o.transpose(1, 0, 2), ref_o[:, :n], rtol=1e-10)
    np.testing.assert_allclose(s, ref_s, rtol=1e-10)


def test_raw_rnn_gradient():
    def f(x, w, u):
        out, state, _ = _raw_rnn_outputs(TanhCell(w, u), kf.transpose(x, [1, 0, 2]), kf.constant(LENGTHS))
        return [out, state]

    check_gradients(f, [XV, W, U])
