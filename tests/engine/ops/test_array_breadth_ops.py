"""sort/argsort/unique, cumprod/reduce_logsumexp/tensordot, roll/repeat/sequence_mask, bincount/histogram and the
diagonal/band ops: values against numpy, float64 numerical gradients, errors for bad input."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import counting_ops, diag_ops, math_composites, rearrange_ops, sort_ops

RNG = np.random.RandomState(0)


def _run(*tensors):
    with kf.Session() as sess:
        return sess.run(list(tensors))


def test_sort_and_argsort_along_any_axis_match_numpy():
    x = RNG.randn(3, 4, 5)
    for axis in (0, 1, -1):
        s, a, d = _run(sort_ops.sort(x, axis), sort_ops.argsort(x, axis),
                       sort_ops.sort(x, axis, direction="DESCENDING"))
        np.testing.assert_array_equal(s, np.sort(x, axis))
        np.testing.assert_array_equal(a, np.argsort(x, axis, kind="stable"))
        np.testing.assert_array_equal(d, np.flip(np.sort(x, axis), axis))
    (ties,) = _run(sort_ops.argsort([2, 1, 2, 1], direction="DESCENDING"))
    np.testing.assert_array_equal(ties, [0, 2, 1, 3])  # stable: lower index first among ties
    check_gradients(lambda v: sort_ops.sort(v, axis=1, direction="DESCENDING"), [x])
    with pytest.raises(ValueError, match="direction"):
        sort_ops.sort(x, direction="UP")


def test_unique_keeps_first_occurrence_order():
    y, idx = _run(*sort_ops.unique([4, 1, 4, 2, 1]))
    np.testing.assert_array_equal(y, [4, 1, 2])
    np.testing.assert_array_equal(idx, [0, 1, 0, 2, 1])
    y, idx, count = _run(*sort_ops.unique_with_counts(kf.constant([1.5, 1.5, 2.0]), out_idx=kf.int64))
    assert idx.dtype == np.int64 and count.tolist() == [2, 1] and y.tolist() == [1.5, 2.0]
    with pytest.raises(ValueError, match="1-D"):
        sort_ops.unique([[1, 2]])


def test_searchsorted_per_row_left_and_right():
    seq = np.sort(RNG.randint(0, 10, size=(3, 6)), axis=1)
    vals = RNG.randint(-1, 11, size=(3, 4))
    left, right = _run(sort_ops.searchsorted(seq, vals), sort_ops.searchsorted(seq, vals, side="right",
                                                                              out_type=kf.int64))
    np.testing.assert_array_equal(left, [np.searchsorted(s, v) for s, v in zip(seq, vals)])
    np.testing.assert_array_equal(right, [np.searchsorted(s, v, side="right") for s, v in zip(seq, vals)])
    assert right.dtype == np.int64
    with pytest.raises(ValueError, match="same rank"):
        sort_ops.searchsorted(seq, vals[0])


def test_cumprod_exclusive_reverse_and_gradient():
    x = RNG.rand(3, 4) + 0.5
    got = _run(*[math_composites.cumprod(x, 1, e, r) for e in (False, True) for r in (False, True)])
    flip = lambda a: a[:, ::-1]  # noqa: E731
    plain, rev = np.cumprod(x, 1), flip(np.cumprod(flip(x), 1))
    excl = np.concatenate([np.ones((3, 1)), plain[:, :-1]], 1)
    excl_rev = np.concatenate([rev[:, 1:], np.ones((3, 1))], 1)
    for g, want in zip(got, [plain, rev, excl, excl_rev]):
        np.testing.assert_allclose(g, want)
    for e in (False, True):
        for r in (False, True):
            check_gradients(lambda v: math_composites.cumprod(v, 0, e, r), [x])


def test_reduce_logsumexp_is_stable_and_differentiable():
    x = np.array([[0.0, 0.0], [1000.0, 1000.0], [-np.inf, -np.inf]])
    with np.errstate(divide="ignore"):  # the all -inf row: log(0) = -inf, as TF
        a, k, total = _run(math_composites.reduce_logsumexp(x, axis=1),
                           math_composites.reduce_logsumexp(x[:2], axis=[0, 1], keepdims=True),
                           math_composites.reduce_logsumexp(x[:2]))
    np.testing.assert_allclose(a, [np.log(2), 1000 + np.log(2), -np.inf])
    assert k.shape == (1, 1) and np.isclose(total, 1000 + np.log(2)) and np.isclose(k[0, 0], total)
    check_gradients(lambda v: math_composites.reduce_logsumexp(v, 1), [RNG.randn(3, 4)])


def test_tensordot_against_numpy():
    a, b = RNG.randn(2, 3, 4), RNG.randn(4, 3, 5)
    got = _run(math_composites.tensordot(a, b, [[1, 2], [1, 0]]), math_composites.tensordot(a, b, 1),
               math_composites.tensordot(a[0], a[1], 0))
    np.testing.assert_allclose(got[0], np.tensordot(a, b, [[1, 2], [1, 0]]))
    np.testing.assert_allclose(got[1], np.tensordot(a, b, 1))
    np.testing.assert_allclose(got[2], np.tensordot(a[0], a[1], 0))
    check_gradients(lambda x, y: math_composites.tensordot(x, y, [[1], [1]]), [a, b])
    with pytest.raises(ValueError, match="axis 2 of a"):
        math_composites.tensordot(a, b, [[2], [2]])


def test_roll_repeat_and_their_gradients():
    x = RNG.randn(3, 4)
    r, rep, flat, each = _run(rearrange_ops.roll(x, [1, -2], [0, 1]), rearrange_ops.repeat(x, [1, 0, 3], 0),
                              rearrange_ops.repeat(x, 2), rearrange_ops.repeat(x, 2, axis=1))
    np.testing.assert_array_equal(r, np.roll(x, [1, -2], [0, 1]))
    np.testing.assert_array_equal(rep, np.repeat(x, [1, 0, 3], 0))
    np.testing.assert_array_equal(flat, np.repeat(x, 2))
    np.testing.assert_array_equal(each, np.repeat(x, 2, 1))
    check_gradients(lambda v: rearrange_ops.roll(v, [1, -2], [0, 1]), [x])
    check_gradients(lambda v: rearrange_ops.repeat(v, [1, 0, 3], 0), [x])
    check_gradients(lambda v: rearrange_ops.repeat(v, 2), [x])
    with pytest.raises(ValueError, match="2 repeats for axis 0 of size 3"):
        rearrange_ops.repeat(x, [1, 2], 0)


def test_sequence_mask():
    m, f, auto = _run(rearrange_ops.sequence_mask([1, 3, 0], 4), rearrange_ops.sequence_mask([[2]], 3, kf.float32),
                      rearrange_ops.sequence_mask([1, 2]))
    np.testing.assert_array_equal(m, np.arange(4) < np.array([1, 3, 0])[:, None])
    assert f.dtype == np.float32 and f.tolist() == [[[1.0, 1.0, 0.0]]]
    assert auto.tolist() == [[True, False], [True, True]]


def test_bincount_and_histogram_against_numpy():
    v = RNG.randint(0, 6, size=20)
    w = RNG.rand(20)
    counts, weighted, capped = _run(counting_ops.bincount(v, minlength=8),
                                    counting_ops.bincount(v, weights=w, dtype=kf.float64),
                                    counting_ops.bincount(v, maxlength=3))
    np.testing.assert_array_equal(counts, np.bincount(v, minlength=8))
    np.testing.assert_allclose(weighted, np.bincount(v, weights=w))
    np.testing.assert_array_equal(capped, np.bincount(v)[:3])
    values = RNG.randn(100)
    (hist,) = _run(counting_ops.histogram_fixed_width(values, [-1.0, 1.0], nbins=4))
    clipped = np.clip(values, -1.0, 1.0 - 1e-12)
    np.testing.assert_array_equal(hist, np.histogram(clipped, bins=4, range=(-1.0, 1.0))[0])
    with pytest.raises(kf.errors.InvalidArgumentError, match="non-negative"):
        _run(counting_ops.bincount([1, -1]))


def test_band_and_diagonal_ops_against_numpy():
    x = RNG.randn(2, 3, 4)
    band, d, part, setd = _run(diag_ops.matrix_band_part(x, 1, 0), diag_ops.matrix_diag(x),
                               diag_ops.matrix_diag_part(x), diag_ops.matrix_set_diag(x, np.zeros([2, 3])))
    np.testing.assert_array_equal(band, np.stack([np.tril(np.triu(m, -1)) for m in x]))
    np.testing.assert_array_equal(d[1, 2], np.diag(x[1, 2]))
    np.testing.assert_array_equal(part, np.diagonal(x, axis1=1, axis2=2))
    assert (np.diagonal(setd, axis1=1, axis2=2) == 0).all() and setd[0, 0, 1] == x[0, 0, 1]
    full, back = _run(diag_ops.diag(x[0]), diag_ops.diag_part(np.diag(np.arange(6.0)).reshape(2, 3, 2, 3)))
    assert full.shape == (3, 4, 3, 4) and full[1, 2, 1, 2] == x[0, 1, 2] and full[1, 2, 1, 3] == 0
    np.testing.assert_array_equal(back, np.arange(6.0).reshape(2, 3))
    check_gradients(lambda v: diag_ops.matrix_band_part(v, 1, 0), [x])
    check_gradients(lambda v: diag_ops.matrix_diag(v), [x])
    check_gradients(lambda v: diag_ops.matrix_diag_part(v), [x])
    check_gradients(lambda v, w: diag_ops.matrix_set_diag(v, w), [x, RNG.randn(2, 3)])
    check_gradients(lambda v: diag_ops.diag(v), [x[0]])
    check_gradients(lambda v: diag_ops.diag_part(v), [RNG.randn(2, 3, 2, 3)])
    with pytest.raises(ValueError, match="rank >= 2"):
        diag_ops.matrix_diag_part([1.0, 2.0])
    with pytest.raises(ValueError, match="diagonal must have shape"):
        diag_ops.matrix_set_diag(x, np.zeros([2, 4]))
