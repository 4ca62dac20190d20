"""TFRecord files (``kf.io`` / ``kf.python_io``): framing, CRCs, compression, reader, writer and an inspect CLI.

Each record is framed as ``uint64 length | uint32 masked_crc32c(length) |
data | uint32 masked_crc32c(data)`` (little endian), optionally with the
whole file GZIP- or ZLIB-compressed; files are byte-compatible with
TensorFlow's. This wing works on bytes only: it imports neither the input
pipeline (``kflow.data.pipeline``) nor the engine; the CLI alone reads
Examples through ``kflow.data.example``.

Example:
    >>> with TFRecordWriter("/tmp/data.tfrecord", options="GZIP") as writer:
    ...     writer.write(example.SerializeToString())
    >>> for record in tf_record_iterator("/tmp/data.tfrecord", options="GZIP"):
    ...     print(len(record))

Run ``python -m kflow.data.tfrecord inspect FILE`` to summarize a file.
"""
from kflow.data.tfrecord.compression import TFRecordCompressionType, TFRecordOptions
from kflow.data.tfrecord.crc import masked_crc32c
from kflow.data.tfrecord.reader import CorruptRecordWarning, TFRecordFileReader, tf_record_iterator
from kflow.data.tfrecord.writer import TFRecordWriter

__all__ = ["TFRecordWriter", "TFRecordOptions", "TFRecordCompressionType", "TFRecordFileReader",
           "CorruptRecordWarning", "tf_record_iterator", "masked_crc32c"]
