"""kf.while_loop: values against Python/numpy references, nested loop variables, shape invariants,
maximum_iterations, stateful bodies, gradients (checked numerically in float64) and the errors."""
import collections

import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import while_op

W0 = np.array([0.5, -0.3, 0.8])
X0 = np.array([0.1, -0.2, 0.3])


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def test_counter_and_sum_match_python():
    i, s = kf.while_loop(lambda i, s: i < 10, lambda i, s: (i + 1, s + kf.cast(i, kf.float32)), (0, 0.0))
    assert _run([i, s]) == [10, 45.0]


def test_nested_loop_vars_keep_their_structure():
    Pair = collections.namedtuple("Pair", "a b")
    init = (kf.constant(0), {"x": kf.constant([1.0, 2.0]), "y": [kf.constant(3.0)]}, Pair(kf.constant(1), 2.0))

    def body(i, d, p):
        return i + 1, {"x": d["x"] * 2.0, "y": [d["y"][0] + 1.0]}, Pair(p.a * 3, p.b - 1.0)

    out = kf.while_loop(lambda i, d, p: i < 3, body, init)
    assert isinstance(out, tuple) and isinstance(out[2], Pair) and set(out[1]) == {"x", "y"}
    i, d, p = _run(out)
    assert i == 3 and np.allclose(d["x"], [8.0, 16.0]) and d["y"][0] == 6.0 and p.a == 27 and p.b == -1.0


def test_single_loop_var_comes_back_bare_unless_same_structure_is_asked():
    bare = kf.while_loop(lambda x: x < 5, lambda x: x + 1, [kf.constant(0)])
    same = kf.while_loop(lambda x: x < 5, lambda x: [x + 1], [kf.constant(0)], return_same_structure=True)
    assert isinstance(bare, kf.Tensor) and isinstance(same, list)
    assert _run(bare) == 5 and _run(same) == [5]


def test_values_match_numpy_with_a_placeholder_and_a_captured_tensor():
    x = kf.placeholder(kf.float64, [3])
    w = kf.constant(W0)
    _, v = kf.while_loop(lambda k, v: k < 4, lambda k, v: (k + 1, kf.tanh(v * w + 0.1)), [0, x])
    ref = X0
    for _ in range(4):
        ref = np.tanh(ref * W0 + 0.1)
    assert np.allclose(_run(v, {x: X0}), ref)


def test_shape_invariants_let_a_loop_var_grow():
    _, v = kf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, kf.concat([v, v], 0)),
                         [0, kf.constant([1.0])], shape_invariants=[kf.TensorShape([]), kf.TensorShape([None])])
    assert v.shape.as_list() == [None]
    assert _run(v).shape == (8,)


def test_shape_invariant_for_a_single_var_and_a_nested_structure():
    v = kf.while_loop(lambda v: kf.size(v) < 5, lambda v: kf.concat([v, [1.0]], 0), [kf.constant([1.0])],
                      shape_invariants=kf.TensorShape([None]))
    d = kf.while_loop(lambda i, d: i < 2, lambda i, d: (i + 1, {"a": kf.concat([d["a"], d["a"]], 0)}),
                      [0, {"a": kf.constant([2.0])}],
                      shape_invariants=[kf.TensorShape([]), {"a": kf.TensorShape([None])}])
    assert _run(v).shape == (5,) and np.allclose(_run(d[1]["a"]), [2.0] * 4)
    with pytest.raises(ValueError, match="structure of loop_vars"):
        kf.while_loop(lambda i, v: i < 2, lambda i, v: (i, v), [0, 1.0], shape_invariants=[kf.TensorShape([])])


def test_shape_change_without_invariant_names_the_loop_var():
    with pytest.raises(ValueError, match=r"loop_vars\[1\].*shape_invariants"):
        kf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, kf.concat([v, v], 0)), [0, kf.constant([1.0])])


