"""Dataset sources: from_tensor_slices, from_tensors, from_generator, range, zip, concatenate, enumerate."""
import collections

import numpy as np
import pytest

import kflow as kf
from kflow.data import Dataset


def test_from_tensor_slices_tuple_types_shapes_and_values():
    x = np.arange(12, dtype=np.float32).reshape(4, 3)
    y = np.array([1, 2, 3, 4], np.int64)
    ds = Dataset.from_tensor_slices((x, y))
    assert ds.output_types == (kf.float32, kf.int64)
    assert ds.output_shapes == (kf.TensorShape([3]), kf.TensorShape([]))
    assert ds.output_classes == (kf.Tensor, kf.Tensor)
    got = list(ds)
    assert len(got) == 4
    np.testing.assert_array_equal(got[2][0], x[2])
    assert got[2][1] == 3 and isinstance(got[2][1], np.int64)
    assert "TensorSliceDataset" in repr(ds) and "(3,)" in repr(ds)


def test_from_tensor_slices_python_lists_use_tf1_default_dtypes():
    ds = Dataset.from_tensor_slices(([1, 2, 3], [1.5, 2.5, 3.5]))
    assert ds.output_types == (kf.int32, kf.float32)
    assert [tuple(map(float, e)) for e in ds] == [(1, 1.5), (2, 2.5), (3, 3.5)]


def test_from_tensor_slices_dict_and_namedtuple_structures():
    ds = Dataset.from_tensor_slices({"b": np.arange(3), "a": np.ones((3, 2))})
    first = next(iter(ds))
    assert list(first) == ["b", "a"]  # the user's key order is kept
    assert first["b"] == 0 and first["a"].shape == (2,)
    Pair = collections.namedtuple("Pair", ["x", "y"])
    ds = Dataset.from_tensor_slices(Pair(np.arange(2), np.arange(2) * 10))
    assert list(ds)[1] == Pair(1, 10)
    assert ds.output_types == Pair(kf.int64, kf.int64)


def test_from_tensor_slices_deeply_nested_through_map_batch_and_get_next():
    ds = Dataset.from_tensor_slices(((np.arange(3), {"img": np.ones((3, 2), np.float32), "ids": ["a", "b", "c"]}),
                                     {"label": (np.arange(3) * 10, np.arange(3) % 2 == 0)}))
    assert ds.output_types == ((kf.int64, {"img": kf.float32, "ids": kf.string}),
                               {"label": (kf.int64, kf.bool)})
    assert ds.output_shapes[0][1]["img"] == kf.TensorShape([2])
    (i, feats), target = list(ds)[2]
    assert (int(i), feats["ids"], feats["img"].tolist(), int(target["label"][0]), bool(target["label"][1])) == \
        (2, b"c", [1.0, 1.0], 20, True)
    # a traced map receives the two top-level parts as arguments and may return any structure
    mapped = ds.map(lambda x, y: {"sum": kf.cast(x[0], kf.float32) + kf.reduce_sum(x[1]["img"]),
                                  "pair": (x[1]["ids"], y["label"][0])})
    assert mapped.output_types == {"sum": kf.float32, "pair": (kf.string, kf.int64)}
    batch = mapped.batch(2).make_one_shot_iterator().get_next()
    assert isinstance(batch, dict) and isinstance(batch["pair"], tuple)
    with kf.Session() as sess:
        first = sess.run(batch)
    assert first["sum"].tolist() == [2.0, 3.0] and first["pair"][0].tolist() == [b"a", b"b"]
    assert first["pair"][1].tolist() == [0, 10]


def test_from_tensor_slices_strings_become_bytes():
    ds = Dataset.from_tensor_slices(["ab", "c"])
    assert ds.output_types == kf.string
    assert list(ds) == [b"ab", b"c"]


def test_from_tensor_slices_mismatched_first_dims_names_both_shapes():
    with pytest.raises(ValueError) as e:
        Dataset.from_tensor_slices((np.zeros((5, 2)), np.zeros(3)))
    assert "(5, 2)" in str(e.value) and "(3,)" in str(e.value)


def test_from_tensor_slices_rejects_scalars_and_ragged_lists():
    with pytest.raises(ValueError, match="at least one dimension"):
        Dataset.from_tensor_slices(np.float32(3))
    with pytest.raises(TypeError):
        Dataset.from_tensor_slices([[1, 2], [3]])


def test_from_tensor_slices_of_constant_tensors():
    c = kf.constant([[1.0, 2.0], [3.0, 4.0]])
    ds = Dataset.from_tensor_slices(c)
    assert ds.output_shapes == kf.TensorShape([2])
    np.testing.assert_array_equal(np.stack(list(ds)), [[1, 2], [3, 4]])


