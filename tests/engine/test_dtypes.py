import numpy as np
import pytest

import kflow as kf


@pytest.mark.parametrize("name,expected", [("float", kf.float32), ("float32", kf.float32), ("double", kf.float64),
                                           ("half", kf.float16), ("int64", kf.int64), ("string", kf.string)])
def test_as_dtype_accepts_tf_names(name, expected):
    assert kf.as_dtype(name) is expected


def test_placeholder_with_a_dtype_name_as_in_tf1_tutorials():
    x = kf.placeholder("float")  # the classic linear-regression tutorial spelling
    with kf.Session() as sess:
        assert sess.run(x * 2.0, {x: np.float64(1.5)}).dtype == np.float32


def test_as_dtype_rejects_unknown_names():
    with pytest.raises(TypeError, match="flaot"):
        kf.as_dtype("flaot")
