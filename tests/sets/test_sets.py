"""kf.sets against Python set references row by row, and TF's SparseTensor layout (values sorted per row,
last dimension the largest result; TF 2.21 gave the same indices/values/dense_shape for these inputs)."""
import numpy as np
import pytest

import kflow as kf

OPS = {"intersection": (kf.sets.intersection, lambda a, b: a & b), "union": (kf.sets.union, lambda a, b: a | b),
       "a-b": (kf.sets.difference, lambda a, b: a - b),
       "b-a": (lambda a, b: kf.sets.difference(a, b, aminusb=False), lambda a, b: b - a)}


def _rows_of(sp):
    rows = {}
    for index, value in zip(sp.indices.tolist(), sp.values.tolist()):
        rows.setdefault(tuple(index[:-1]), []).append(value)
        assert index[-1] == len(rows[tuple(index[:-1])]) - 1
    return rows


def _expected(a, b, combine):
    grid = a.shape[:-1]
    rows = {row: sorted(combine(set(a[row].tolist()), set(b[row].tolist()))) for row in np.ndindex(grid)}
    return {row: v for row, v in rows.items() if v}, list(grid) + [max([len(v) for v in rows.values()] + [0])]


@pytest.mark.parametrize("operation", sorted(OPS))
def test_dense_set_operations_match_python_sets(operation):
    fn, combine = OPS[operation]
    rng = np.random.RandomState(1)
    for shape in ((2, 4), (3, 2, 5), (1, 1)):
        a, b = rng.randint(0, 6, shape), rng.randint(0, 6, shape[:-1] + (3,))
        with kf.Session() as sess:
            got = sess.run(fn(kf.constant(a), kf.constant(b)))
        rows, dense_shape = _expected(a, b, combine)
        assert _rows_of(got) == rows and got.dense_shape.tolist() == dense_shape


def test_tf_layout_and_strings_and_sparse_operands():
    a = kf.constant([[1, 2, 2, 3], [4, 5, 6, 7]])
    b = kf.constant([[2, 3, 9, 9], [8, 8, 8, 8]])
    sparse = kf.SparseTensor([[0, 0], [1, 1]], [5, 3], [2, 3])
    with kf.Session() as sess:
        union, strings, mixed, empty = sess.run([
            kf.sets.union(a, b), kf.sets.set_union(kf.constant([[b"a", b"b"]]), kf.constant([[b"c", b"a"]])),
            kf.sets.union(sparse, kf.constant([[3, 3], [1, 1]])), kf.sets.intersection([[1]], [[2]])])
    assert union.dense_shape.tolist() == [2, 5] and union.values.tolist() == [1, 2, 3, 9, 4, 5, 6, 7, 8]
    assert strings.values.tolist() == [b"a", b"b", b"c"]
    assert mixed.indices.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]] and mixed.values.tolist() == [3, 5, 1, 3]
    assert empty.dense_shape.tolist() == [1, 0] and empty.values.size == 0


def test_size_counts_distinct_values_of_a_sparse_tensor():
    sp = kf.SparseTensor([[0, 0], [0, 1], [0, 2], [2, 0]], [7, 7, 8, 1], [3, 4])
    with kf.Session() as sess:
        assert sess.run(kf.sets.size(sp)).tolist() == [2, 0, 1]
        assert sess.run(kf.sets.set_size(kf.sets.union([[1, 2], [3, 3]], [[2, 4], [5, 5]]))).tolist() == [3, 2]
    with pytest.raises(TypeError, match="expected a SparseTensor"):
        kf.sets.size(kf.constant([[1, 2]]))


def test_bad_operands_are_named():
    with pytest.raises(TypeError, match="invalid dtype float32"):
        kf.sets.union(kf.constant([[1.0]]), kf.constant([[2.0]]))
    with pytest.raises(ValueError, match="rank >= 2"):
        kf.sets.union(kf.constant([1, 2]), kf.constant([3]))
    with pytest.raises(TypeError, match="one dtype"):
        kf.sets.union(kf.constant([[1]]), kf.constant([[1]], kf.int64))
    with kf.Session() as sess, pytest.raises(kf.errors.InvalidArgumentError, match="mismatched row shapes"):
        sess.run(kf.sets.union(kf.constant([[1], [2]]), kf.constant([[3]])).values)
