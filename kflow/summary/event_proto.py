"""TensorBoard's event-file messages (``Event``, ``Summary``, ``HistogramProto``, ``SessionLog``) and a reader.

The field numbers follow tensorflow/core/util/event.proto and
tensorflow/core/framework/summary.proto, so the bytes are what TensorFlow
writes and TensorBoard reads. An event file is a TFRecord file whose records
are serialized ``Event`` messages, the first one carrying
``file_version: "brain.Event:2"``.

Example:
    >>> s = Summary(value=[Summary.Value(tag="loss", simple_value=0.25)])
    >>> e = Event(wall_time=1.0, step=3, summary=s)
    >>> Event.FromString(e.SerializeToString()).summary.value[0].simple_value
    0.25
    >>> for event in summary_iterator("logs/events.out.tfevents.1700000000.host"):
    ...     for v in event.summary.value:
    ...         print(event.step, v.tag, v.simple_value)
"""
from kflow.data.tfrecord import tf_record_iterator
from kflow.proto.message import Field, Message
from kflow.summary.tensor_proto import TensorProto

FILE_VERSION = "brain.Event:2"


class HistogramProto(Message):
    """Bucketed distribution: ``bucket[i]`` counts values in ``[bucket_limit[i-1], bucket_limit[i])``."""

    FIELDS = (
        Field(1, "min", "double"), Field(2, "max", "double"), Field(3, "num", "double"),
        Field(4, "sum", "double"), Field(5, "sum_squares", "double"),
        Field(6, "bucket_limit", "double", repeated=True), Field(7, "bucket", "double", repeated=True),
    )


class SummaryMetadata(Message):
    """Which TensorBoard plugin owns a summary value (e.g. ``plugin_name: "text"``)."""

    class PluginData(Message):
        FIELDS = (Field(1, "plugin_name", "string"), Field(2, "content", "bytes"))

    FIELDS = (
        Field(1, "plugin_data", "message", message=PluginData),
        Field(2, "display_name", "string"),
        Field(3, "summary_description", "string"),
        Field(4, "data_class", "enum", enum={0: "DATA_CLASS_UNKNOWN", 1: "DATA_CLASS_SCALAR",
                                             2: "DATA_CLASS_TENSOR", 3: "DATA_CLASS_BLOB_SEQUENCE"}),
    )


class _Image(Message):
    """``Summary.Image``: an encoded (PNG) image; colorspace 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA."""

    FIELDS = (Field(1, "height", "int32"), Field(2, "width", "int32"), Field(3, "colorspace", "int32"),
              Field(4, "encoded_image_string", "bytes"))


class _Audio(Message):
    """``Summary.Audio``: an encoded (WAV) clip."""

    FIELDS = (Field(1, "sample_rate", "float"), Field(2, "num_channels", "int64"), Field(3, "length_frames", "int64"),
              Field(4, "encoded_audio_string", "bytes"), Field(5, "content_type", "string"))


class _Value(Message):
    """``Summary.Value``: a tag and one of simple_value, image, histo, audio or tensor."""

    FIELDS = (
        Field(1, "tag", "string"),
        Field(2, "simple_value", "float", oneof="value"),
        Field(3, "obsolete_old_style_histogram", "bytes", oneof="value"),
        Field(4, "image", "message", message=_Image, oneof="value"),
        Field(5, "histo", "message", message=HistogramProto, oneof="value"),
        Field(6, "audio", "message", message=_Audio, oneof="value"),
        Field(7, "node_name", "string"),
        Field(8, "tensor", "message", message=TensorProto, oneof="value"),
        Field(9, "metadata", "message", message=SummaryMetadata),
    )


class Summary(Message):
    """``tf.Summary``: a list of tagged values; serialized Summaries concatenate into their merge.

    Example:
        >>> s = kf.Summary(value=[kf.Summary.Value(tag="acc", simple_value=0.9)])
        >>> writer.add_summary(s, global_step=10)
    """

    Value = _Value
    Image = _Image
    Audio = _Audio
    FIELDS = (Field(1, "value", "message", repeated=True, message=_Value),)


for _nested in (_Value, _Image, _Audio):  # named as TF users know them: Summary.Value, ...
    _nested.__name__ = _nested.__name__[1:]
    _nested.__qualname__ = "Summary." + _nested.__name__


class SessionLog(Message):
    """``tf.SessionLog``: marks a (re)start, stop or checkpoint in the event stream."""

    STATUS_UNSPECIFIED, START, STOP, CHECKPOINT = 0, 1, 2, 3
    FIELDS = (
        Field(1, "status", "enum", enum={0: "STATUS_UNSPECIFIED", 1: "START", 2: "STOP", 3: "CHECKPOINT"}),
        Field(2, "checkpoint_path", "string"),
        Field(3, "msg", "string"),
    )


class LogMessage(Message):
    """``tf.LogMessage`` (deprecated in TF, kept for reading old files)."""

    FIELDS = (Field(1, "level", "enum"), Field(2, "message", "string"))


class TaggedRunMetadata(Message):
    FIELDS = (Field(1, "tag", "string"), Field(2, "run_metadata", "bytes"))


class Event(Message):
    """``tf.Event``: wall time, step and one of file_version, graph_def (serialized), summary, session_log."""

    FIELDS = (
        Field(1, "wall_time", "double"),
        Field(2, "step", "int64"),
        Field(3, "file_version", "string", oneof="what"),
        Field(4, "graph_def", "bytes", oneof="what"),
        Field(5, "summary", "message", message=Summary, oneof="what"),
        Field(6, "log_message", "message", message=LogMessage, oneof="what"),
        Field(7, "session_log", "message", message=SessionLog, oneof="what"),
        Field(8, "tagged_run_metadata", "message", message=TaggedRunMetadata, oneof="what"),
        Field(9, "meta_graph_def", "bytes", oneof="what"),
    )


def summary_iterator(path):
    """Yields the :class:`Event` messages of an event file, in order (``tf.train.summary_iterator``).

    Raises:
        kflow.errors.DataLossError: a record is corrupt (bad CRC or truncated mid-file).
    """
    for record in tf_record_iterator(path):
        yield Event.FromString(record)


def as_summary_bytes(summary):
    """Serialized Summary bytes from a Summary, bytes, or the 0-d string array ``sess.run`` may return."""
    if isinstance(summary, Summary):
        return summary.SerializeToString()
    if hasattr(summary, "ndim") and summary.ndim == 0:
        summary = summary[()]
    if isinstance(summary, (bytes, bytearray, memoryview)):
        return bytes(summary)
    raise TypeError("expected a Summary or its serialized bytes (e.g. from sess.run(summary_op)), got %s"
                    % type(summary).__name__)