def test_maximum_iterations_bounds_the_loop():
    n = kf.placeholder(kf.int32, [])
    i = kf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=7)
    j = kf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=n)
    assert _run(i) == 7
    assert _run(j, {n: 3}) == 3 and _run(j, {n: 0}) == 0
    k = kf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=kf.constant(4, kf.int64))
    assert _run(k) == 4
    with pytest.raises(TypeError, match="maximum_iterations"):
        kf.while_loop(lambda i: i < 100, lambda i: i + 1, [0], maximum_iterations=2.5)


def test_zero_iterations_returns_the_initial_values_and_gradient_one():
    x = kf.placeholder(kf.float64, [3])
    v = kf.while_loop(lambda v: kf.reduce_sum(v) > 100.0, lambda v: v * 2.0, [x])
    g, = kf.gradients(kf.reduce_sum(v), [x])
    out, gv = _run([v, g], {x: X0})
    assert np.allclose(out, X0) and np.allclose(gv, 1.0)


def test_body_runs_stateful_ops_each_iteration():
    counter = kf.Variable(0.0)

    def body(i, acc):
        bump = kf.assign_add(counter, 1.0)
        with kf.control_dependencies([kf.group(bump)]):
            r = kf.random_uniform([])
        a, b = kf.tuple([r, acc])
        return i + 1, b + a

    _, total = kf.while_loop(lambda i, a: i < 4, body, [0, 0.0])
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        t1 = sess.run(total)
        assert sess.run(counter) == 4.0
        t2 = sess.run(total)
        assert sess.run(counter) == 8.0
    assert 0.0 < t1 < 4.0 and t1 != t2  # fresh draws each iteration and each run


def test_cond_inside_the_body():
    def body(i, v):
        return i + 1, kf.cond(v < 10.0, lambda: v * 2.0, lambda: v - 1.0)

    _, v = kf.while_loop(lambda i, v: i < 6, body, [0, 1.0])
    ref = 1.0
    for _ in range(6):
        ref = ref * 2.0 if ref < 10.0 else ref - 1.0
    assert _run(v) == ref


def test_variables_made_in_the_body_are_created_outside_and_trained():
    x = kf.placeholder(kf.float32, [2])

    def body(i, v):
        w = kf.get_variable("w", [2], initializer=kf.ones_initializer())
        return i + 1, v * w

    _, v = kf.while_loop(lambda i, v: i < 3, body, [0, x])
    loss = kf.reduce_sum(v)
    step = kf.train.GradientDescentOptimizer(0.1).minimize(loss)
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert np.allclose(sess.run(v, {x: [1.0, 2.0]}), [1.0, 2.0])
        sess.run(step, {x: [1.0, 2.0]})  # d/dw sum(x * w^3) = 3 x w^2
        assert np.allclose(sess.run(kf.global_variables()[0]), [1.0 - 0.3, 1.0 - 0.6])


def test_the_loop_compiles_its_plans_once_per_run_plan(monkeypatch):
    built = []
    real = while_op.Plan

    def counting(*args, **kwargs):
        built.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(while_op, "Plan", counting)
    i = kf.while_loop(lambda i: i < 500, lambda i: i + 1, [0])
    with kf.Session() as sess:
        assert sess.run(i) == 500 and sess.run(i) == 500
    assert len(built) == 2  # one cond plan and one body plan, not one per iteration or per run


# ---- gradients -------------------------------------------------------------
def test_gradient_wrt_initial_value_and_captured_tensor():
    def f(x, w):
        return kf.while_loop(lambda k, v: k < 4, lambda k, v: (k + 1, kf.tanh(v * w + 0.1)), [0, x])[1]

    check_gradients(f, [X0, W0])


def test_gradient_wrt_captured_scalars_sums_over_iterations():
    def f(x, a):
        return kf.while_loop(lambda k, v: k < 5, lambda k, v: (k + 1, v * a + kf.reduce_sum(v) * a * a), [0, x])[1]

    check_gradients(f, [X0, np.array(0.7)])


