"""TF1 top-level aliases: arg_max/arg_min, to_double, scalar_mul, identity_n, initializers, dimension helpers."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.op_def import gradient_function


def test_arg_max_arg_min_match_numpy():
    data = np.array([[1, 5, 2], [7, 0, 9]], dtype=np.float32)
    x = kf.constant(data)
    with kf.Session() as sess:
        amax, amin, amin0 = sess.run([kf.arg_max(x, 1), kf.arg_min(x, 1), kf.arg_min(x, dimension=0)])
        amax32 = sess.run(kf.arg_max(x, 1, output_type=kf.int32))
    np.testing.assert_array_equal(amax, data.argmax(1))
    np.testing.assert_array_equal(amin, data.argmin(1))
    np.testing.assert_array_equal(amin0, data.argmin(0))
    assert amax.dtype == np.int64 and amax32.dtype == np.int32


def test_simple_renames():
    x = kf.constant([1.5, -2.0])
    a, b = kf.identity_n([x, x * 2.0])
    with kf.Session() as sess:
        d, m, av, bv = sess.run([kf.to_double(x), kf.scalar_mul(3.0, x), a, b])
    assert d.dtype == np.float64
    np.testing.assert_array_equal(m, [4.5, -6.0])
    np.testing.assert_array_equal(bv, [3.0, -4.0])
    with pytest.raises(ValueError, match="scalar"):
        kf.scalar_mul([1.0, 2.0], x)
    assert kf.is_tensor(x) and kf.is_tensor(kf.Variable(1.0)) and not kf.is_tensor(np.ones(2))
    assert kf.dimension_value(x.shape[0]) == 2 and kf.dimension_value(5) == 5
    assert kf.dimension_at_index(kf.TensorShape([3, None]), 1).value is None
    assert kf.OpError is kf.errors.OpError and kf.VERSION == kf.__version__
    assert kf.get_logger().name == "kflow"


def test_initializer_aliases():
    v = kf.Variable(1.0)
    local = kf.Variable(2.0, collections=[kf.GraphKeys.LOCAL_VARIABLES])
    with kf.Session() as sess:
        sess.run(kf.initialize_variables([v]))
        sess.run(kf.initialize_local_variables())
        sess.run(kf.tables_initializer())
        sess.run(kf.initialize_all_tables())
        assert sess.run([v, local]) == [1.0, 2.0]


def test_op_scope_and_no_gradient():
    x = kf.constant(1.0)
    with kf.op_scope([x], "outer"):
        y = kf.identity(x, name="y")
    assert y.op.name == "outer/y"
    kf.no_gradient("NoGradForTestOp")
    assert gradient_function("NoGradForTestOp")(y.op, None) == [None]
