"""tf.train.Example classes: bytes derived by hand from example.proto / feature.proto and the wire spec."""
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kflow.data.example.messages import BytesList, Example, Feature, Features, FloatList, Int64List
from kflow.errors import InvalidArgumentError
from kflow.proto.wire import DecodeError

try:  # optional cross-check against the real thing
    import tensorflow as tf
except ImportError:
    tf = None


def int_example(key, values):
    return Example(features=Features(feature={key: Feature(int64_list=Int64List(value=values))}))


# Example{1: Features{1: entry{1: "a", 2: Feature{3: Int64List{1: packed [1, 2]}}}}}
TINY = bytes([0x0A, 0x0D,               # Example.features, 13 bytes
              0x0A, 0x0B,               # Features.feature map entry, 11 bytes
              0x0A, 0x01, ord("a"),     # entry.key = "a"
              0x12, 0x06,               # entry.value: Feature, 6 bytes
              0x1A, 0x04,               # Feature.int64_list, 4 bytes
              0x0A, 0x02, 0x01, 0x02])  # Int64List.value packed [1, 2]


def test_tiny_example_bytes():
    assert int_example("a", [1, 2]).SerializeToString() == TINY


def test_float_bytes_and_negative_int64():
    floats = Example(features=Features(feature={"f": Feature(float_list=FloatList(value=[1.0]))}))
    assert floats.SerializeToString() == bytes([0x0A, 0x0F, 0x0A, 0x0D, 0x0A, 0x01, ord("f"), 0x12, 0x08,
                                                0x12, 0x06, 0x0A, 0x04, 0x00, 0x00, 0x80, 0x3F])
    neg = Feature(int64_list=Int64List(value=[-1])).SerializeToString()
    assert neg == b"\x1a\x0c\x0a\x0a" + b"\xff" * 9 + b"\x01"
    assert Feature(bytes_list=BytesList(value=[b"hi", b""])).SerializeToString() == b"\x0a\x06\x0a\x02hi\x0a\x00"


def test_empty_messages_and_presence():
    assert Example().SerializeToString() == b""
    assert Example(features=Features()).SerializeToString() == b"\x0a\x00"
    assert Feature().SerializeToString() == b""
    assert Feature(int64_list=Int64List()).SerializeToString() == b"\x1a\x00"  # oneof set, empty list
    # A map entry always carries key and value, even when both are empty.
    assert Features(feature={"": Feature()}).SerializeToString() == b"\x0a\x04\x0a\x00\x12\x00"


def test_features_are_written_in_sorted_key_order():
    ex = Example(features=Features(feature={"b": Feature(int64_list=Int64List(value=[2])),
                                            "a": Feature(int64_list=Int64List(value=[1]))}))
    data = ex.SerializeToString()
    assert data.index(b"\x0a\x01a") < data.index(b"\x0a\x01b")
    reordered = Example(features=Features(feature={"a": ex.features.feature["a"], "b": ex.features.feature["b"]}))
    assert reordered.SerializeToString() == data


def test_round_trip_and_api():
    ex = Example(features=Features(feature={
        "label": Feature(int64_list=Int64List(value=[7, -3, 1 << 40])),
        "x": Feature(float_list=FloatList(value=np.array([0.1, 2.5]))),
        "raw": Feature(bytes_list=BytesList(value=[b"\x00\xff", b"z"]))}))
    back = Example.FromString(ex.SerializeToString())
    assert back == ex
    feature = back.features.feature
    assert feature["label"].int64_list.value == [7, -3, 1 << 40]
    assert feature["x"].float_list.value == [float(np.float32(0.1)), 2.5]  # stored as float32
    assert feature["raw"].bytes_list.value == [b"\x00\xff", b"z"]
    assert feature["label"].WhichOneof("kind") == "int64_list"
    assert feature["label"].HasField("int64_list") and not feature["label"].HasField("float_list")
    assert np.array(feature["label"].int64_list.value).dtype == np.int64
    other = Example()
    other.ParseFromString(ex.SerializeToString())
    assert other == ex and other.ByteSize() == len(ex.SerializeToString())
    assert pickle.loads(pickle.dumps(ex)) == ex
    assert back != int_example("label", [7])


def test_repr_is_protobuf_text_format():
    text = repr(int_example("a", [1, 2]))
    assert text == ('features {\n  feature {\n    key: "a"\n    value {\n      int64_list {\n'
                    '        value: 1\n        value: 2\n      }\n    }\n  }\n}\n')
    assert 'value: "\\000\\377q"' in str(Feature(bytes_list=BytesList(value=[b"\x00\xffq"])))


