"""while_without_history: a plan without the loop's gradient runs the loop without recording per-iteration
history; plans with the gradient still record it; results equal either way."""
import numpy as np

import kflow as kf
from kflow.engine import rewrites


def _plans(sess):
    return {key: rewrites.applied_rewrites(entry[0]) for key, entry in sess._plans.items()}


def _lstm_graph():
    x = kf.placeholder(kf.float32, [None, 12, 3], name="x")
    out, _ = kf.nn.dynamic_rnn(kf.nn.rnn_cell.BasicLSTMCell(6), x, dtype=kf.float32)
    loss = kf.reduce_sum(out * out)
    train = kf.train.GradientDescentOptimizer(0.01).minimize(loss)
    return x, out, loss, train


def test_inference_plans_skip_the_history_and_compute_the_same():
    xv = np.random.RandomState(0).rand(4, 12, 3).astype(np.float32)
    results = {}
    for flag in (True, False):
        with kf.Graph().as_default():
            kf.set_random_seed(0)
            x, out, loss, train = _lstm_graph()
            with rewrites.enabled(flag), kf.Session() as sess:
                sess.run(kf.global_variables_initializer())
                first = sess.run(out, {x: xv})
                sess.run(train, {x: xv})
                results[flag] = (first, sess.run(out, {x: xv}), sess.run(loss, {x: xv}))
                applied = [names for names in _plans(sess).values()]
        with_rewrite = sum(names.count("while_without_history") for names in applied)
        # the inference fetches (out, loss) got it; the training fetch, which runs WhileGrad, did not
        assert with_rewrite == (2 if flag else 0)
    for on, off in zip(results[True], results[False]):
        np.testing.assert_array_equal(on, off)


def test_training_plan_keeps_recording_and_gradients_stay_right():
    x = kf.placeholder(kf.float64, [5], name="x")
    i0, acc0 = kf.constant(0), kf.constant(1.0, kf.float64)
    _, acc = kf.while_loop(lambda i, a: i < 5, lambda i, a: (i + 1, a * kf.sin(x[i]) + x[i]), [i0, acc0])
    (g,) = kf.gradients(acc, [x])
    xv = np.linspace(0.1, 0.9, 5)
    with kf.Session() as sess:
        value = sess.run(acc, {x: xv})  # inference plan: no history
        grad = sess.run(g, {x: xv})  # gradient plan: history recorded
        assert sorted(sum(_plans(sess).values(), [])) == ["while_without_history"]
    eps, numeric = 1e-6, []
    for k in range(5):
        d = np.zeros(5)
        d[k] = eps

        def f(v):
            a = 1.0
            for i in range(5):
                a = a * np.sin(v[i]) + v[i]
            return a
        numeric.append((f(xv + d) - f(xv - d)) / (2 * eps))
    assert value == np.float64(f(xv))
    np.testing.assert_allclose(grad, numeric, rtol=1e-6)
