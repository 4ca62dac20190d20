"""gather_nd / scatter_nd / tensor_scatter_nd_* and segment reductions: values against numpy, float64
numerical gradients, and the errors for bad indices."""
import numpy as np
import pytest

import kflow as kf
from kflow.engine.gradient_check import check_gradients
from kflow.engine.ops import scatter_ops, segment_ops

IDX = np.array([[1, 0], [2, 1], [1, 0]])


def _run(*tensors):
    with kf.Session() as sess:
        return sess.run(list(tensors))


def test_gather_nd_reads_slices_addressed_by_index_vectors():
    p = np.arange(24.0).reshape(3, 2, 4)
    full, rows = _run(scatter_ops.gather_nd(p, IDX), scatter_ops.gather_nd(p, [[2], [0]]))
    np.testing.assert_array_equal(full, p[IDX[:, 0], IDX[:, 1]])
    np.testing.assert_array_equal(rows, p[[2, 0]])


def test_scatter_nd_adds_repeated_indices_into_zeros():
    u = np.arange(12.0).reshape(3, 4)
    (got,) = _run(scatter_ops.scatter_nd(IDX, u, [3, 2, 4]))
    want = np.zeros((3, 2, 4))
    np.add.at(want, (IDX[:, 0], IDX[:, 1]), u)
    np.testing.assert_array_equal(got, want)


def test_tensor_scatter_update_add_sub_against_numpy():
    x = np.arange(6.0).reshape(3, 2)
    upd, add, sub = _run(scatter_ops.tensor_scatter_nd_update(x, [[0], [2]], [[9.0, 9.0], [7.0, 7.0]]),
                         scatter_ops.tensor_scatter_add(x, [[1, 1], [1, 1]], [10.0, 1.0]),
                         scatter_ops.tensor_scatter_nd_sub(x, [[0, 0]], [5.0]))
    np.testing.assert_array_equal(upd, [[9, 9], [2, 3], [7, 7]])
    np.testing.assert_array_equal(add, [[0, 1], [2, 14], [4, 5]])
    np.testing.assert_array_equal(sub, [[-5, 1], [2, 3], [4, 5]])


def test_nd_gradients():
    rng = np.random.RandomState(0)
    check_gradients(lambda p: scatter_ops.gather_nd(p, IDX), [rng.randn(3, 2, 4)])
    check_gradients(lambda u: scatter_ops.scatter_nd(IDX, u, [3, 2, 4]), [rng.randn(3, 4)])
    check_gradients(lambda x, u: scatter_ops.tensor_scatter_nd_update(x, IDX[:2], u),
                    [rng.randn(3, 2, 4), rng.randn(2, 4)])
    for fn in (scatter_ops.tensor_scatter_nd_add, scatter_ops.tensor_scatter_nd_sub):
        check_gradients(lambda x, u: fn(x, IDX, u), [rng.randn(3, 2, 4), rng.randn(3, 4)])


def test_out_of_range_indices_name_the_op_and_shapes():
    with pytest.raises(IndexError, match=r"GatherNd.*out of range.*\[3\]"):
        scatter_ops.gather_nd(kf.zeros([3]), [[3]])
    ids = kf.placeholder(kf.int32, [None, 1])
    with pytest.raises(kf.errors.InvalidArgumentError, match=r"index \[5\].*shape \(3,\)"):
        kf.Session().run(scatter_ops.gather_nd(kf.zeros([3]), ids), {ids: [[0], [5]]})
    with pytest.raises(ValueError, match="updates must have shape"):
        scatter_ops.scatter_nd([[0], [1]], [1.0, 2.0, 3.0], [4])
    with pytest.raises(TypeError, match="indices must be int32 or int64"):
        scatter_ops.gather_nd([1.0], [[0.0]])


SEG_IDS = np.array([0, 0, 1, 3, 3])
REDUCE = {"sum": np.sum, "mean": np.mean, "max": np.max, "min": np.min, "prod": np.prod}


