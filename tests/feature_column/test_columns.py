"""Each feature column's output against a numpy reference computed here (or ids TF 2.21 computed, for hashes)."""
import numpy as np
import pytest

import kflow as kf

fc = kf.feature_column


def _run(fetches, feed=None):
    with kf.Session() as sess:
        sess.run(kf.global_variables_initializer())
        return sess.run(fetches, feed)


def _ids(column, features):
    """The ids of a categorical column, read through its indicator (the argmax of each one-hot row)."""
    out = _run(fc.input_layer(features, [fc.indicator_column(column)]))
    return [int(np.argmax(row)) if row.any() else -1 for row in out]


@pytest.fixture(autouse=True)
def graph():
    with kf.Graph().as_default() as g:
        yield g


def test_numeric_column_shapes_normalizer_and_rank1_input():
    x = np.arange(12, dtype=np.float32).reshape(3, 2, 2)
    col = fc.numeric_column("x", shape=(2, 2), normalizer_fn=lambda t: (t - 1.0) * 2.0)
    scalar = fc.numeric_column("s", dtype=kf.int64)
    out = _run(fc.input_layer({"x": kf.constant(x), "s": kf.constant([1, 2, 3], kf.int64)}, [col, scalar]))
    # columns sorted by name: "s" then "x"
    np.testing.assert_allclose(out, np.concatenate([[[1.0], [2.0], [3.0]], ((x - 1.0) * 2.0).reshape(3, 4)], 1))


def test_numeric_column_errors():
    with pytest.raises(ValueError, match="shape"):
        fc.numeric_column("x", shape=(0,))
    with pytest.raises(ValueError, match="dtype"):
        fc.numeric_column("x", dtype=kf.string)
    col = fc.numeric_column("x", shape=3)
    with pytest.raises(ValueError, match="expects 3 values"):
        fc.input_layer({"x": kf.constant(np.zeros((2, 2), np.float32))}, [col])
    with pytest.raises(ValueError, match="features dict has only"):
        fc.input_layer({"y": kf.constant([1.0])}, [col])


def test_bucketized_column_dense_and_ids():
    boundaries = [0.0, 10.0, 100.0]
    x = np.array([[-5.0, 0.0], [9.99, 10.0], [100.0, 1e6]], np.float32)
    col = fc.bucketized_column(fc.numeric_column("x", shape=2), boundaries)
    buckets = np.searchsorted(boundaries, x, side="right")  # TF: the number of boundaries <= x
    expected = np.zeros((3, 2, 4), np.float32)
    for i in range(3):
        for j in range(2):
            expected[i, j, buckets[i, j]] = 1.0
    out = _run(fc.input_layer({"x": kf.constant(x)}, [col]))
    np.testing.assert_array_equal(out, expected.reshape(3, 8))
    # as a categorical column: element j's ids are offset by j * (len(boundaries) + 1)
    ids = _run(col.id_batch(kf.feature_column.column_base.FeatureCache({"x": kf.constant(x)})).ids)
    np.testing.assert_array_equal(ids, buckets + np.array([0, 4]))
    with pytest.raises(ValueError, match="sorted"):
        fc.bucketized_column(fc.numeric_column("x"), [1.0, 0.0])


def test_vocabulary_list_default_value_and_missing():
    col = fc.categorical_column_with_vocabulary_list("c", ["a", "b", "c"], default_value=1)
    assert _ids(col, {"c": kf.constant(["c", "zz", "a", ""])}) == [2, 1, 0, -1]
    col = fc.categorical_column_with_vocabulary_list("c", ["a", "b", "c"])
    assert _ids(col, {"c": kf.constant(["zz", "b"])}) == [-1, 1]  # OOV with default -1 is dropped
    ints = fc.categorical_column_with_vocabulary_list("n", [10, 20, 30])
    assert ints.num_buckets == 3
    assert _ids(ints, {"n": kf.constant([30, -1, 10, 7], kf.int64)}) == [2, -1, 0, -1]


