import numpy as np
import pytest

import kflow as kf
from kflow.layers.variable_scope import (variable_scope, get_variable, get_variable_scope, AUTO_REUSE,
                                         VariableScope, get_local_variable, no_regularizer)
from kflow.layers.regularizers import l2


def two_hidden_layers(x):
    with variable_scope("layer1"):
        w1 = get_variable("w", [3, 4])
        b1 = get_variable("b", [4], initializer=kf.zeros_initializer())
        h = kf.tanh(kf.matmul(x, w1) + b1)
    with variable_scope("layer2"):
        w2 = get_variable("w", [4, 2])
        b2 = get_variable("b", [2], initializer=kf.zeros_initializer())
        return kf.matmul(h, w2) + b2


def test_auto_reuse_shares_four_variables():
    x = kf.placeholder(kf.float32, [None, 3])
    with variable_scope("foo", reuse=AUTO_REUSE):
        y1 = two_hidden_layers(x)
    with variable_scope("foo", reuse=AUTO_REUSE):
        y2 = two_hidden_layers(x)
    names = [v.name for v in kf.global_variables()]
    assert names == ["foo/layer1/w:0", "foo/layer1/b:0", "foo/layer2/w:0", "foo/layer2/b:0"]
    assert len(kf.trainable_variables()) == 4
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        a, b = sess.run([y1, y2], {x: np.ones((2, 3))})
    np.testing.assert_array_equal(a, b)


def test_reuse_true_returns_same_object():
    with variable_scope("s"):
        v = get_variable("v", [2, 3])
    with variable_scope("s", reuse=True):
        assert get_variable("v", [2, 3]) is v
        assert get_variable("v") is v  # shape may be omitted when reusing
    with variable_scope("s") as scope:
        scope.reuse_variables()
        assert get_variable("v", [2, 3]) is v


def test_name_scope_inside_variable_scope_naming():
    with variable_scope("foo"):
        with kf.name_scope("bar"):
            v = get_variable("v", [1])
            x = 1.0 + v
    assert v.name == "foo/v:0"
    assert x.op.name == "foo/bar/add"


def test_operator_and_function_default_op_names():
    a, b = kf.constant(1.0), kf.constant(2.0)
    assert (a + b).op.name == "add"
    assert (a - b).op.name == "sub"
    assert (a * b).op.name == "mul"
    assert (a / b).op.name == "truediv"
    assert kf.add(a, b).op.name == "Add_1"  # TF1 uniquifies names case-insensitively
    assert kf.matmul([[1.0]], [[2.0]]).op.name == "MatMul"


def test_second_entry_gets_new_name_scope_same_variable_prefix():
    with variable_scope("foo") as s1:
        c1 = kf.constant(1.0, name="c")
        v = get_variable("v", [1])
    with variable_scope("foo", reuse=True) as s2:
        c2 = kf.constant(1.0, name="c")
        assert get_variable("v", [1]) is v
    assert s1.name == s2.name == "foo"
    assert s1.original_name_scope == "foo/" and s2.original_name_scope == "foo_1/"
    assert c1.op.name == "foo/c" and c2.op.name == "foo_1/c"
    assert v.name == "foo/v:0"


def test_reenter_scope_object_and_nesting():
    with variable_scope("outer") as outer:
        with variable_scope("inner"):
            v = get_variable("v", [1])
    assert v.name == "outer/inner/v:0"
    with variable_scope("other"):
        with variable_scope(outer, reuse=True) as again:
            assert again.name == "outer"
            assert get_variable_scope() is again
            with variable_scope("inner"):
                assert get_variable("v", [1]) is v
            w = kf.constant(0.0, name="w")
    assert w.op.name == "other/outer/w"
    assert get_variable_scope().name == ""


def test_default_name_is_uniquified_and_reset_on_reentry():
    with variable_scope("net"):
        with variable_scope(None, default_name="dense") as a:
            pass
        with variable_scope(None, default_name="dense") as b:
            pass
    assert (a.name, b.name) == ("net/dense", "net/dense_1")
    with variable_scope("net"):
        with variable_scope(None, default_name="dense") as c:
            pass
    assert c.name == "net/dense"  # counts of subscopes reset when "net" was left
    with pytest.raises(ValueError, match="reuse=True cannot be used without a name_or_scope"):
        variable_scope(None, default_name="x", reuse=True)