def test_mutation_sets_oneof_and_presence_like_protobuf():
    ex = Example()
    assert not ex.HasField("features")
    ex.features.feature["ids"].int64_list.value.append(5)
    ex.features.feature["ids"].int64_list.value.extend([6, 7])
    assert ex.HasField("features")
    assert ex == int_example("ids", [5, 6, 7])
    feature = Feature()
    _ = feature.float_list  # reading a member does not set the oneof
    assert feature.WhichOneof("kind") is None
    feature.float_list.value.append(1)
    feature.int64_list.value.append(2)  # setting another member replaces it
    assert feature.WhichOneof("kind") == "int64_list"
    assert feature.SerializeToString() == b"\x1a\x03\x0a\x01\x02"
    feature.ClearField("kind")
    assert feature.WhichOneof("kind") is None


def test_type_checks():
    with pytest.raises(TypeError):
        Int64List(value=[1.5])
    with pytest.raises(ValueError):
        Int64List(value=[1 << 63])
    with pytest.raises(TypeError):
        BytesList(value=["text"])
    with pytest.raises(TypeError):
        FloatList(value=["1.0"])
    with pytest.raises(ValueError):
        Feature().WhichOneof("nope")
    assert Int64List(value=np.arange(3)).value == [0, 1, 2]
    assert Int64List(value=[np.int64(4), True]).value == [4, 1]


def test_decoding_accepts_unpacked_lists_and_any_order():
    unpacked_ints = b"\x08\x01\x08\x7f\x0a\x01\x05"  # 1, 127 unpacked, then a packed chunk [5]
    assert Int64List.FromString(unpacked_ints).value == [1, 127, 5]
    unpacked_floats = b"\x0d\x00\x00\x80\x3f\x0d\x00\x00\x00\x40"
    assert FloatList.FromString(unpacked_floats).value == [1.0, 2.0]
    # A map entry with the value before the key, plus an unknown field to skip.
    entry = b"\x12\x04\x1a\x02\x08\x09" + b"\x0a\x01k" + b"\x18\x05"
    ex = Example.FromString(b"\x0a" + bytes([len(entry) + 2, 0x0A, len(entry)]) + entry)
    assert ex.features.feature["k"].int64_list.value == [9]


def test_protobuf_merge_rules():
    a, b = int_example("a", [1]), int_example("a", [2])
    c = Example(features=Features(feature={"c": Feature(float_list=FloatList(value=[3]))}))
    merged = Example.FromString(a.SerializeToString() + c.SerializeToString() + b.SerializeToString())
    assert merged.features.feature["a"].int64_list.value == [2]  # later map entry wins
    assert merged.features.feature["c"].float_list.value == [3.0]
    # Two int64_list fields in one Feature merge (lists concatenate).
    assert Feature.FromString(b"\x1a\x02\x0a\x00\x1a\x03\x0a\x01\x04").int64_list.value == [4]
    assert Feature.FromString(b"\x1a\x03\x0a\x01\x03\x1a\x03\x0a\x01\x04").int64_list.value == [3, 4]


@pytest.mark.parametrize("data", [b"\x0a", b"\x0a\x05\x0a", b"\x0a\x02\x0a\x05", b"\x0b", b"\x0a\x03\x0a\x01\xff"])
def test_malformed_bytes_raise_decode_error(data):
    with pytest.raises(DecodeError):
        Example.FromString(data)


feature_strategy = st.one_of(
    st.builds(lambda v: Feature(int64_list=Int64List(value=v)),
              st.lists(st.integers(-(1 << 63), (1 << 63) - 1), max_size=5)),
    st.builds(lambda v: Feature(float_list=FloatList(value=v)),
              st.lists(st.floats(width=32, allow_nan=False), max_size=5)),
    st.builds(lambda v: Feature(bytes_list=BytesList(value=v)), st.lists(st.binary(max_size=8), max_size=4)),
    st.just(Feature()))


@settings(max_examples=150, deadline=None, database=None)
@given(st.dictionaries(st.text(max_size=6), feature_strategy, max_size=5))
def test_round_trip_property(features):
    ex = Example(features=Features(feature=features))
    data = ex.SerializeToString()
    assert Example.FromString(data) == ex
    assert Example.FromString(data).SerializeToString() == data


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=80))
def test_fuzz_from_string_only_raises_invalid_argument(data):
    try:
        ex = Example.FromString(data)
    except InvalidArgumentError:
        return
    assert isinstance(ex.SerializeToString(), bytes)


@pytest.mark.skipif(tf is None, reason="TensorFlow not installed")
def test_cross_check_with_tensorflow():  # pragma: no cover - only where TF exists
    ref = tf.train.Example(features=tf.train.Features(feature={
        "a": tf.train.Feature(int64_list=tf.train.Int64List(value=[1, -2])),
        "b": tf.train.Feature(float_list=tf.train.FloatList(value=[0.5])),
        "c": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"x"]))}))
    ours = Example.FromString(ref.SerializeToString(deterministic=True))
    assert ours.SerializeToString() == ref.SerializeToString(deterministic=True)
