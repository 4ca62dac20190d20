"""kf.SparseTensor fetches and kf.sparse.to_dense (with its gradient)."""
import collections

import numpy as np
import pytest

import kflow as kf
from kflow.data.example.feature_spec import SparseValue
from kflow.engine.gradient_check import check_gradients
from kflow.sparse.sparse_tensor import SparseTensorValue, is_sparse_value


def test_sparse_tensor_fetch_and_to_dense():
    sp = kf.SparseTensor(indices=[[0, 1], [2, 0]], values=[1.5, 2.5], dense_shape=[3, 2])
    assert sp.shape.as_list() == [3, 2] and sp.dtype == kf.float32
    dense = kf.sparse.to_dense(sp)
    filled = kf.sparse_tensor_to_dense(sp, default_value=-1.0)
    with kf.Session() as sess:
        v = sess.run(sp)
        assert isinstance(v, kf.SparseTensorValue) and v.values.tolist() == [1.5, 2.5]
        assert sess.run(dense).tolist() == [[0, 1.5], [0, 0], [2.5, 0]]
        assert sess.run(filled)[1].tolist() == [-1, -1]
        assert sess.run({"s": sp, "d": dense})["s"].dense_shape.tolist() == [3, 2]


def test_to_dense_bad_indices():
    sp = kf.SparseTensor(indices=[[5]], values=[1.0], dense_shape=[3])
    with kf.Session() as sess:
        with pytest.raises(kf.errors.InvalidArgumentError, match="out of bounds"):
            sess.run(kf.sparse.to_dense(sp))
    with pytest.raises(TypeError):
        kf.sparse.to_dense(kf.constant([1.0]))


def test_to_dense_gradient_wrt_values():
    indices = np.array([[0, 1], [1, 0], [2, 2]], np.int64)
    check_gradients(lambda v: kf.sparse.to_dense(kf.SparseTensor(indices, v, [3, 3])) * 2.0,
                    [np.random.RandomState(0).randn(3)])


def test_is_sparse_value_knows_the_parsers_values_by_their_fields():
    parts = (np.zeros((0, 1), np.int64), np.zeros(0, np.float32), np.array([3], np.int64))
    assert is_sparse_value(SparseTensorValue(*parts)) and is_sparse_value(SparseValue(*parts))
    other = collections.namedtuple("Other", ["indices", "values", "shape"])
    assert not is_sparse_value(parts) and not is_sparse_value(other(*parts)) and not is_sparse_value(parts[0])
