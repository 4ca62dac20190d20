"""Parsing Examples into numpy: single, batched (template and per-record paths), specs, errors, decode_raw."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kflow.data.example import template
from kflow.data.example.feature_spec import FixedLenFeature, FixedLenSequenceFeature, SparseValue, VarLenFeature
from kflow.data.example.messages import BytesList, Example, Feature, Features, FloatList, Int64List
from kflow.data.example.parse import compile_features, parse_example_batch, parse_single_example
from kflow.data.example.raw_decode import decode_raw
from kflow.errors import InvalidArgumentError


def make(**features):
    out = {}
    for key, value in features.items():
        if isinstance(value, Feature):
            out[key] = value
        elif value and isinstance(value[0], bytes):
            out[key] = Feature(bytes_list=BytesList(value=value))
        elif value and isinstance(value[0], float):
            out[key] = Feature(float_list=FloatList(value=value))
        else:
            out[key] = Feature(int64_list=Int64List(value=value))
    return Example(features=Features(feature=out)).SerializeToString()


def mnist_like(n, seed=0):
    rng = np.random.RandomState(seed)
    images = rng.randint(0, 256, (n, 784)).astype(np.uint8)
    images[:, -3:] = 0  # trailing NULs must survive (numpy 'S' arrays would strip them)
    labels = rng.randint(0, 10, n)
    records = [make(image_raw=[images[i].tobytes()], label=[int(labels[i])]) for i in range(n)]
    return records, images, labels


MNIST_SPEC = {"image_raw": FixedLenFeature([], "string"), "label": FixedLenFeature([], "int64")}


def test_parse_single_example_kinds_and_shapes():
    rec = make(x=[1.0, 2.0, 3.0, 4.0], ids=[3, 1, 4], s=[b"ab"], seq=[1, 2, 3, 4, 5, 6])
    out = parse_single_example(rec, {
        "x": FixedLenFeature([2, 2], "float32"), "ids": VarLenFeature("int64"), "s": FixedLenFeature([], "string"),
        "missing": FixedLenFeature([2], "int64", default_value=[7, 8]),
        "seq": FixedLenSequenceFeature([2], "int64", allow_missing=True),
        "none": VarLenFeature("string")})
    np.testing.assert_array_equal(out["x"], [[1, 2], [3, 4]])
    assert out["x"].dtype == np.float32
    assert isinstance(out["ids"], SparseValue)
    np.testing.assert_array_equal(out["ids"].indices, [[0], [1], [2]])
    np.testing.assert_array_equal(out["ids"].values, [3, 1, 4])
    np.testing.assert_array_equal(out["ids"].dense_shape, [3])
    assert out["s"].shape == () and out["s"].dtype == object and out["s"].item() == b"ab"
    np.testing.assert_array_equal(out["missing"], [7, 8])
    np.testing.assert_array_equal(out["seq"], [[1, 2], [3, 4], [5, 6]])
    assert out["none"].values.shape == (0,) and out["none"].dense_shape.tolist() == [0]


def test_batch_fixed_var_and_sequence():
    records = [make(ids=[1, 2], w=[0.5], sq=[1, 2]), make(ids=[], w=[1.5]), make(w=[2.5], ids=[9, 8, 7], sq=[9, 8, 7])]
    out = parse_example_batch(records, {"ids": VarLenFeature("int64"), "w": FixedLenFeature([1], "float32"),
                                        "seq": FixedLenSequenceFeature([], "int64", allow_missing=True,
                                                                       default_value=-1),
                                        "sq": FixedLenSequenceFeature([], "int64", allow_missing=True)})
    np.testing.assert_array_equal(out["w"], [[0.5], [1.5], [2.5]])
    np.testing.assert_array_equal(out["ids"].indices, [[0, 0], [0, 1], [2, 0], [2, 1], [2, 2]])
    np.testing.assert_array_equal(out["ids"].values, [1, 2, 9, 8, 7])
    np.testing.assert_array_equal(out["ids"].dense_shape, [3, 3])
    np.testing.assert_array_equal(out["sq"], [[1, 2, 0], [0, 0, 0], [9, 8, 7]])
    assert out["seq"].shape == (3, 0)


def test_mnist_batch_uses_templates_and_matches_data(monkeypatch):
    records, images, labels = mnist_like(100)
    calls = []
    original = template.Template.extract
    monkeypatch.setattr(template.Template, "extract",
                        lambda self, m, r: calls.append(m.shape[0]) or original(self, m, r))
    out = parse_example_batch(records, MNIST_SPEC)
    assert calls == [100]  # one template covered the whole batch
    np.testing.assert_array_equal(out["label"], labels)
    assert out["label"].dtype == np.int64
    np.testing.assert_array_equal(decode_raw(out["image_raw"], "uint8"), images)


def test_batch_with_mixed_layouts_matches_per_record_parsing():
    records, _, _ = mnist_like(40)
    records[5] = make(label=[3], image_raw=[b"\x01" * 784], extra=[1.0])  # another layout
    records[7] = make(label=[300], image_raw=[b"\x02" * 784])  # 2-byte varint: another length
    records[9] = (b"\x0a\x00" + records[9])  # an empty features field first: protobuf merges it
    out = parse_example_batch(records, MNIST_SPEC)
    for i in (0, 5, 7, 9, 39):
        single = parse_single_example(records[i], MNIST_SPEC)
        assert out["label"][i] == single["label"]
        assert out["image_raw"][i] == single["image_raw"].item()


layout = st.fixed_dictionaries({
    "ints": st.lists(st.integers(-(1 << 63), (1 << 63) - 1), min_size=2, max_size=2),
    "floats": st.lists(st.floats(width=32, allow_nan=False), min_size=3, max_size=3),
    "tags": st.lists(st.binary(max_size=3), max_size=3),
    "unpacked": st.booleans(), "noise": st.booleans()})


def encode(rec):
    feats = {"ints": Feature(int64_list=Int64List(value=rec["ints"])),
             "floats": Feature(float_list=FloatList(value=rec["floats"])),
             "tags": Feature(bytes_list=BytesList(value=rec["tags"]))}
    if rec["noise"]:
        feats["zz_unused"] = Feature(float_list=FloatList(value=[1.0, 2.0]))
    data = Example(features=Features(feature=feats)).SerializeToString()
    if rec["unpacked"]:  # the same Example with ints also given as an unpacked extra entry (later one wins)
        unpacked = b"".join(b"\x08" + Int64List(value=[v]).SerializeToString()[2:] for v in rec["ints"])
        feature = b"\x1a" + bytes([len(unpacked)]) + unpacked
        entry = b"\x0a\x04ints\x12" + bytes([len(feature)]) + feature
        data += b"\x0a" + bytes([len(entry) + 2]) + b"\x0a" + bytes([len(entry)]) + entry
    return data


@settings(max_examples=25, deadline=None, database=None)
@given(st.lists(layout, min_size=1, max_size=4), st.lists(st.integers(0, 3), min_size=20, max_size=60))
def test_template_path_equals_per_record_path(layouts, choice):
    records = [encode(layouts[c % len(layouts)]) for c in choice]
    spec = {"ints": FixedLenFeature([2], "int64"), "floats": VarLenFeature("float32"),
            "tags": VarLenFeature("string"), "absent": FixedLenFeature([], "float32", default_value=0.5)}
    fast = parse_example_batch(records, spec)
    saved = template.MIN_GROUP
    template.MIN_GROUP = 10 ** 9  # forces the per-record path
    try:
        slow = parse_example_batch(records, spec)
    finally:
        template.MIN_GROUP = saved
    np.testing.assert_array_equal(fast["ints"], slow["ints"])
    np.testing.assert_array_equal(fast["absent"], np.full(len(records), 0.5, np.float32))
    for key in ("floats", "tags"):
        for a, b in zip(fast[key], slow[key]):
            np.testing.assert_array_equal(a, b)
    for i, rec in enumerate(records):
        assert fast["ints"][i].tolist() == parse_single_example(rec, spec)["ints"].tolist()


def check_error(records, spec, *fragments):
    with pytest.raises(InvalidArgumentError) as info:
        parse_example_batch(records, spec)
    for fragment in fragments:
        assert fragment in info.value.message, info.value.message
    return info.value.message


def test_errors_name_key_kinds_counts_and_index():
    good, _, _ = mnist_like(30)
    check_error(good[:3] + [make(image_raw=[b"x"])], MNIST_SPEC, "Key: label", "Index: 3", "required")
    check_error(good + [make(image_raw=[b"x"], label=[1.0])], MNIST_SPEC,
                "Key: label", "Index: 30", "Data type: float", "expected type: int64", "float_list", "int64_list")
    check_error(good[:20] + [make(image_raw=[b"x"], label=[1, 2])] + good, MNIST_SPEC,
                "Key: label", "Index: 20", "Values size: 2", "output shape: []")
    check_error(good + [b"\x0a\x05\x01"], MNIST_SPEC, "Index: 30", "Could not parse serialized Example")
    # A whole template group in error reports its first record; the lowest failing index wins.
    bad = [make(image_raw=[b"y"]) for _ in range(40)]
    check_error(good[:2] + bad + [b"junk"], MNIST_SPEC, "Key: label", "Index: 2")
    check_error([make(seq=[1, 2, 3])], {"seq": FixedLenSequenceFeature([2], "int64", allow_missing=True)},
                "Key: seq", "Index: 0", "multiple of the step size")
    with pytest.raises(InvalidArgumentError, match="Key: label, Index: 0"):
        parse_single_example(make(image_raw=[b"x"], label=[1.0]), MNIST_SPEC)


def test_spec_validation():
    with pytest.raises(ValueError, match="allow_missing"):
        compile_features({"s": FixedLenSequenceFeature([], "int64")})
    with pytest.raises(ValueError, match="Unsupported feature dtype"):
        compile_features({"s": FixedLenFeature([], "complex64")})
    with pytest.raises(ValueError, match="default_value"):
        compile_features({"s": FixedLenFeature([3], "int64", default_value=[1, 2])})

    class FakeDType:  # what kf.float32 looks like to this layer
        as_numpy_dtype = np.float32
    field, = compile_features({"x": FixedLenFeature([2], FakeDType(), default_value=1)})
    assert field.dtype == np.float32 and field.default.tolist() == [1.0, 1.0]


def test_decode_raw():
    data = np.array([np.arange(4, dtype="<i4").tobytes(), np.arange(4, 8, dtype="<i4").tobytes()], dtype=object)
    np.testing.assert_array_equal(decode_raw(data, "int32"), [[0, 1, 2, 3], [4, 5, 6, 7]])
    big = np.array([1.5, -2.0], ">f4").tobytes()
    np.testing.assert_array_equal(decode_raw(big, np.float32, little_endian=False), [1.5, -2.0])
    out = decode_raw(b"\x01\x02", "uint8")
    out[0] = 9  # results own writable memory
    assert decode_raw(np.empty((0,), object), "float32").shape == (0, 0)
    with pytest.raises(InvalidArgumentError, match="same size"):
        decode_raw(np.array([b"ab", b"abc"], dtype=object), "uint8")
    with pytest.raises(InvalidArgumentError, match="not a multiple of 4"):
        decode_raw(b"abcde", "float32")


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.binary(max_size=40), min_size=1, max_size=20))
def test_fuzz_parse_only_raises_invalid_argument(records):
    spec = {"a": VarLenFeature("int64"), "b": FixedLenFeature([], "float32", default_value=0.0)}
    for batch in (records, records * 20):  # the second goes through templates
        try:
            out = parse_example_batch(batch, spec)
        except InvalidArgumentError:
            continue
        assert out["b"].shape == (len(batch),)