@pytest.mark.parametrize("kind", sorted(REDUCE))
def test_sorted_segments_against_numpy(kind):
    x = np.random.RandomState(1).randn(5, 3)
    (got,) = _run(getattr(segment_ops, "segment_" + kind)(x, SEG_IDS))
    empty = 1.0 if kind == "prod" else 0.0
    want = [REDUCE[kind](x[SEG_IDS == s], axis=0) if (SEG_IDS == s).any() else np.full(3, empty)
            for s in range(4)]
    np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("kind", sorted(REDUCE))
def test_unsorted_segments_drop_negative_ids_and_fill_empty_ones(kind):
    x = np.random.RandomState(2).randn(2, 3, 2)
    ids = np.array([[2, 0, -1], [2, 0, 2]])
    (got,) = _run(getattr(segment_ops, "unsorted_segment_" + kind)(x, ids, 4))
    flat, flat_ids = x.reshape(6, 2), ids.reshape(6)
    for s in range(4):
        rows = flat[flat_ids == s]
        if len(rows):
            np.testing.assert_allclose(got[s], REDUCE[kind](rows, axis=0))
    lowest = np.finfo(np.float64).min
    assert got[1].tolist() == {"sum": [0, 0], "mean": [0, 0], "prod": [1, 1], "max": [lowest] * 2,
                               "min": [-lowest] * 2}[kind]


@pytest.mark.parametrize("kind", sorted(REDUCE))
def test_segment_gradients(kind):
    x = np.random.RandomState(3).randn(5, 3)
    x[1, 1] = x[3, 1] = x[4, 2] = 0.0  # the prod gradient must be exact with zeros
    check_gradients(lambda d: getattr(segment_ops, "segment_" + kind)(d, SEG_IDS), [x])
    check_gradients(lambda d: getattr(segment_ops, "unsorted_segment_" + kind)(d, np.array([[2, 0, -1, 2, 1]]), 3),
                    [x[None]])


def test_tied_entries_share_the_max_gradient():
    x = kf.constant([3.0, 3.0, 1.0], kf.float64)
    (g,) = _run(*kf.gradients(segment_ops.segment_max(x, [0, 0, 0]), x))
    np.testing.assert_allclose(g, [0.5, 0.5, 0.0])


def test_segment_errors():
    with pytest.raises(kf.errors.InvalidArgumentError, match="sorted"):
        _run(segment_ops.segment_sum([1.0, 2.0], [1, 0]))
    with pytest.raises(kf.errors.InvalidArgumentError, match="num_segments=2"):
        _run(segment_ops.unsorted_segment_sum([1.0, 2.0], [0, 5], 2))
    with pytest.raises(ValueError, match="prefix of data shape"):
        segment_ops.unsorted_segment_sum(np.zeros([2, 3]), [[0, 1]], 2)


def test_sparse_segments_reduce_gathered_rows():
    data = np.random.RandomState(4).randn(4, 3)
    idx, seg = np.array([0, 2, 2, 3]), np.array([0, 0, 1, 3])
    total, mean, sqrt_n, unsorted = _run(segment_ops.sparse_segment_sum(data, idx, seg),
                                         segment_ops.sparse_segment_mean(data, idx, seg),
                                         segment_ops.sparse_segment_sqrt_n(data, idx, seg),
                                         segment_ops.sparse_segment_sum(data, idx, [1, 0, 1, 1], num_segments=2))
    rows = data[idx]
    np.testing.assert_allclose(total, [rows[:2].sum(0), rows[2], np.zeros(3), rows[3]])
    np.testing.assert_allclose(mean, [rows[:2].mean(0), rows[2], np.zeros(3), rows[3]])
    np.testing.assert_allclose(sqrt_n, [rows[:2].sum(0) / np.sqrt(2), rows[2], np.zeros(3), rows[3]])
    np.testing.assert_allclose(unsorted, [rows[1], rows[0] + rows[2] + rows[3]])
    for fn in (segment_ops.sparse_segment_sum, segment_ops.sparse_segment_mean, segment_ops.sparse_segment_sqrt_n):
        check_gradients(lambda d: fn(d, idx, seg), [data])