def test_gradient_through_nested_structure_and_several_vars():
    def f(x, w):
        def body(k, s):
            return k + 1, {"a": s["a"] * w + s["b"], "b": kf.sin(s["a"])}
        return list(kf.while_loop(lambda k, s: k < 3, body, [0, {"a": x, "b": x * x}])[1].values())

    check_gradients(f, [X0, W0])


def test_gradient_through_nested_loops_and_a_cond_in_the_body():
    def f(x, w):
        def outer(i, v):
            _, v = kf.while_loop(lambda j, u: j < 3, lambda j, u: (j + 1, kf.tanh(u * w)), [0, v])
            v = kf.cond(kf.reduce_sum(v) > 0, lambda: kf.sin(v) * w, lambda: v * v + w)
            return i + 1, v
        return kf.while_loop(lambda i, v: i < 2, outer, [0, x])[1]

    check_gradients(f, [X0, W0])
    check_gradients(f, [-X0 - 1.0, W0])


def test_gradient_with_a_data_dependent_trip_count():
    def f(x):
        return kf.while_loop(lambda v: kf.reduce_sum(v) < 5.0, lambda v: v * 1.5 + 0.1, [x])

    check_gradients(f, [np.abs(X0) + 0.1])


def test_back_prop_false_stops_gradients():
    x = kf.placeholder(kf.float32, [3])
    v = kf.while_loop(lambda v: kf.reduce_sum(v) < 5.0, lambda v: v * 2.0, [x], back_prop=False)
    assert kf.gradients(kf.reduce_sum(v), [x]) == [None]


def test_second_order_gradient_is_a_clear_error():
    x = kf.placeholder(kf.float64, [3])
    _, v = kf.while_loop(lambda k, v: k < 2, lambda k, v: (k + 1, v * v), [0, x])
    g, = kf.gradients(kf.reduce_sum(v), [x])
    with pytest.raises(NotImplementedError, match="second-order"):
        kf.gradients(kf.reduce_sum(g), [x])


# ---- errors ----------------------------------------------------------------
def test_body_structure_mismatch_is_an_error():
    with pytest.raises(ValueError, match="structure of loop_vars"):
        kf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1,), [0, 1.0])


def test_dtype_change_names_the_loop_var():
    with pytest.raises(TypeError, match=r"loop_vars\[1\].*float32 to int32"):
        kf.while_loop(lambda i, v: i < 3, lambda i, v: (i + 1, kf.cast(v, kf.int32)), [0, 1.0])


def test_cond_must_return_a_scalar_bool():
    with pytest.raises(TypeError, match="scalar bool"):
        kf.while_loop(lambda i: i, lambda i: i + 1, [0])
    with pytest.raises(TypeError, match="scalar bool"):
        kf.while_loop(lambda v: v > 0, lambda v: v - 1.0, [kf.constant([1.0, 2.0])])


def test_bad_arguments():
    with pytest.raises(TypeError, match="callables"):
        kf.while_loop(None, lambda i: i, [0])
    with pytest.raises(ValueError, match="no loop variables"):
        kf.while_loop(lambda: True, lambda: (), [])
    with pytest.raises(ValueError, match="not compatible"):
        kf.while_loop(lambda v: v[0] > 0, lambda v: v, [kf.constant([1.0])], shape_invariants=[kf.TensorShape([2])])


def test_a_failing_body_op_is_named_in_the_run_error():
    x = kf.placeholder(kf.float32, [None, None])
    w = kf.placeholder(kf.float32, [None, None])
    _, v = kf.while_loop(lambda i, v: i < 2, lambda i, v: (i + 1, kf.matmul(v, w, name="body_matmul")), [0, x])
    with pytest.raises(kf.errors.InvalidArgumentError, match="body_matmul") as info:
        _run(v, {x: np.ones((2, 3)), w: np.ones((2, 2))})
    assert "'while/loop_var_1:0' (float32 (2, 3))" in str(info.value)  # the iteration's value, as fed
