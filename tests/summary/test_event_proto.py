"""Event-file messages, TensorProto conversion, TF histogram bucketing and the event-file reader."""
import sys

import numpy as np
import pytest

from kflow.data.tfrecord import TFRecordWriter
from kflow.errors import DataLossError
from kflow.summary.event_proto import Event, SessionLog, Summary, as_summary_bytes, summary_iterator
from kflow.summary.histogram import DEFAULT_BUCKET_LIMITS, histogram_proto
from kflow.summary.tensor_proto import DT_FLOAT, DT_STRING, TensorProto, make_ndarray, make_tensor_proto


def test_event_round_trip_with_session_log():
    e = Event(wall_time=1.25, step=9, session_log=SessionLog(status=SessionLog.CHECKPOINT, checkpoint_path="m-9"))
    back = Event.FromString(e.SerializeToString())
    assert back.WhichOneof("what") == "session_log"
    assert (back.step, back.session_log.status, back.session_log.checkpoint_path) == (9, 3, "m-9")


def test_summary_concatenation_is_merge():
    a = Summary(value=[Summary.Value(tag="a", simple_value=1.0)]).SerializeToString()
    b = Summary(value=[Summary.Value(tag="b", simple_value=2.0)]).SerializeToString()
    assert [v.tag for v in Summary.FromString(a + b).value] == ["a", "b"]


def test_as_summary_bytes_accepts_run_results():
    s = Summary(value=[Summary.Value(tag="a", simple_value=1.0)])
    arr = np.empty((), object)
    arr[()] = s.SerializeToString()
    assert as_summary_bytes(s) == as_summary_bytes(arr) == s.SerializeToString()
    with pytest.raises(TypeError, match="Summary"):
        as_summary_bytes(3.0)


@pytest.mark.parametrize("value", [np.arange(6, dtype=np.float32).reshape(2, 3), np.array(7, np.int64),
                                   np.array([True, False]), np.array([b"a", b"bc"], dtype=object),
                                   np.array("text"), np.zeros((0, 2), np.float64), np.array([1.5], np.float16)])
def test_tensor_proto_round_trip(value):
    proto = TensorProto.FromString(make_tensor_proto(value).SerializeToString())
    out = make_ndarray(proto)
    expected = np.asarray(value)
    if expected.dtype.kind in "SUO":
        expected = np.vectorize(lambda x: x.encode() if isinstance(x, str) else x, otypes=[object])(expected)
    assert out.shape == expected.shape
    np.testing.assert_array_equal(out, expected)


def test_tensor_proto_fields():
    p = make_tensor_proto(np.float32(2.0))
    assert p.dtype == DT_FLOAT and len(p.tensor_shape.dim) == 0 and p.tensor_content == np.float32(2).tobytes()
    s = make_tensor_proto(["x"])
    assert s.dtype == DT_STRING and list(s.string_val) == [b"x"]
    # values given the protobuf way (typed fields, one value filling the shape) read back too
    short = TensorProto(dtype=DT_FLOAT, float_val=[3.0])
    short.tensor_shape.dim.add(size=3)
    np.testing.assert_array_equal(make_ndarray(short), [3.0, 3.0, 3.0])


def test_default_buckets_follow_tf():
    limits = DEFAULT_BUCKET_LIMITS
    assert limits[len(limits) // 2] == 0.0 and limits[-1] == sys.float_info.max and limits[0] == -limits[-1]
    np.testing.assert_array_equal(limits, -limits[::-1])
    positive = limits[len(limits) // 2 + 1:-1]
    assert positive[0] == 1e-12 and positive[-1] < 1e20 <= positive[-1] * 1.1
    np.testing.assert_allclose(positive[1:] / positive[:-1], 1.1)
    assert np.all(np.diff(limits) > 0)


def test_histogram_stats_and_buckets():
    values = np.array([-1.0, 0.0, 0.5, 0.5, 3.0])
    h = histogram_proto(values)
    assert (h.min, h.max, h.num, h.sum, h.sum_squares) == (-1.0, 3.0, 5.0, 3.0, 10.5)
    limits, counts = np.array(h.bucket_limit), np.array(h.bucket)
    assert counts.sum() == 5 and limits[-1] == sys.float_info.max
    # each value lies in its bucket [previous limit, limit); runs of empty buckets are one bucket
    for v in values:
        i = np.searchsorted(limits, v, side="right")
        assert counts[i] > 0 and (i == 0 or limits[i - 1] <= v < limits[i])
    assert not np.any((counts[:-1] == 0) & (counts[1:] == 0))
    assert len(counts) < 12


def test_histogram_empty_and_nonfinite():
    h = histogram_proto(np.zeros(0))
    assert list(h.bucket_limit) == [sys.float_info.max] and list(h.bucket) == [0.0] and h.num == 0
    with pytest.raises(ValueError, match="NaN"):
        histogram_proto([1.0, np.nan])
    with pytest.raises(ValueError, match="Inf"):
        histogram_proto([np.inf])


def test_summary_iterator_reads_and_reports_corruption(tmp_path):
    path = str(tmp_path / "events.out.tfevents.1.host")
    with TFRecordWriter(path) as w:
        w.write(Event(wall_time=1.0, file_version="brain.Event:2").SerializeToString())
        w.write(Event(step=2, summary=Summary(value=[Summary.Value(tag="x", simple_value=4.0)])).SerializeToString())
    events = list(summary_iterator(path))
    assert events[0].file_version == "brain.Event:2"
    assert events[1].step == 2 and events[1].summary.value[0].simple_value == 4.0
    data = bytearray(open(path, "rb").read())
    data[-6] ^= 0xFF
    open(path, "wb").write(bytes(data))
    with pytest.raises(DataLossError):
        list(summary_iterator(path))