def test_duplicate_creation_error_shows_both_sites():
    with variable_scope("dup"):
        get_variable("v", [1])
    with pytest.raises(ValueError) as e:
        with variable_scope("dup"):
            get_variable("v", [1])
    msg = str(e.value)
    assert "dup/v already exists" in msg
    assert msg.count("test_variable_scope.py:") == 2


def test_reuse_missing_variable_error_names_it():
    with pytest.raises(ValueError, match="Variable nope/w does not exist"):
        with variable_scope("nope", reuse=True):
            get_variable("w", [1])


def test_shape_and_dtype_mismatch_on_reuse():
    with variable_scope("m"):
        get_variable("v", [2, 3])
    with pytest.raises(ValueError, match=r"specified shape \(3, 2\) and found shape \(2, 3\)"):
        with variable_scope("m", reuse=True):
            get_variable("v", [3, 2])
    with pytest.raises(ValueError, match="specified dtype float64 and found dtype float32"):
        with variable_scope("m", reuse=True):
            get_variable("v", [2, 3], dtype=kf.float64)


def test_scope_initializer_regularizer_dtype_and_collections():
    with variable_scope("r", initializer=kf.constant_initializer(0.5), dtype=kf.float64,
                        regularizer=l2(0.1)):
        v = get_variable("v", [2])
        n = get_variable("n", [2], trainable=False)
        i = get_variable("i", [3], dtype=kf.int32, regularizer=no_regularizer,
                         initializer=kf.zeros_initializer())
    j = get_variable("j", [3], dtype=kf.int32)
    assert v.dtype == kf.float64 and i.dtype == kf.int32
    assert n not in kf.trainable_variables() and n in kf.global_variables()
    losses = kf.get_collection(kf.GraphKeys.REGULARIZATION_LOSSES)
    assert len(losses) == 2  # v and n get the scope's regularizer; no_regularizer switches it off for i
    assert losses[0].op.name.startswith("r/v/Regularizer/")
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(v), [0.5, 0.5])
        np.testing.assert_allclose(sess.run(losses[0]), 0.1 * 0.5)
        np.testing.assert_array_equal(sess.run(j), [0, 0, 0])  # integer default initializer: zeros


def test_initializer_from_value_and_tensor():
    v = get_variable("val", initializer=np.arange(4.0).reshape(2, 2))
    t = get_variable("ten", initializer=kf.constant([1, 2, 3]))
    assert v.shape.as_list() == [2, 2] and v.dtype == kf.float64
    assert t.dtype == kf.int32
    with pytest.raises(ValueError, match="do not specify shape"):
        get_variable("bad", [2], initializer=[1.0, 2.0])
    with pytest.raises(ValueError, match="must be fully defined"):
        get_variable("noshape")
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_array_equal(sess.run(t), [1, 2, 3])


def test_custom_getter_and_local_variable():
    seen = []

    def getter(next_getter, name, *args, **kwargs):
        seen.append(name)
        return next_getter(name, *args, **kwargs)

    with variable_scope("cg", custom_getter=getter):
        v = get_variable("v", [1])
    assert seen == ["cg/v"] and v.name == "cg/v:0"
    loc = get_local_variable("count", [], dtype=kf.int32)
    assert loc in kf.local_variables() and loc not in kf.trainable_variables()


def test_variables_made_inside_cond_and_control_deps_are_lifted():
    pred = kf.placeholder(kf.bool, [])
    c = kf.constant(1.0)
    with kf.control_dependencies([c]):
        v = get_variable("lifted", [1], initializer=kf.ones_initializer())
    assert v.initializer.control_inputs == []

    def branch():
        w = get_variable("in_cond", [1], initializer=kf.ones_initializer())
        return w * 2.0

    out = kf.cond(pred, branch, lambda: kf.constant([0.0]))
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        np.testing.assert_allclose(sess.run(out, {pred: True}), [2.0])


def test_scope_objects_and_graphs_are_separate():
    g = kf.Graph()
    with g.as_default():
        with variable_scope("a"):
            v = get_variable("v", [1])
    with variable_scope("a"):
        w = get_variable("v", [1])  # another graph: another store
    assert v.graph is g and w.graph is kf.get_default_graph()
    assert isinstance(get_variable_scope(), VariableScope)
    with pytest.raises(TypeError):
        variable_scope(3)
