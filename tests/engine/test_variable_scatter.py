"""TF1's variable scatter ops (scatter_update/add/sub/mul/div/max/min, scatter_nd_update/add/sub): in-place
updates of the session's buffer, against numpy, with errors naming the variable and shapes."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine import variable_scatter as vs

ROWS = np.array([2, 0, 2])


@pytest.mark.parametrize("name,ufunc", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply),
                                        ("div", np.true_divide), ("max", np.maximum), ("min", np.minimum)])
def test_row_scatters_accumulate_repeated_indices_like_numpy_at(name, ufunc):
    start = np.arange(1.0, 9.0).reshape(4, 2)
    updates = np.array([[2.0, -3.0], [4.0, 5.0], [0.5, 7.0]])
    with kf.Graph().as_default():
        v = kf.Variable(start)
        op = getattr(vs, "scatter_" + name)(v, ROWS, updates)
        with kf.Session() as sess:
            sess.run(v.initializer)
            got = sess.run(op)
            want = start.copy()
            ufunc.at(want, ROWS, updates)
            np.testing.assert_allclose(got, want)
            np.testing.assert_allclose(sess.run(v), want)  # the variable itself changed
            got[...] = 0  # the fetched value is a copy, not the session's buffer
            np.testing.assert_allclose(sess.run(v), want)


def test_scatter_update_and_nd_updates():
    with kf.Graph().as_default():
        v = kf.Variable(np.zeros([3, 2], np.float32))
        row = vs.scatter_update(v, [1], [[1.0, 2.0]])
        nd = vs.scatter_nd_update(v, [[0, 1], [2, 0]], [5.0, 6.0])
        nd_add = vs.scatter_nd_add(v, [[0, 1], [0, 1]], [1.0, 1.0])
        nd_sub = vs.scatter_nd_sub(v, [[1]], [[1.0, 1.0]])
        with kf.Session() as sess:
            sess.run(v.initializer)
            np.testing.assert_array_equal(sess.run(row), [[0, 0], [1, 2], [0, 0]])
            np.testing.assert_array_equal(sess.run(nd), [[0, 5], [1, 2], [6, 0]])
            np.testing.assert_array_equal(sess.run(nd_add), [[0, 7], [1, 2], [6, 0]])
            np.testing.assert_array_equal(sess.run(nd_sub), [[0, 7], [0, 1], [6, 0]])


def test_scatter_errors_name_the_variable():
    with kf.Graph().as_default():
        v = kf.Variable(np.zeros([3, 2]), name="table")
        with pytest.raises(IndexError, match="out of range for variable 'table'"):
            vs.scatter_add(v, [3], [[1.0, 1.0]])
        with pytest.raises(ValueError, match=r"updates must have shape \[1, 2\]"):
            vs.scatter_add(v, [1], [1.0, 1.0, 1.0])
        with pytest.raises(TypeError, match="indices must be int32 or int64"):
            vs.scatter_update(v, [0.0], [[1.0, 1.0]])
        ids = kf.placeholder(kf.int32, [None])
        op = vs.scatter_sub(v, ids, np.ones([1, 2]))
        with kf.Session() as sess:
            with pytest.raises(kf.errors.FailedPreconditionError, match="uninitialized"):
                sess.run(op, {ids: [0]})
            sess.run(v.initializer)
            with pytest.raises(kf.errors.InvalidArgumentError, match=r"index 7 is out of range.*'table'"):
                sess.run(op, {ids: [7]})
