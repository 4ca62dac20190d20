import numpy as np
import pytest

import kflow as kf
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op
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


def test_cond_nested_structures_with_dicts():
    """``cond(training, lambda: train_it.get_next(), lambda: val_it.get_next())`` with dict features."""
    p = kf.placeholder(kf.bool, [])
    out = kf.cond(p, lambda: ({"b": kf.constant(1.0), "a": kf.constant([1, 2])}, [kf.constant(3.0)]),
                  lambda: ({"a": kf.constant([5, 6]), "b": kf.constant(2.0)}, [kf.constant(4.0)]))
    assert list(out[0]) == ["b", "a"] and isinstance(out[1], list)
    with kf.Session() as sess:
        feats, rest = sess.run(out, {p: False})
        assert feats["b"] == 2.0 and rest == [4.0]
        np.testing.assert_array_equal(feats["a"], [5, 6])
        assert sess.run(out[0]["b"], {p: True}) == 1.0
    for pred in (True, False):
        check_gradients(lambda a: _nested_cond_sum(kf.constant(pred), a), [np.array([0.3, -0.7])])


def _nested_cond_sum(pred, a):
    out = kf.cond(pred, lambda: {"s": a * 2.0, "t": (kf.sin(a), a * a)},
                  lambda: {"t": (a * 3.0, kf.exp(a)), "s": a})
    return out["s"] + out["t"][0] * out["t"][1]


def test_cond_structure_mismatch_and_singleton_unpacking():
    p = kf.placeholder(kf.bool, [])
    with pytest.raises(ValueError, match="same structure"):
        kf.cond(p, lambda: {"a": kf.constant(1.0)}, lambda: {"b": kf.constant(1.0)})
    single = kf.cond(p, lambda: [kf.constant(1.0)], lambda: [kf.constant(2.0)])  # TF1 unpacks (strict=False)
    strict = kf.cond(p, lambda: [kf.constant(1.0)], lambda: [kf.constant(2.0)], strict=True)
    assert isinstance(single, kf.Tensor) and isinstance(strict, list)


def test_cond_branches_returning_operations():
    """TF1 idiom ``cond(do_train, lambda: kf.group(update), kf.no_op)``: the result is the predicate."""
    p = kf.placeholder(kf.bool, [])
    v = kf.Variable(0.0)
    r = kf.cond(p, lambda: kf.group(kf.assign_add(v, 1.0)), lambda: kf.no_op())
    with kf.Session() as sess:
        sess.run(v.initializer)
        assert sess.run(r, {p: True}) and not sess.run(r, {p: False})
        assert sess.run(v) == 1.0


def test_cond_gradient_numeric():
    for pred in (True, False):
        check_gradients(lambda a, b: kf.cond(kf.constant(pred), lambda: a * b, lambda: kf.sin(a) + b * b),
                        [np.random.RandomState(0).randn(3), np.random.RandomState(1).randn(3)])


def _counted(x, calls, key):
    """``x``, plus a py_func (no gradient: held constant) that counts its runs in ``calls[key]``."""
    def count(v):
        calls[key] = calls.get(key, 0) + 1
        return np.zeros_like(v)
    return x + kf.stop_gradient(kf.py_func(count, [x], x.dtype))


def test_cond_gradient_reads_the_forward_branch_values_instead_of_recomputing_them():
    """The classic ``cond(training, dropout, identity)``: the gradient must use the mask the forward drew."""
    x = kf.Variable(np.ones((4, 16)))
    training = kf.placeholder_with_default(True, [])
    calls = {}
    y = kf.cond(training, lambda: kf.nn.dropout(_counted(x.value(), calls, "true"), keep_prob=0.5),
                lambda: _counted(x.value(), calls, "false") * 3.0)
    g = kf.gradients(kf.reduce_sum(y * y), x)[0]
    with kf.Session() as sess:
        sess.run(x.initializer)
        for _ in range(3):
            yv, gv = sess.run([y, g])
            np.testing.assert_array_equal(gv, 2 * yv * np.where(yv != 0, 2.0, 0.0))  # dy/dx = mask / keep
        assert calls == {"true": 3}  # once per step, and the untaken branch never ran
        yv, gv = sess.run([y, g], {training: False})
        np.testing.assert_array_equal(gv, 2 * yv * 3.0)
        assert calls == {"true": 3, "false": 1}


def test_cond_gradient_never_runs_the_untaken_branch():
    x = kf.placeholder(kf.float64, [None])
    p = kf.placeholder(kf.bool, [])
    # the false branch would fail (reshape of 3 elements to 2) and so would its gradient
    y = kf.cond(p, lambda: kf.sqrt(x) * 2.0, lambda: kf.reshape(kf.sqrt(x), [2]))
    g = kf.gradients(kf.reduce_sum(y), x)[0]
    with kf.Session() as sess:
        xv = np.array([1.0, 4.0, 9.0])
        np.testing.assert_allclose(sess.run(g, {x: xv, p: True}), 1.0 / np.sqrt(xv))
        with pytest.raises(kf.errors.InvalidArgumentError, match="Reshape"):
            sess.run(g, {x: xv, p: False})


def test_nested_cond_gradient_uses_the_inner_forward_values():
    x = kf.Variable(np.ones(32))
    outer, inner = kf.placeholder_with_default(True, []), kf.placeholder_with_default(True, [])
    y = kf.cond(outer, lambda: kf.cond(inner, lambda: kf.nn.dropout(x.value() * 2.0, rate=0.5), lambda: x * 5.0),
                lambda: x * 7.0)
    g = kf.gradients(kf.reduce_sum(y), x)[0]
    with kf.Session() as sess:
        sess.run(x.initializer)
        yv, gv = sess.run([y, g])
        np.testing.assert_array_equal(gv, np.where(yv != 0, 4.0, 0.0))
        assert 0 < (yv != 0).sum() < 32
        np.testing.assert_array_equal(sess.run(g, {inner: False}), np.full(32, 5.0))
        np.testing.assert_array_equal(sess.run(g, {outer: False}), np.full(32, 7.0))


def test_a_plan_built_before_the_gradient_keeps_working():
    x = kf.constant([1.0, 4.0])
    p = kf.placeholder_with_default(True, [])
    y = kf.cond(p, lambda: kf.sqrt(x), lambda: x)
    with kf.Session() as sess:
        np.testing.assert_allclose(sess.run(y), [1.0, 2.0])  # compiled while the Cond op had one output
        g = kf.gradients(y, x)[0]  # exports sqrt's output: the Cond op gains an output
        np.testing.assert_allclose(sess.run(y), [1.0, 2.0])
        np.testing.assert_allclose(sess.run([y, g])[1], [0.5, 0.25])
        np.testing.assert_allclose(sess.run(g, {p: False}), [1.0, 1.0])


def test_cond_second_order_gradient_numeric():
    for pred in (True, False):
        check_gradients(lambda a: kf.gradients(kf.reduce_sum(kf.cond(kf.constant(pred), lambda: kf.sin(a) * a,
                                                                        lambda: a * a * a)), a)[0],
                        [np.random.RandomState(2).randn(4)])


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


MYSTERY = OpDef("MyMystery", lambda v: v)  # declares no gradient


def test_missing_gradient_names_op_type():
    x = kf.placeholder(kf.float32, [])
    y = make_op(MYSTERY, [x], [(kf.float32, [])]).outputs[0]
    with pytest.raises(LookupError, match="MyMystery"):
        kf.gradients(y, [x])