def test_oov_buckets_and_hash_buckets_match_tf():
    # ids TF 2.21 gave for the same columns and inputs (input_layer of indicator columns)
    s = kf.constant([["red"], ["zebra"], ["qq"], ["blue"]])
    i = kf.constant([[5], [17], [123456], [2]], kf.int64)
    features = {"s": s, "i": i}
    c1 = fc.categorical_column_with_vocabulary_list("s", ["red", "green", "blue"], num_oov_buckets=5)
    c2 = fc.categorical_column_with_vocabulary_list("i", [5, 2, 9], num_oov_buckets=7)
    c3 = fc.categorical_column_with_hash_bucket("i", 11, dtype=kf.int64)
    c4 = fc.categorical_column_with_hash_bucket("s", 13)
    assert c1.num_buckets == 8 and c2.num_buckets == 10
    assert _ids(c1, features) == [0, 5, 4, 2]
    assert _ids(c2, features) == [0, 5, 8, 1]
    assert _ids(c3, features) == [10, 1, 4, 0]
    assert _ids(c4, features) == [0, 8, 7, 4]
    assert _ids(fc.crossed_column([c1, "s"], 17), features) == [7, 11, 14, 0]


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("apple\nbanana\ncherry\n")
    col = fc.categorical_column_with_vocabulary_file("f", str(path), vocabulary_size=2)
    assert col.num_buckets == 2
    assert _ids(col, {"f": kf.constant(["banana", "cherry", "apple"])}) == [1, -1, 0]
    with pytest.raises(ValueError, match="does not exist"):
        fc.categorical_column_with_vocabulary_file("f", str(tmp_path / "missing.txt"))
    with pytest.raises(ValueError, match="vocabulary_size"):
        fc.categorical_column_with_vocabulary_file("f", str(path), vocabulary_size=9)


def test_identity_column_range_and_default():
    col = fc.categorical_column_with_identity("n", 4, default_value=3)
    assert _ids(col, {"n": kf.constant([0, 2, 9, -1], kf.int64)}) == [0, 2, 3, -1]
    strict = fc.categorical_column_with_identity("n", 4)
    out = fc.input_layer({"n": kf.constant([1, 7], kf.int64)}, [fc.indicator_column(strict)])
    with pytest.raises(kf.errors.InvalidArgumentError, match="not in \\[0, 4\\)"):
        _run(out)


def test_indicator_counts_repeats_and_weighted_column():
    col = fc.categorical_column_with_vocabulary_list("t", ["x", "y", "z"])
    features = {"t": kf.constant([["x", "x", "z"], ["y", "", ""]]),
                "w": kf.constant([[0.5, 2.0, 3.0], [4.0, 9.0, 9.0]])}
    counts = _run(fc.input_layer(features, [fc.indicator_column(col)]))
    np.testing.assert_array_equal(counts, [[2, 0, 1], [0, 1, 0]])
    weighted = fc.weighted_categorical_column(col, "w")
    assert weighted.name == "t_weighted_by_w"
    out = _run(fc.input_layer(features, [fc.indicator_column(weighted)]))
    np.testing.assert_allclose(out, [[2.5, 0, 3.0], [0, 4.0, 0]])


def test_crossed_column_of_bucketized_and_strings_counts_combinations():
    age = fc.bucketized_column(fc.numeric_column("age"), [30.0])
    cross = fc.crossed_column([age, "city"], 1000)
    assert cross.name == "age_bucketized_X_city" and cross.num_buckets == 1000
    features = {"age": kf.constant([20.0, 40.0, 20.0]), "city": kf.constant([["a", "b"], ["a", ""], ["a", "b"]])}
    out = _run(fc.input_layer(features, [fc.indicator_column(cross)]))
    np.testing.assert_array_equal(out.sum(1), [2, 1, 2])  # the missing city makes no cross
    np.testing.assert_array_equal(out[0], out[2])        # same inputs, same buckets
    assert not np.array_equal(out[0], out[1])
    with pytest.raises(ValueError, match="at least 2"):
        fc.crossed_column(["a"], 10)


def test_sparse_input_from_parse_example():
    def example(tokens):
        return kf.train.Example(features=kf.train.Features(feature={
            "tokens": kf.train.Feature(bytes_list=kf.train.BytesList(value=[t.encode() for t in tokens]))}))
    serialized = [example(t).SerializeToString() for t in (["b", "a", "b"], [], ["c"])]
    col = fc.categorical_column_with_vocabulary_list("tokens", ["a", "b", "c"])
    spec = fc.make_parse_example_spec([fc.indicator_column(col)])
    assert isinstance(spec["tokens"], kf.io.VarLenFeature)
    features = kf.io.parse_example(kf.constant(serialized, dtype=kf.string), spec)
    out = _run(fc.input_layer(features, [fc.indicator_column(col)]))
    np.testing.assert_array_equal(out, [[1, 2, 0], [0, 0, 0], [0, 0, 1]])


def test_make_parse_example_spec():
    spec = fc.make_parse_example_spec([fc.numeric_column("x", shape=2, default_value=0.5),
                                       fc.categorical_column_with_identity("n", 3)])
    assert spec["x"].shape == (2,) or list(spec["x"].shape) == [2]
    assert spec["x"].dtype == kf.float32
    assert spec["n"].dtype == kf.int64
