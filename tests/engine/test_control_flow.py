import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients


def test_cond_runs_only_taken_branch():
    p = kf.placeholder(kf.bool, [])
    v = kf.Variable(0)
    with kf.Session() as sess:
        sess.run(v.initializer)
        out = kf.cond(p, lambda: v.assign_add(1), lambda: v.assign_add(100))
        assert sess.run(out, {p: True}) == 1
        assert sess.run(out, {p: True}) == 2
        assert sess.run(out, {p: False}) == 102


def test_cond_untaken_branch_error_is_not_raised():
    x = kf.placeholder(kf.float32, [None])
    p = kf.placeholder(kf.bool, [])
    # the false branch would fail (reshape of 3 elements to 2), but it is never run when p is True
    y = kf.cond(p, lambda: x * 2.0, lambda: kf.reshape(x, [2]))
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(y, {x: [1, 2, 3], p: True}), [2, 4, 6])
        with pytest.raises(kf.errors.InvalidArgumentError, match="Reshape"):
            sess.run(y, {x: [1, 2, 3], p: False})


def test_cond_multiple_outputs_and_structure():
    x = kf.constant(3.0)
    a, b = kf.cond(x > 2.0, lambda: (x, x * 2.0), lambda: (x * 0.0, x))
    with kf.Session() as sess:
        assert sess.run([a, b]) == [3.0, 6.0]


def test_cond_branch_dtype_mismatch():
    x = kf.constant(1.0)
    with pytest.raises(TypeError, match="different dtypes"):
        kf.cond(x > 0.0, lambda: x, lambda: kf.constant(1))


def test_cond_gradient_numeric():
    for pred in (True, False):
        check_gradients(lambda a, b: kf.cond(kf.constant(pred), lambda: a * b, lambda: kf.sin(a) + b * b),
                        [np.random.RandomState(0).randn(3), np.random.RandomState(1).randn(3)])


def test_control_dependencies_order_updates():
    v = kf.Variable(1.0)
    with kf.control_dependencies([v.assign(5.0)]):
        y = kf.identity(v.value()) * 1.0
    with kf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(y) == 5.0


def test_group_and_tuple():
    a = kf.Variable(0.0)
    b = kf.Variable(0.0)
    g = kf.group(a.assign(1.0), [b.assign(2.0)], name="both")
    assert g.name == "both" and g.type == "NoOp"
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        assert sess.run(g) is None
        assert sess.run([a, b]) == [1.0, 2.0]
        t1, t2 = kf.tuple([kf.constant(1.0), kf.constant(2.0)])
        assert sess.run([t1, t2]) == [1.0, 2.0]


def test_stop_gradient_blocks():
    x = kf.placeholder(kf.float64, [])
    y = x * x + kf.stop_gradient(x * x)
    (g,) = kf.gradients(y, [x])
    with kf.Session() as sess:
        assert sess.run(g, {x: 3.0}) == 6.0


def test_gradients_none_for_unconnected_and_int():
    x = kf.placeholder(kf.float32, [])
    z = kf.placeholder(kf.float32, [])
    i = kf.placeholder(kf.int32, [])
    y = x * 2.0 + kf.cast(i, kf.float32)
    gx, gz, gi = kf.gradients(y, [x, z, i])
    assert gz is None and gi is None
    with kf.Session() as sess:
        assert sess.run(gx) == 2.0


def test_gradients_accumulate_fanout_and_second_order():
    x = kf.placeholder(kf.float64, [])
    y = x * x * x  # fan-out of x three times
    (g,) = kf.gradients(y, [x])
    (gg,) = kf.gradients(g, [x])
    with kf.Session() as sess:
        assert sess.run([g, gg], {x: 2.0}) == [12.0, 12.0]


def test_gradients_grad_ys():
    x = kf.placeholder(kf.float64, [2])
    (g,) = kf.gradients(x * 3.0, [x], grad_ys=[kf.constant([1.0, 10.0], dtype=kf.float64)])
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(g, {x: [0.0, 0.0]}), [3.0, 30.0])


def test_missing_gradient_names_op_type():
    from kflow.engine.operation import make_op

    x = kf.placeholder(kf.float32, [])
    y = make_op("MyMystery", [x], lambda v: v, [(kf.float32, [])]).outputs[0]
    with pytest.raises(LookupError, match="MyMystery"):
        kf.gradients(y, [x])
