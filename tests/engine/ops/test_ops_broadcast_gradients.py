"""Gradients of broadcasting binary ops sum back to each input's shape; integer inputs get None gradients."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from op_cases import rand

BINARY = {
    "add": kf.add, "subtract": kf.subtract, "multiply": kf.multiply, "divide": kf.divide, "mod": kf.mod,
    "pow": kf.pow, "maximum": kf.maximum, "minimum": kf.minimum, "squared_difference": kf.squared_difference,
}
SHAPE_PAIRS = [((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 1, 4), (3, 1)), ((), (3, 4)), ((3, 4), ())]


def _inputs(name, sx, sy):
    if name in ("pow", "mod", "divide"):  # keep away from 0 and from mod's jumps
        x = rand(*sx, low=0.6, high=1.4, seed=1) if name != "mod" else rand(*sx, low=2.1, high=2.9, seed=1)
        y = rand(*sy, low=0.6, high=1.4, seed=2) if name != "mod" else np.full(sy, 1.0)
        return x, y
    x, y = rand(*sx, seed=1), rand(*sy, seed=2) + 0.013  # no max/min ties
    return x, y


@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=[str(p) for p in SHAPE_PAIRS])
@pytest.mark.parametrize("name", sorted(BINARY))
def test_broadcast_gradient_shapes_and_values(name, shapes):
    x, y = _inputs(name, *shapes)
    fn = BINARY[name]
    a = kf.placeholder(kf.float64, shapes[0])
    b = kf.placeholder(kf.float64, shapes[1])
    ga, gb = kf.gradients(kf.reduce_sum(fn(a, b)), [a, b])
    with kf.Session() as sess:
        va, vb = sess.run([ga, gb], {a: x, b: y})
    assert va.shape == x.shape and vb.shape == y.shape
    check_gradients(fn, [x, y])


def test_broadcast_gradient_with_unknown_dims():
    a = kf.placeholder(kf.float64, [None, None])
    b = kf.placeholder(kf.float64, [None])
    ga, gb = kf.gradients(kf.reduce_sum(a * b), [a, b])
    assert gb.shape.as_list() == [None]
    with kf.Session() as sess:
        va, vb = sess.run([ga, gb], {a: np.ones((3, 4)), b: np.arange(4.0)})
    np.testing.assert_array_equal(va, np.broadcast_to(np.arange(4.0), (3, 4)))
    np.testing.assert_array_equal(vb, [3.0, 3.0, 3.0, 3.0])


def test_integer_inputs_get_none_gradients():
    i = kf.placeholder(kf.int32, [3])
    x = kf.placeholder(kf.float32, [3])
    y = kf.cast(i * 2, kf.float32) * x + kf.cast(kf.gather(i, [0]), kf.float32)
    gi, gx = kf.gradients(kf.reduce_sum(y), [i, x])
    assert gi is None
    with kf.Session() as sess:
        np.testing.assert_array_equal(sess.run(gx, {i: [1, 2, 3], x: [0, 0, 0]}), [2, 4, 6])


def test_int_only_graph_has_no_gradient():
    i = kf.placeholder(kf.int32, [2, 2])
    assert kf.gradients(kf.reduce_sum(kf.transpose(i) * 3), [i]) == [None]


@pytest.mark.parametrize("fn", [kf.floordiv, lambda x, y: kf.floor(x) + kf.round(x) + kf.ceil(y),
                                lambda x, y: kf.cast(kf.equal(x, y), kf.float64) + kf.cast(kf.argmax(x), kf.float64)],
                         ids=["floordiv", "floor_round_ceil", "equal_argmax"])
def test_non_differentiable_ops_give_none(fn):
    x = kf.placeholder(kf.float64, [3])
    y = kf.placeholder(kf.float64, [3])
    assert kf.gradients(kf.reduce_sum(fn(x, y)), [x, y]) == [None, None]


def test_sign_gradient_is_zeros_as_in_tf():
    # TF registers a zero gradient for Sign (not None), so an optimizer applies a zero update rather than failing
    x = kf.placeholder(kf.float64, [None])
    g, = kf.gradients(kf.reduce_sum(kf.sign(x) * 3.0), [x])
    assert g is not None
    with kf.Session() as sess:
        out = sess.run(g, {x: [-2.0, 0.0, 5.0]})
    assert out.dtype == np.float64 and out.shape == (3,) and not out.any()


def test_random_ops_are_not_differentiable_wrt_shape_and_inputs():
    x = kf.placeholder(kf.float32, [4])
    y = kf.random_shuffle(x) + kf.random_uniform(kf.shape(x))
    assert kf.gradients(kf.reduce_sum(y), [x]) == [None]
