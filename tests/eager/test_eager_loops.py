"""Functional control flow in eager mode: while_loop, map_fn, scan, foldl/foldr, case and dynamic_rnn run as
Python loops over eager values, with GradientTape gradients equal to graph mode's."""
import numpy as np
import pytest

import kflow as kf


def test_while_loop_and_sequence_ops_run_eagerly():
    with kf.eager_mode():
        i, s = kf.while_loop(lambda i, s: i < 5, lambda i, s: (i + 1, s + kf.cast(i, kf.float32)),
                             (kf.constant(0), kf.constant(0.0)))
        assert int(i) == 5 and float(s) == 10.0
        assert int(kf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=7)) == 7
        np.testing.assert_allclose(kf.map_fn(lambda x: x * 2.0, kf.constant([1.0, 2.0])).numpy(), [2.0, 4.0])
        np.testing.assert_allclose(kf.scan(lambda a, x: a + x, kf.constant([1.0, 2.0, 3.0])).numpy(), [1, 3, 6])
        np.testing.assert_allclose(kf.scan(lambda a, x: a * x, kf.constant([1.0, 2.0, 3.0]), reverse=True).numpy(),
                                   [6, 6, 3])
        assert float(kf.foldl(lambda a, x: a - x, kf.constant([1.0, 2.0]), initializer=0.0)) == -3.0
        assert float(kf.foldr(lambda a, x: a * 10 + x, kf.constant([1.0, 2.0]), initializer=0.0)) == 21.0
        assert int(kf.case([(kf.constant(False), lambda: kf.constant(1))], default=lambda: kf.constant(2))) == 2
        assert int(kf.switch_case(kf.constant(1), [lambda: kf.constant(10), lambda: kf.constant(20)])) == 20


def test_eager_loop_errors_match_graph_mode():
    with kf.eager_mode():
        with pytest.raises(TypeError, match="dtype"):
            kf.while_loop(lambda i: i < 3, lambda i: kf.cast(i, kf.float32) + 1.0, [kf.constant(0)])


def _loop_value_and_grad(x0):
    x = kf.constant(x0)
    w = kf.constant(np.array([0.5, -1.5, 2.0]))

    def body(i, y):
        return i + 1, kf.sin(y) * w + y

    _, y = kf.while_loop(lambda i, y: i < 3, body, (0, x))
    return kf.reduce_sum(y * y), x


def test_gradient_tape_through_an_eager_loop_equals_the_graph_gradient():
    x0 = np.array([0.3, -0.2, 0.9])
    with kf.Graph().as_default():
        loss, x = _loop_value_and_grad(x0)
        grad_graph = kf.Session().run(kf.gradients(loss, x)[0])
    with kf.eager_mode():
        x = kf.constant(x0)
        with kf.GradientTape() as tape:
            tape.watch(x)
            w = kf.constant(np.array([0.5, -1.5, 2.0]))
            _, y = kf.while_loop(lambda i, y: i < 3, lambda i, y: (i + 1, kf.sin(y) * w + y), (0, x))
            loss = kf.reduce_sum(y * y)
        np.testing.assert_allclose(tape.gradient(loss, x).numpy(), grad_graph, rtol=1e-12)


def test_dynamic_rnn_runs_eagerly_and_matches_graph_mode():
    rng = np.random.RandomState(0)
    inputs = rng.randn(2, 4, 3).astype(np.float32)
    lengths = np.array([4, 2], np.int32)
    results = []
    for eager in (False, True):
        with (kf.eager_mode() if eager else kf.Graph().as_default()):
            kf.set_random_seed(1)
            with kf.variable_scope("rnn%d" % eager, initializer=kf.constant_initializer(0.1)):
                cell = kf.nn.rnn_cell.BasicRNNCell(5)
                out, state = kf.nn.dynamic_rnn(cell, kf.constant(inputs), sequence_length=lengths,
                                               dtype=kf.float32)
            if eager:
                results.append((out.numpy(), state.numpy()))
            else:
                with kf.Session() as sess:
                    sess.run(kf.global_variables_initializer())
                    results.append(tuple(sess.run([out, state])))
    np.testing.assert_allclose(results[0][0], results[1][0], rtol=1e-6)
    np.testing.assert_allclose(results[0][1], results[1][1], rtol=1e-6)
