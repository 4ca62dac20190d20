"""batch (and its fast paths), padded_batch, unbatch."""
import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset


def test_batch_values_shapes_and_remainder():
    ds = Dataset.range(7).batch(3)
    assert ds.output_shapes == kf.TensorShape([None])
    assert [b.tolist() for b in ds] == [[0, 1, 2], [3, 4, 5], [6]]
    dropped = Dataset.range(7).batch(3, drop_remainder=True)
    assert dropped.output_shapes == kf.TensorShape([3])
    assert [b.tolist() for b in dropped] == [[0, 1, 2], [3, 4, 5]]


def test_batch_of_structures_and_strings():
    ds = Dataset.from_tensor_slices({"img": np.arange(24, dtype=np.uint8).reshape(6, 2, 2),
                                     "name": ["a", "b", "c", "d", "e", "f"]}).map(lambda d: d).batch(4)
    first = next(iter(ds))
    assert first["img"].shape == (4, 2, 2) and first["img"].dtype == np.uint8
    assert first["name"].dtype == object and first["name"].tolist() == [b"a", b"b", b"c", b"d"]
    assert ds.output_shapes == {"img": kf.TensorShape([None, 2, 2]), "name": kf.TensorShape([None])}


def test_batch_different_shapes_error_names_the_component():
    ds = Dataset.from_generator(lambda: iter([[1, 2], [3], [4, 5]]), kf.int32, [None]).batch(3)
    with pytest.raises(kf.errors.InvalidArgumentError,
                       match=r"different shapes in component 0. First element had shape \[2\] and element 1 had "
                             r"shape \[1\]"):
        list(ds)


def test_batch_size_must_be_positive():
    with pytest.raises(kf.errors.InvalidArgumentError, match="greater than zero"):
        list(Dataset.range(3).batch(0))


def test_slicing_fast_path_matches_element_path():
    x = np.arange(100 * 3).reshape(100, 3)
    y = np.arange(100)
    fast = Dataset.from_tensor_slices((x, y)).shuffle(30, seed=3).repeat(2).batch(16)
    # the same pipeline through a map forces element-by-element batching
    slow = Dataset.from_tensor_slices((x, y)).shuffle(30, seed=3).repeat(2).map(lambda a, b: (a, b)).batch(16)
    fast_batches, slow_batches = list(fast), list(slow)
    assert len(fast_batches) == len(slow_batches) == 13
    for (fa, fb), (sa, sb) in zip(fast_batches, slow_batches):
        np.testing.assert_array_equal(fa, sa)
        np.testing.assert_array_equal(fb, sb)
        np.testing.assert_array_equal(fa[:, 0] // 3, fb)  # rows stay together
    assert sorted(np.concatenate([b for _, b in fast_batches]).tolist()) == sorted(list(range(100)) * 2)


def test_slicing_fast_path_batches_are_writable_copies():
    x = np.arange(10)
    ds = Dataset.from_tensor_slices(x).batch(4)
    b = next(iter(ds))
    b[0] = 99
    assert next(iter(ds))[0] == 0
    shuffled = next(iter(Dataset.from_tensor_slices(x).shuffle(10).batch(4)))
    shuffled[0] = 99  # fancy-indexed: a fresh array


def test_slicing_fast_path_take_skip_shard():
    base = Dataset.from_tensor_slices(np.arange(20))
    assert next(iter(base.skip(3).take(5).batch(10))).tolist() == [3, 4, 5, 6, 7]
    assert next(iter(base.shard(4, 1).batch(10))).tolist() == [1, 5, 9, 13, 17]


def test_slicing_fast_path_is_fast():
    import time

    x = np.zeros((60000, 28, 28), np.uint8)
    y = np.zeros(60000, np.int64)
    ds = Dataset.from_tensor_slices((x, y)).shuffle(60000, seed=0).batch(128)
    t0 = time.perf_counter()
    n = sum(len(b) for _, b in ds)
    assert n == 60000
    assert n / (time.perf_counter() - t0) > 100e3


def test_padded_batch_pads_to_longest_and_to_given_shapes():
    ds = Dataset.range(1, 4).map(lambda x: kf.fill([x], x))
    assert ds.output_shapes == kf.TensorShape([None])
    batches = list(ds.padded_batch(2, padded_shapes=[None]))
    assert batches[0].tolist() == [[1, 0], [2, 2]]
    assert batches[1].tolist() == [[3, 3, 3]]
    fixed = ds.padded_batch(3, padded_shapes=[5], padding_values=np.int64(-1))
    assert fixed.output_shapes == kf.TensorShape([None, 5])
    assert next(iter(fixed)).tolist() == [[1, -1, -1, -1, -1], [2, 2, -1, -1, -1], [3, 3, 3, -1, -1]]
    with pytest.raises(kf.errors.InvalidArgumentError, match="smaller size"):
        list(ds.padded_batch(3, padded_shapes=[2]))


def test_padded_batch_default_shapes_with_structure():
    ds = Dataset.from_generator(lambda: iter([([1], b"a"), ([1, 2, 3], b"bc")]), (kf.int32, kf.string),
                                ([None], []))
    ids, names = next(iter(ds.padded_batch(2)))
    assert ids.tolist() == [[1, 0, 0], [1, 2, 3]]
    assert [type(n) for n in names] == [bytes, bytes] and names.tolist() == [b"a", b"bc"]
    ids, _ = next(iter(ds.padded_batch(2, padding_values=(-1, b"?"))))
    assert ids.tolist() == [[1, -1, -1], [1, 2, 3]]
    with pytest.raises(ValueError, match="padding_values"):
        ds.padded_batch(2, padding_values=(-1,))


def test_unbatch_inverts_batch():
    x = np.arange(10).reshape(5, 2)
    ds = Dataset.from_tensor_slices((x, np.arange(5))).batch(2).unbatch()
    assert ds.output_shapes == (kf.TensorShape([2]), kf.TensorShape([]))
    got = list(ds)
    assert len(got) == 5 and got[3][0].tolist() == [6, 7] and got[3][1] == 3
    assert [int(v) for v in Dataset.range(5).batch(2).apply(kf.data.experimental.unbatch())] == [0, 1, 2, 3, 4]
    with pytest.raises(ValueError, match="Cannot unbatch an element with a scalar component"):
        Dataset.range(3).unbatch()  # raised when the dataset is built, as TF does


def test_batch_of_sparse_components():
    sp = kf.SparseTensorValue(indices=[[0], [2]], values=np.array([1.0, 2.0], np.float32), dense_shape=[3])
    sp2 = kf.SparseTensorValue(indices=[[1]], values=np.array([5.0], np.float32), dense_shape=[4])
    ds = Dataset.from_tensors(sp).concatenate(Dataset.from_tensors(sp2)).batch(2)
    b = next(iter(ds))
    assert b.indices.tolist() == [[0, 0], [0, 2], [1, 1]]
    assert b.values.tolist() == [1.0, 2.0, 5.0]
    assert b.dense_shape.tolist() == [2, 4]


def test_whole_permutation_path_with_take_skip_shard_matches_elements():
    def pipeline():
        return Dataset.from_tensor_slices(np.arange(50)).shuffle(100, seed=5).skip(3).take(40).shard(2, 1)

    elements = [int(v) for v in pipeline()]
    batched = np.concatenate(list(pipeline().batch(7))).tolist()
    assert batched == elements and len(elements) == 20 and len(set(elements)) == 20
    assert elements != sorted(elements)
