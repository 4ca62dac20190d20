"""map_fn, scan, foldl, foldr, case and switch_case: values against numpy, nested elems, TF1 arguments,
gradients checked numerically in float64, and errors."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients

A = np.array([[0.3, -0.5], [1.2, 0.7], [-0.4, 0.9], [0.1, 0.2]])
B = np.array([0.5, -1.5])


def _run(fetches, feed=None):
    with kf.Session() as sess:
        return sess.run(fetches, feed)


def test_map_fn_values_and_nested_elems():
    x = kf.constant(A)
    sq = kf.map_fn(lambda r: r * r, x)
    pair = kf.map_fn(lambda t: (t[0] + t[1], kf.reduce_sum(t[0])), (x, x * 2.0), dtype=(kf.float64, kf.float64))
    d = kf.map_fn(lambda e: {"s": e["a"] - 1.0}, {"a": x})
    out = _run([sq, pair, d])
    assert np.allclose(out[0], A * A)
    assert np.allclose(out[1][0], 3 * A) and np.allclose(out[1][1], A.sum(1))
    assert np.allclose(out[2]["s"], A - 1.0)
    assert sq.shape.as_list() == [4, 2]


def test_map_fn_over_a_dynamic_leading_dimension():
    x = kf.placeholder(kf.float32, [None, 2])
    y = kf.map_fn(lambda r: kf.reduce_max(r), x)
    assert np.allclose(_run(y, {x: A}), A.max(1))
    assert _run(y, {x: np.zeros([0, 2])}).shape == (0,)


def test_map_fn_dtype_mismatch_is_an_error():
    with pytest.raises(TypeError, match="dtype"):
        kf.map_fn(lambda r: r, kf.constant(A), dtype=kf.int32)


def test_scan_forward_reverse_initializer_and_nested():
    x = kf.constant(A)
    outs = _run([kf.scan(lambda a, r: a + r, x),
                 kf.scan(lambda a, r: a * r, x, reverse=True),
                 kf.scan(lambda a, r: a + r, x, initializer=kf.constant(B)),
                 kf.scan(lambda a, r: (a[0] + r, a[1] * 2.0), x, initializer=(kf.constant(B), kf.constant(1.0)))])
    assert np.allclose(outs[0], np.cumsum(A, 0))
    assert np.allclose(outs[1], np.cumprod(A[::-1], 0)[::-1])
    assert np.allclose(outs[2], B + np.cumsum(A, 0))
    assert np.allclose(outs[3][0], B + np.cumsum(A, 0)) and np.allclose(outs[3][1], [2.0, 4.0, 8.0, 16.0])


def test_foldl_and_foldr():
    x = kf.constant([1.0, 2.0, 3.0, 4.0])
    vals = _run([kf.foldl(lambda a, v: a * 10.0 + v, x), kf.foldr(lambda a, v: a * 10.0 + v, x),
                 kf.foldl(lambda a, v: a - v, x, initializer=100.0), kf.foldr(lambda a, v: a - v, x, initializer=0.0),
                 kf.foldl(lambda a, v: a + v, kf.constant([1, 2, 3]))])
    assert vals == [1234.0, 4321.0, 90.0, -10.0, 6]


def test_scan_accumulator_changes_are_errors():
    with pytest.raises(TypeError, match="dtype"):
        kf.scan(lambda a, r: kf.cast(a, kf.int32), kf.constant(A))
    with pytest.raises(ValueError, match="structure"):
        kf.scan(lambda a, r: (a, a), kf.constant(A), initializer=(kf.constant(B), kf.constant(B), kf.constant(B)))


def test_map_fn_gradient():
    check_gradients(lambda x, w: kf.map_fn(lambda r: kf.tanh(r * w) + kf.reduce_sum(r), x), [A, B])


def test_scan_gradients_both_directions_with_initializer():
    check_gradients(lambda x, w: kf.scan(lambda a, r: kf.sin(a * r) + w, x), [A, B])
    check_gradients(lambda x, w, b: kf.scan(lambda a, r: a * r + w, x, initializer=b, reverse=True), [A, B, B * 2])


def test_fold_gradients():
    check_gradients(lambda x, b: kf.foldl(lambda a, r: a * r + 1.0, x, initializer=b), [A, B])
    check_gradients(lambda x: kf.foldr(lambda a, r: kf.tanh(a + r), x), [A])


def test_case_picks_the_first_true_predicate_else_default():
    x = kf.placeholder(kf.float32, [])
    y = kf.case([(x < 0, lambda: -x), (x > 10, lambda: x - 10)], default=lambda: x * 100)
    y_dict = kf.case({x < 0: lambda: -x}, default=lambda: x)
    with kf.Session() as sess:
        assert [sess.run(y, {x: v}) for v in (-3.0, 20.0, 5.0)] == [3.0, 10.0, 500.0]
        assert sess.run(y_dict, {x: -2.0}) == 2.0


def test_case_exclusive_and_missing_default_are_checked_at_run_time():
    x = kf.placeholder(kf.float32, [])
    y = kf.case([(x < 0, lambda: -x), (x > -5, lambda: x - 10)], exclusive=True)
    z = kf.case([(x < 0, lambda: -x), (x > 100, lambda: x)])
    with kf.Session() as sess:
        assert sess.run(y, {x: -7.0}) == 7.0 and sess.run(y, {x: 3.0}) == -7.0
        with pytest.raises(kf.errors.InvalidArgumentError, match="more than one predicate"):
            sess.run(y, {x: -3.0})
        with pytest.raises(kf.errors.InvalidArgumentError, match="none of the predicates"):
            sess.run(z, {x: 5.0})


def test_case_errors_at_build_time():
    with pytest.raises(TypeError, match="scalar bool"):
        kf.case([(kf.constant(1.0), lambda: 1.0)], default=lambda: 2.0)
    with pytest.raises(TypeError, match="callable"):
        kf.case([(kf.constant(True), 1.0)], default=lambda: 2.0)


def test_switch_case_lists_dicts_and_defaults():
    k = kf.placeholder(kf.int32, [])
    x = kf.constant(2.0)
    z = kf.switch_case(k, [lambda: x, lambda: x * 2, lambda: x * 3])
    z2 = kf.switch_case(k, {0: lambda: x, 1: lambda: x * 2}, default=lambda: x * 7)
    with kf.Session() as sess:
        assert [sess.run(z, {k: v}) for v in (0, 1, 2, 5, -1)] == [2.0, 4.0, 6.0, 6.0, 6.0]
        assert [sess.run(z2, {k: v}) for v in (0, 1, 2)] == [2.0, 4.0, 14.0]
    with pytest.raises(TypeError, match="integer"):
        kf.switch_case(kf.constant(1.0), [lambda: x])


def test_case_and_switch_case_gradients():
    def f(x, w):
        return kf.case([(kf.reduce_sum(x) < 0, lambda: x * w), (kf.reduce_sum(x) > 1, lambda: kf.sin(x))],
                       default=lambda: x * x + w)

    check_gradients(f, [A[0], B])           # the first branch
    check_gradients(f, [A[1], B])           # the second
    check_gradients(f, [A[3], B])           # the default
    check_gradients(lambda x: kf.switch_case(kf.constant(1), [lambda: x, lambda: kf.exp(x)]), [B])


def test_functional_ops_inside_a_while_loop():
    def body(i, v):
        return i + 1, kf.map_fn(lambda r: kf.case([(r > 0, lambda: r * 0.5)], default=lambda: r + 1.0), v)

    _, v = kf.while_loop(lambda i, v: i < 3, body, [0, kf.constant(B)])
    ref = B.copy()
    for _ in range(3):
        ref = np.where(ref > 0, ref * 0.5, ref + 1.0)
    assert np.allclose(_run(v), ref)
