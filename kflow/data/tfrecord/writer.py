"""``TFRecordWriter`` (``kf.io`` / ``kf.python_io``): frames records into a TFRecord file.

Each record is written as ``uint64 length | uint32 masked_crc32c(length) |
data | uint32 masked_crc32c(data)`` (little endian), optionally with the
whole file GZIP- or ZLIB-compressed; files are byte-compatible with
TensorFlow's.

Example:
    >>> with TFRecordWriter("/tmp/data.tfrecord", options="GZIP") as writer:
    ...     writer.write(example.SerializeToString())
"""

import os
import struct

from kflow.data.tfrecord.compression import DeflateWriter, compression_name
from kflow.data.tfrecord.crc import masked_crc32c
from kflow.errors import FailedPreconditionError, NotFoundError

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


class TFRecordWriter:
    """Writes records to a TFRecord file (``tf.io.TFRecordWriter``).

    Args:
        path: the file to create (truncated if it exists).
        options: ``None``, a ``TFRecordOptions``, or a compression string
            (``''``, ``'ZLIB'``, ``'GZIP'``).

    Example:
        >>> with TFRecordWriter("out.tfrecord") as writer:
        ...     writer.write(b"payload")
    """

    def __init__(self, path, options=None):
        self.path = os.fspath(path)
        compression = compression_name(options)
        try:
            raw = open(self.path, "wb")
        except FileNotFoundError:
            raise NotFoundError(None, None, "%s; No such file or directory" % self.path)
        self._file = DeflateWriter(raw, compression, options) if compression else raw

    def write(self, record):
        """Appends one record (``bytes``; a ``str`` is written as UTF-8)."""
        if self._file is None:
            raise FailedPreconditionError(None, None, "TFRecordWriter for %s is closed" % self.path)
        if isinstance(record, str):
            record = record.encode("utf-8")
        elif not isinstance(record, bytes):
            record = bytes(record)
        length = _LENGTH.pack(len(record))
        self._file.write(b"".join((length, _CRC.pack(masked_crc32c(length)), record,
                                   _CRC.pack(masked_crc32c(record)))))

    def flush(self):
        """Pushes buffered records to the file."""
        if self._file is not None:
            self._file.flush()

    def close(self):
        """Flushes and closes the file; further writes raise."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # interpreter shutdown: nothing useful to do
            pass
