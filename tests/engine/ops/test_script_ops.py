"""kf.py_func / kf.numpy_function."""
import numpy as np
import pytest

import kflow as kf


def test_py_func_single_and_multiple_outputs():
    x = kf.constant([3.0, 1.0, 2.0])
    y = kf.py_func(lambda v: np.sort(v), [x], kf.float32)
    assert y.shape.ndims is None and y.op.type == "PyFunc"
    a, b = kf.numpy_function(lambda v: (v.sum(), v.argmax()), [x], [kf.float64, kf.int64])
    words = kf.py_func(lambda v: np.array(["n=%d" % len(v)]), [x], kf.string)
    with kf.Session() as sess:
        assert sess.run(y).tolist() == [1.0, 2.0, 3.0]
        assert sess.run([a, b]) == [6.0, 0]
        assert sess.run(words).tolist() == [b"n=3"]


def test_py_func_wrong_outputs_are_errors():
    x = kf.constant([1.0])
    two = kf.py_func(lambda v: v, [x], [kf.float32, kf.float32])
    text = kf.py_func(lambda v: np.array(["a"]), [x], kf.float32)
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError, match="2 outputs"):
            sess.run(two)
        with pytest.raises(kf.errors.InvalidArgumentError, match="does not match Tout float32"):
            sess.run(text)


def test_py_func_has_no_gradient():
    x = kf.constant([1.0])
    with pytest.raises(LookupError, match="PyFunc"):
        kf.gradients(kf.py_func(lambda v: v * 2, [x], kf.float32), [x])
