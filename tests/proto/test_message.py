"""The declarative protobuf message base: API behaviour and byte compatibility with real protobuf."""
import copy
import pickle

import numpy as np
import pytest

from kflow.proto.message import Field, Message
from kflow.proto.wire import DecodeError
from kflow.summary.event_proto import Event, HistogramProto, SessionLog, Summary
from kflow.summary.graph_def import AttrValue, NodeDef


class Point(Message):
    FIELDS = (Field(1, "x", "double"), Field(2, "label", "string"), Field(3, "tags", "string", repeated=True),
              Field(4, "ids", "int64", repeated=True), Field(5, "f", "float", oneof="kind"),
              Field(6, "name", "bytes", oneof="kind"))


def test_defaults_and_round_trip():
    p = Point()
    assert (p.x, p.label, list(p.tags), p.f) == (0.0, "", [], 0.0)
    assert p.SerializeToString() == b""
    p = Point(x=1.5, label="a", tags=["u", "v"], ids=[1, -2, 300])
    q = Point.FromString(p.SerializeToString())
    assert (q.x, q.label, list(q.tags), list(q.ids)) == (1.5, "a", ["u", "v"], [1, -2, 300])
    assert q == p and q != Point(x=2.0)


def test_oneof_presence_emits_zero_and_switches_members():
    p = Point(f=0.0)
    assert p.WhichOneof("kind") == "f" and p.HasField("f")
    assert p.SerializeToString() == b"\x2d\x00\x00\x00\x00"  # a set oneof member is written even when 0
    p.name = b"n"
    assert p.WhichOneof("kind") == "name" and not p.HasField("f")
    assert Point.FromString(p.SerializeToString()).name == b"n"


def test_unset_submessage_reads_empty_and_joins_parent_when_written():
    e = Event(step=3)
    assert list(e.summary.value) == []  # iterable without being set
    assert not e.HasField("summary") and e.WhichOneof("what") is None
    e.summary.value.add(tag="loss", simple_value=0.5)
    assert e.HasField("summary") and e.WhichOneof("what") == "summary"
    back = Event.FromString(e.SerializeToString())
    assert back.summary.value[0].tag == "loss" and back.summary.value[0].simple_value == 0.5
    e.file_version = "brain.Event:2"  # another oneof member clears summary
    assert not e.HasField("summary")


def test_nested_lazy_write_marks_every_level():
    v = Summary.Value(tag="h")
    v.histo.num = 3.0
    assert v.WhichOneof("value") == "histo"
    assert Summary.Value.FromString(v.SerializeToString()).histo.num == 3.0


def test_map_field_and_text_format():
    node = NodeDef(name="a", op="Const")
    node.attr["dtype"].type = 1
    node.attr["shape"] = AttrValue(i=4)
    text = str(node)
    assert 'name: "a"' in text and "type: DT_FLOAT" in text and 'key: "shape"' in text
    back = NodeDef.FromString(node.SerializeToString())
    assert back.attr["dtype"].type == 1 and back.attr["shape"].i == 4


def test_packed_and_unpacked_repeated_decode():
    packed = Point(ids=[5, 6]).SerializeToString()
    unpacked = b"\x20\x05\x20\x06"
    assert list(Point.FromString(packed).ids) == list(Point.FromString(unpacked).ids) == [5, 6]


def test_type_errors_and_bad_bytes():
    with pytest.raises(TypeError, match="histo"):
        Summary.Value(histo=SessionLog())
    with pytest.raises(AttributeError, match="no field"):
        Point(nope=1)
    with pytest.raises(DecodeError):
        Point.FromString(b"\x0a\x05ab")


def test_text_escapes_bytes():
    text = str(Summary.Value(tag='q"\n\x01'))
    assert text == 'tag: "q\\"\\n\\001"\n'


def test_matches_real_protobuf_bytes():
    pb = pytest.importorskip("tensorboard.compat.proto.event_pb2")
    summary_pb2 = pytest.importorskip("tensorboard.compat.proto.summary_pb2")
    histo = HistogramProto(min=-1.0, max=2.0, num=3.0, sum=1.5, sum_squares=5.0, bucket_limit=[0.0, 2.5],
                           bucket=[1.0, 2.0])
    ours = Event(wall_time=12.5, step=-7, summary=Summary(value=[
        Summary.Value(tag="a", simple_value=0.0), Summary.Value(tag="h", histo=histo)]))
    theirs = pb.Event(wall_time=12.5, step=-7, summary=summary_pb2.Summary(value=[
        summary_pb2.Summary.Value(tag="a", simple_value=0.0),
        summary_pb2.Summary.Value(tag="h", histo=summary_pb2.HistogramProto(
            min=-1.0, max=2.0, num=3.0, sum=1.5, sum_squares=5.0, bucket_limit=[0.0, 2.5], bucket=[1.0, 2.0]))]))
    assert ours.SerializeToString() == theirs.SerializeToString(deterministic=True)
    assert str(ours) == str(theirs)
    np.testing.assert_array_equal(Event.FromString(theirs.SerializeToString()).summary.value[1].histo.bucket, [1, 2])


def test_copy_and_pickle():
    e = Event(step=3, summary=Summary(value=[Summary.Value(tag="a", simple_value=1.0)]))
    for other in (copy.deepcopy(e), pickle.loads(pickle.dumps(e)), copy.copy(e)):
        assert other == e and other is not e
    assert repr(Summary.Value(tag="a")) == "Value(tag='a')"
    assert pickle.loads(pickle.dumps(Summary.Value(tag="b"))).tag == "b"
