import numpy as np
import pytest

import kflow as kf


def test_two_sessions_keep_separate_values():
    v = kf.Variable(10, name="v")
    add = v.assign_add(10)
    sub = v.assign_sub(2)
    s1, s2 = kf.Session(), kf.Session()
    s1.run(v.initializer)
    s2.run(v.initializer)
    assert s1.run(add) == 20
    assert s2.run(sub) == 8
    assert s1.run(v) == 20 and s2.run(v) == 8
    s1.close()
    s2.close()


def test_variable_names_ops_and_initializer():
    v = kf.Variable(np.zeros((2, 3), np.float32), name="weights")
    assert v.name == "weights:0"
    assert v.op.name == "weights" and v.op.type == "VariableV2"
    assert v.initializer.name == "weights/Assign"
    assert v.value().op.name == "weights/read"
    assert v.shape.as_list() == [2, 3] and v.dtype is kf.float32
    assert repr(v) == "<tf.Variable 'weights:0' shape=(2, 3) dtype=float32>"
    v2 = kf.Variable(1.0, name="weights")
    assert v2.name == "weights_1:0"


def test_uninitialized_read_names_variable():
    v = kf.Variable(1.0, name="my_var")
    y = v * 2.0
    with kf.Session() as sess:
        with pytest.raises(kf.errors.FailedPreconditionError, match="uninitialized value my_var"):
            sess.run(y)


def test_report_uninitialized_and_variables_initializer():
    a = kf.Variable(1.0, name="a")
    b = kf.Variable(2.0, name="b")
    report = kf.report_uninitialized_variables()
    with kf.Session() as sess:
        assert list(sess.run(report)) == [b"a", b"b"]
        sess.run(kf.variables_initializer([a]))
        assert list(sess.run(report)) == [b"b"]
        sess.run(kf.global_variables_initializer())
        assert list(sess.run(report)) == []
        assert sess.run(kf.is_variable_initialized(a))


def test_assign_ops_and_functions():
    v = kf.Variable([1.0, 2.0])
    with kf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(v.assign([5.0, 6.0])), [5.0, 6.0])
        np.testing.assert_array_equal(sess.run(kf.assign_add(v, [1.0, 1.0])), [6.0, 7.0])
        np.testing.assert_array_equal(sess.run(kf.assign_sub(v, [2.0, 2.0])), [4.0, 5.0])
        np.testing.assert_array_equal(sess.run(kf.assign(v, [0.0, 0.0])), [0.0, 0.0])
    with pytest.raises(ValueError, match="incompatible"):
        v.assign([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="dtype"):
        v.assign(kf.constant([1, 2]))


def test_load_and_eval():
    v = kf.Variable(np.zeros(3, np.float32))
    with kf.Session() as sess:
        v.load([1, 2, 3], sess)
        np.testing.assert_array_equal(v.eval(sess), [1, 2, 3])
        with pytest.raises(ValueError, match="shape"):
            v.load([1, 2], sess)


def test_initializer_from_other_variable_and_callable():
    a = kf.Variable(3.0)
    b = kf.Variable(a.initialized_value() * 2.0 if hasattr(a, "initialized_value") else a * 2.0)
    c = kf.Variable(lambda: kf.constant([1.0, 1.0]))
    with kf.Session() as sess:
        sess.run(a.initializer)
        sess.run(b.initializer)
        sess.run(c.initializer)
        assert sess.run(b) == 6.0
        np.testing.assert_array_equal(sess.run(c), [1.0, 1.0])


def test_variable_initial_value_not_aliased_by_inplace_updates():
    init = kf.constant([1.0, 2.0])
    v = kf.Variable(init)
    with kf.Session() as sess:
        sess.run(v.initializer)
        sess.run(v.assign_add([10.0, 10.0]))
        np.testing.assert_array_equal(sess.run(init), [1.0, 2.0])


def test_variable_dtype_argument_and_operators():
    v = kf.Variable([1, 2], dtype=kf.float64)
    assert v.dtype is kf.float64
    y = v * 2 + 1
    z = -v
    with kf.Session() as sess:
        sess.run(v.initializer)
        np.testing.assert_array_equal(sess.run(y), [3.0, 5.0])
        np.testing.assert_array_equal(sess.run(z), [-1.0, -2.0])
        np.testing.assert_array_equal(sess.run(v[1:]), [2.0])


def test_initialized_value_initializes_one_variable_from_another():
    w1 = kf.Variable(kf.random_normal([3], seed=1), name="w1")
    w2 = kf.Variable(w1.initialized_value() * 2.0, name="w2")
    with kf.Session() as sess:
        sess.run(w2.initializer)  # w1 uninitialized: its initial value is used
        assert w2.eval().shape == (3,)
        sess.run(kf.global_variables_initializer())  # one run: both see the same random draw
        np.testing.assert_allclose(sess.run(w2), 2.0 * sess.run(w1))
        sess.run(w1.assign([1.0, 2.0, 3.0]))
        sess.run(w2.initializer)  # w1 initialized: its current value is used
        np.testing.assert_allclose(sess.run(w2), [2.0, 4.0, 6.0])
