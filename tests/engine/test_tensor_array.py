"""kf.TensorArray: TF1's write/read/stack/unstack/scatter/gather/concat/split/size, as a while_loop variable,
gradients checked numerically in float64 (inside and outside loops), and errors naming the array and shapes."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

RNG = np.random.RandomState(5)
X = RNG.randn(4, 3)
W = RNG.randn(3, 3) * 0.5


def _run(fetches, feed=None):
    with kf.Session() as sess:
        return sess.run(fetches, feed)


def test_write_read_stack_size_outside_loops():
    ta = kf.TensorArray(kf.float32, size=3)
    ta = ta.write(0, [1.0, 2.0]).write(2, [5.0, 6.0]).write(1, [3.0, 4.0])
    stacked, one, size, gathered = _run([ta.stack(), ta.read(1), ta.size(), ta.gather([2, 0])])
    assert np.array_equal(stacked, [[1, 2], [3, 4], [5, 6]])
    assert np.array_equal(one, [3, 4]) and size == 3
    assert np.array_equal(gathered, [[5, 6], [1, 2]])
    assert ta.stack().shape.as_list() == [3, 2]  # the element shape is inferred from the first write


def test_unstack_scatter_concat_split():
    value = np.arange(12, dtype=np.float32).reshape(4, 3)
    ta = kf.TensorArray(kf.float32, size=4).unstack(value)
    assert np.array_equal(_run(ta.stack()), value)
    sc = kf.TensorArray(kf.float32, size=3).scatter([2, 0, 1], value[:3])
    assert np.array_equal(_run(sc.stack()), value[[1, 2, 0]])
    assert np.array_equal(_run(ta.concat()), value.reshape(-1))
    sp = kf.TensorArray(kf.float32, size=2).split(value, [2, 2])
    assert np.array_equal(_run(sp.read(1)), value[2:])
    assert np.array_equal(_run(sp.concat()), value)


def test_dynamic_size_grows_in_a_loop_with_unknown_trip_count():
    n = kf.placeholder(kf.int32, [])
    ta = kf.TensorArray(kf.float32, size=0, dynamic_size=True)

    def body(i, ta):
        return i + 1, ta.write(i, kf.fill([2], kf.cast(i * i, kf.float32)))

    _, ta = kf.while_loop(lambda i, ta: i < n, body, [0, ta])
    out, size = _run([ta.stack(), ta.size()], {n: 4})
    assert np.array_equal(out, [[0, 0], [1, 1], [4, 4], [9, 9]]) and size == 4


def test_tf1_rnn_pattern_read_inputs_write_outputs_in_while_loop():
    x = kf.constant(X)
    inputs = kf.TensorArray(kf.float64, size=4).unstack(x)
    outputs = kf.TensorArray(kf.float64, size=4)

    def body(t, h, out):
        h = kf.tanh(kf.matmul(kf.expand_dims(inputs.read(t), 0), kf.constant(W)) + h)
        return t + 1, h, out.write(t, h[0])

    _, h, outputs = kf.while_loop(lambda t, h, out: t < 4, body, [0, kf.zeros([1, 3], kf.float64), outputs])
    got = _run(outputs.stack())
    h_np, expect = np.zeros(3), []
    for t in range(4):
        h_np = np.tanh(X[t] @ W + h_np)
        expect.append(h_np)
    assert np.allclose(got, expect)


def test_loop_returns_a_lone_tensor_array_bare():
    ta = kf.while_loop(lambda ta: ta.size() < 0, lambda ta: ta, [kf.TensorArray(kf.float32, size=2)])
    assert isinstance(ta, kf.TensorArray)


def test_gradients_outside_loops():
    def f(x, y):
        ta = kf.TensorArray(kf.float64, size=5, dynamic_size=True).unstack(x)
        ta = ta.write(4, y[0] * 3.0)
        return [ta.stack() * ta.stack(), ta.read(1) * 2.0, ta.gather([0, 4, 0]), ta.concat()]

    check_gradients(f, [X, X])


def test_gradients_through_scatter_and_split():
    def f(x, y):
        ta = kf.TensorArray(kf.float64, size=4).scatter([3, 1], x[:2] * y[:2])
        ta = ta.scatter([0, 2], kf.sin(x[2:]))
        sp = kf.TensorArray(kf.float64, size=2).split(y, [2, 2])
        return [ta.stack(), sp.read(0) * sp.read(1)]

    check_gradients(f, [X, X])


def test_gradients_through_writes_and_reads_inside_a_loop():
    def f(x, w):
        inputs = kf.TensorArray(kf.float64, size=4).unstack(x)
        out = kf.TensorArray(kf.float64, size=4)

        def body(t, h, out):
            h = kf.tanh(kf.matmul(kf.expand_dims(inputs.read(t), 0), w) + h)
            return t + 1, h, out.write(t, h[0] * h[0])

        _, h, out = kf.while_loop(lambda t, h, o: t < 4, body, [0, kf.zeros([1, 3], kf.float64), out])
        return [out.stack(), h]

    check_gradients(f, [X, W])


def test_gradient_of_a_tensor_array_read_back_in_a_second_loop():
    def f(x):
        ta = kf.TensorArray(kf.float64, size=0, dynamic_size=True)
        _, ta = kf.while_loop(lambda i, ta: i < 4, lambda i, ta: (i + 1, ta.write(i, kf.exp(x[i]))), [0, ta])
        _, total = kf.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + ta.read(3 - i) * (1.0 + s)),
                                 [0, kf.zeros([3], kf.float64)])
        return total

    check_gradients(f, [X * 0.3])


def _error(fetch):
    with pytest.raises(kf.errors.InvalidArgumentError) as info:
        _run(fetch)
    return str(info.value)


def test_reading_an_unwritten_index_names_the_array():
    ta = kf.TensorArray(kf.float32, size=3, tensor_array_name="outs").write(0, 1.0)
    msg = _error(ta.read(2))
    assert "'outs'" in msg and "index 2" in msg and "not been written" in msg and "[0]" in msg
    assert "elements of shape []" in msg
    assert "not been written" in _error(ta.stack())


def test_writing_an_index_twice_is_an_error():
    ta = kf.TensorArray(kf.float32, size=3, tensor_array_name="twice").write(1, 1.0).write(1, 2.0)
    msg = _error(ta.stack())
    assert "'twice'" in msg and "index 1" in msg and "already written" in msg and "shape []" in msg


def test_out_of_range_index_on_a_fixed_size_array():
    msg = _error(kf.TensorArray(kf.float32, size=2, tensor_array_name="small").write(5, 1.0).stack())
    assert "'small'" in msg and "index 5" in msg and "size 2" in msg and "no element written yet" in msg
    assert "out of range" in _error(kf.TensorArray(kf.float32, size=2).unstack([1.0, 2.0]).read(-1))


def test_element_shape_mismatch_statically_and_at_run_time():
    ta = kf.TensorArray(kf.float32, size=2, element_shape=[3], tensor_array_name="shaped")
    with pytest.raises(ValueError, match=r"'shaped'.*shape \(2,\).*shape \(3,\)"):
        ta.write(0, [1.0, 2.0])
    p = kf.placeholder(kf.float32, None)
    loose = kf.TensorArray(kf.float32, size=2, infer_shape=False, tensor_array_name="loose").write(0, [1.0, 2.0])
    with pytest.raises(kf.errors.InvalidArgumentError, match=r"'loose'.*shape \[3\].*shape \[2\]"):
        with kf.Session() as sess:
            sess.run(loose.write(1, p).stack(), {p: np.ones(3)})


def test_unequal_split_lengths_are_a_clear_error():
    msg = _error(kf.TensorArray(kf.float32, size=2, tensor_array_name="pieces").split(np.ones(5), [2, 3])
                 .stack())
    assert "'pieces'" in msg and "[2, 3]" in msg


def test_size_required_unless_dynamic():
    with pytest.raises(ValueError, match="size"):
        kf.TensorArray(kf.float32)
    assert _run(kf.TensorArray(kf.float32, dynamic_size=True).size()) == 0


def test_raw_rnn_emits_a_tensor_array_per_emitted_tensor():
    x_tm = kf.constant(X[:, None, :])  # [time 4, batch 1, depth 3]
    cell = kf.nn.rnn_cell.BasicRNNCell(2)

    def loop_fn(time, cell_output, cell_state, loop_state):
        state = cell.zero_state(1, kf.float64) if cell_output is None else cell_state
        emit = None if cell_output is None else {"h": cell_output, "twice": cell_output * 2.0}
        finished = kf.fill([1], time >= 4)
        return finished, x_tm[kf.minimum(time, 3)], state, emit, None

    emit_ta, _, _ = kf.nn.raw_rnn(cell, loop_fn)
    assert isinstance(emit_ta["h"], kf.TensorArray) and isinstance(emit_ta["twice"], kf.TensorArray)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        h, twice, last, size = sess.run([emit_ta["h"].stack(), emit_ta["twice"].stack(), emit_ta["h"].read(3),
                                         emit_ta["h"].size()])
    assert h.shape == (4, 1, 2) and size == 4
    assert np.allclose(twice, 2 * h) and np.allclose(last, h[3])


def test_shape_invariants_may_name_any_shape_at_a_tensor_arrays_place():
    ta = kf.TensorArray(kf.float32, size=0, dynamic_size=True)

    def body(i, x, ta):
        return i + 1, kf.concat([x, x], 0), ta.write(i, kf.reduce_sum(x))

    _, x, ta = kf.while_loop(lambda i, x, ta: i < 3, body, [0, kf.ones([1]), ta],
                             shape_invariants=[kf.TensorShape([]), kf.TensorShape([None]), kf.TensorShape(None)])
    assert np.array_equal(_run(ta.stack()), [1, 2, 4]) and _run(x).shape == (8,)


def test_cond_may_return_tensor_arrays():
    p = kf.placeholder(kf.bool, [])
    ta = kf.TensorArray(kf.float64, size=2).write(0, kf.constant(1.0, kf.float64))
    out = kf.cond(p, lambda: ta.write(1, kf.constant(5.0, kf.float64)),
                  lambda: ta.write(1, kf.constant(7.0, kf.float64)))
    assert isinstance(out, kf.TensorArray)
    assert np.array_equal(_run(out.stack(), {p: True}), [1, 5]) and _run(out.read(1), {p: False}) == 7


def test_gradient_through_a_cond_choosing_what_to_write():
    def f(x):
        ta = kf.TensorArray(kf.float64, size=2).write(0, x[0])
        out = kf.cond(kf.reduce_sum(x) > 0, lambda: ta.write(1, x[1] * x[1]), lambda: ta.write(1, -x[1]))
        return out.stack()

    check_gradients(f, [X])
    check_gradients(f, [-np.abs(X)])


def test_concat_with_element_shape_known_only_at_run_time():
    p = kf.placeholder(kf.float32, None)
    ta = kf.TensorArray(kf.float32, size=2).write(0, p).write(1, p * 2.0)
    value = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert np.array_equal(_run(ta.concat(), {p: value}), np.concatenate([value, 2 * value]))


def test_gradient_through_a_tensor_array_loop_variable_only_read():
    def f(x, w):
        def body(t, acc, ta):
            return t + 1, acc + kf.tanh(ta.read(t) * w[0]), ta

        ta = kf.TensorArray(kf.float64, size=4).unstack(x)
        return kf.while_loop(lambda t, acc, ta: t < 4, body, [0, kf.zeros([3], kf.float64), ta])[1]

    check_gradients(f, [X, W])


def _writes(graph):
    return [op for op in graph.get_operations() if op.type == "TensorArrayScatterV3"]


def test_loop_writes_fill_the_buffer_in_place_only_when_nothing_else_sees_it():
    from kflow.engine.ops.tensor_array_ops import _sole_owner
    g = kf.Graph()
    with g.as_default():
        ta = kf.TensorArray(kf.float32, size=3)
        _, ta = kf.while_loop(lambda i, ta: i < 3, lambda i, ta: (i + 1, ta.write(i, kf.cast(i, kf.float32))),
                              [0, ta])
        out = ta.stack()
    write, = _writes(g)
    assert _sole_owner(write, write.inputs[0])
    with kf.Session(graph=g) as sess:
        assert np.array_equal(sess.run(out), [0, 1, 2]) and np.array_equal(sess.run(out), [0, 1, 2])
    g2 = kf.Graph()
    with g2.as_default():  # the body also reads the whole buffer: every write copies
        ta = kf.TensorArray(kf.float32, size=3, element_shape=[])

        def body(i, total, ta):
            ta = ta.write(i, kf.cast(i + 1, kf.float32))
            return i + 1, total + kf.reduce_sum(kf.gather(ta.flow, kf.range(i + 1))), ta

        _, total, ta = kf.while_loop(lambda i, t, ta: i < 3, body, [0, 0.0, ta])
    assert not any(_sole_owner(w, w.inputs[0]) for w in _writes(g2))
    with kf.Session(graph=g2) as sess:
        assert sess.run(total) == 1 + 3 + 6


def test_two_versions_written_from_one_array_stay_separate():
    base = kf.TensorArray(kf.float32, size=2).write(0, 1.0)
    left, right = base.write(1, 2.0), base.write(1, 3.0)
    a, b, c = _run([left.stack(), right.stack(), base.read(0)])
    assert np.array_equal(a, [1, 2]) and np.array_equal(b, [1, 3]) and c == 1
    assert "not been written" in _error(base.stack())