def test_from_tensor_slices_of_computed_tensor_in_python_iteration():
    t = kf.range(4) * 3
    assert [int(v) for v in Dataset.from_tensor_slices(t)] == [0, 3, 6, 9]


def test_elements_are_read_only_views_of_a_private_copy():
    x = np.arange(6).reshape(3, 2)
    ds = Dataset.from_tensor_slices(x)
    x[0, 0] = 100  # the dataset copied its input
    first = next(iter(ds))
    assert first[0] == 0
    with pytest.raises(ValueError):
        first[0] = 5


def test_from_tensors_is_one_element():
    ds = Dataset.from_tensors((np.arange(3), b"s"))
    assert ds.output_shapes == (kf.TensorShape([3]), kf.TensorShape([]))
    (only,) = list(ds)
    np.testing.assert_array_equal(only[0], [0, 1, 2])
    assert only[1] == b"s"


def test_from_generator_converts_and_checks():
    def gen():
        for i in range(3):
            yield i, [float(i)] * (i + 1)

    ds = Dataset.from_generator(gen, (kf.int64, kf.float32), (kf.TensorShape([]), kf.TensorShape([None])))
    assert ds.output_types == (kf.int64, kf.float32)
    assert ds.output_shapes == (kf.TensorShape([]), kf.TensorShape([None]))
    got = list(ds)
    assert got[2][0] == 2 and got[2][0].dtype == np.int64
    np.testing.assert_array_equal(got[2][1], [2.0, 2.0, 2.0])
    assert got[2][1].dtype == np.float32
    assert len(list(ds)) == 3  # the generator is called again for each pass


def test_from_generator_args_and_errors():
    ds = Dataset.from_generator(lambda n: iter(range(n)), kf.int32, [], args=(4,))
    assert [int(v) for v in ds] == [0, 1, 2, 3]
    bad_shape = Dataset.from_generator(lambda: iter([[1, 2, 3]]), kf.int32, [2])
    with pytest.raises(kf.errors.InvalidArgumentError, match=r"shape \(3,\) where an element of shape \(2,\)"):
        list(bad_shape)
    bad_type = Dataset.from_generator(lambda: iter(["x"]), kf.int32)
    with pytest.raises(kf.errors.InvalidArgumentError, match="expected type was int32"):
        list(bad_type)
    bad_structure = Dataset.from_generator(lambda: iter([1]), (kf.int32, kf.int32))
    with pytest.raises(TypeError, match="structure"):
        list(bad_structure)
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator([1, 2], kf.int32)


def test_range_forms_and_dtype():
    assert [int(v) for v in Dataset.range(4)] == [0, 1, 2, 3]
    assert [int(v) for v in Dataset.range(2, 5)] == [2, 3, 4]
    assert [int(v) for v in Dataset.range(5, 0, -2)] == [5, 3, 1]
    assert Dataset.range(3).output_types == kf.int64
    with pytest.raises(ValueError, match="step"):
        Dataset.range(0, 5, 0)


def test_zip_nested_and_shortest():
    a, b = Dataset.range(3), Dataset.range(10, 20)
    assert [tuple(map(int, e)) for e in Dataset.zip((a, b))] == [(0, 10), (1, 11), (2, 12)]
    nested = Dataset.zip({"x": a, "yz": (b, a)})
    first = next(iter(nested))
    assert int(first["x"]) == 0 and tuple(map(int, first["yz"])) == (10, 0)
    assert nested.output_types == {"x": kf.int64, "yz": (kf.int64, kf.int64)}
    with pytest.raises(TypeError):
        Dataset.zip(a)


def test_concatenate_and_incompatible_types():
    ds = Dataset.from_tensor_slices(np.zeros((2, 3))).concatenate(Dataset.from_tensor_slices(np.ones((1, 4))))
    assert ds.output_shapes == kf.TensorShape([None])
    assert [v.shape for v in ds] == [(3,), (3,), (4,)]
    with pytest.raises(TypeError, match="different element types"):
        Dataset.range(2).concatenate(Dataset.from_tensor_slices([1.0]))


def test_enumerate_starts_at_start():
    ds = Dataset.from_tensor_slices([b"a", b"b"]).enumerate(start=5)
    assert ds.output_types == (kf.int64, kf.string)
    assert [(int(i), s) for i, s in ds] == [(5, b"a"), (6, b"b")]


def test_python_iterator_protocol():
    it = iter(Dataset.range(2))
    assert int(next(it)) == 0 and int(next(it)) == 1
    with pytest.raises(StopIteration):
        next(it)
    assert [int(v) for v in Dataset.range(3).as_numpy_iterator()] == [0, 1, 2]
