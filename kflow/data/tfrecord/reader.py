"""Streaming TFRecord reader that verifies both CRCs and names the damage it finds.

A TFRecord file is a sequence of records, each framed as::

    uint64 length (little endian) | uint32 masked_crc32c(length bytes) | data | uint32 masked_crc32c(data)

The reader pulls the file in large pieces (1 MiB by default) and cuts records
out of that buffer, so a multi-GB file never sits in memory and a record
costs a few slices and two C CRC calls.

Example:
    >>> with TFRecordFileReader("train.tfrecord.gz", compression_type="GZIP") as reader:
    ...     for record in reader:
    ...         handle(record)
"""

import os
import struct
import warnings

from kflow.data.tfrecord.compression import InflateReader, compression_name
from kflow.data.tfrecord.crc import crc32c, mask
from kflow.errors import DataLossError, NotFoundError

_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
MAX_READ = 64 << 20  # one read() never asks for more, whatever a (corrupt) length says


class CorruptRecordWarning(UserWarning):
    """Warns that ``skip_corrupt=True`` dropped damaged records from a file."""


class TFRecordFileReader:
    """Iterates over the records (``bytes``) of one TFRecord file.

    (Not TF 1.x's queue-based ``tf.TFRecordReader`` op; this is the file-level
    reader behind ``TFRecordDataset`` and ``tf_record_iterator``.)

    Args:
        path: a file name, or a binary file object to read from.
        compression_type: ``''``, ``'ZLIB'``, ``'GZIP'``, or a ``TFRecordOptions``.
        skip_corrupt: when true, records with a bad CRC or a truncated tail are
            skipped instead of raising; the reader re-synchronizes on the next
            valid header, counts them in ``num_skipped``, lists them in
            ``skipped`` as ``(record_index, byte_offset, reason)`` and issues one
            :class:`CorruptRecordWarning` per file.
        buffer_size: bytes read from the file at a time.

    Attributes:
        num_records: records returned so far.
        num_skipped: corrupt records skipped so far.

    Raises:
        DataLossError: (while iterating) a corrupt or truncated record; the
            message names the file, the byte offset and the record index.
        NotFoundError: the file does not exist.
    """

    def __init__(self, path, compression_type=None, skip_corrupt=False, buffer_size=1 << 20):
        self.compression = compression_name(compression_type)
        self._owns_file = not hasattr(path, "read")
        if not self._owns_file:
            raw, self.path = path, getattr(path, "name", "<stream>")
        else:
            self.path = os.fspath(path)
            try:
                raw = open(self.path, "rb", buffering=0)
            except FileNotFoundError:
                raise NotFoundError(None, None, "%s; No such file or directory" % self.path)
        self._stream = InflateReader(raw, self.compression, self.path) if self.compression else raw
        try:  # an uncompressed file's size bounds every length field (compressed streams are read in pieces)
            self._size = None if self.compression else os.fstat(raw.fileno()).st_size - raw.tell()
        except (AttributeError, OSError, ValueError):  # a file object without a descriptor
            self._size = None
        self._where = " (offset in the decompressed stream)" if self.compression else ""
        self.skip_corrupt = skip_corrupt
        self._chunk = max(int(buffer_size), 4096)
        self._buf = b""
        self._pos = 0
        self._base = 0  # stream offset of self._buf[0]
        self.num_records = 0
        self.num_skipped = 0
        self.skipped = []
        self._index = 0
        self._stream_error = None
        self._records = self._generate()

    @property
    def offset(self):
        """Stream offset of the next record."""
        return self._base + self._pos

    def __iter__(self):
        return self

    def __next__(self):
        return next(self._records)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._records.close()
        if self._owns_file:
            self._stream.close()

    def _fill(self, need):
        """Makes ``need`` bytes available at ``self._pos`` if the file has them; returns how many are."""
        avail = len(self._buf) - self._pos
        pieces = [self._buf[self._pos:]]
        while avail < need and self._stream_error is None:
            try:
                chunk = self._stream.read(min(max(self._chunk, need - avail), MAX_READ))
            except DataLossError as e:  # keep what was decoded; raise once a record needs the rest
                self._stream_error = e
                break
            if not chunk:
                break
            pieces.append(chunk)
            avail += len(chunk)
        self._base += self._pos
        self._buf = b"".join(pieces)
        self._pos = 0
        return avail

    def _stream_failure(self):
        return DataLossError(None, None, "%s; reading record index %d at byte offset %d%s" % (
            self._stream_error.message, self._index, self._base + self._pos, self._where))

    def _damage(self, offset, reason, kind):
        message = "%s: %s record at byte offset %d%s (record index %d): %s" % (
            self.path, kind, offset, self._where, self._index, reason)
        if not self.skip_corrupt:
            raise DataLossError(None, None, message)
        self.skipped.append((self._index, offset, reason))
        self.num_skipped += 1
        self._index += 1

    def _generate(self):
        try:
            yield from self._read_all()
        except DataLossError as e:
            if not self.skip_corrupt:
                raise
            # The compressed stream itself is broken: nothing after this point can be trusted.
            self.skipped.append((self._index, self.offset, e.message))
            self.num_skipped += 1
        finally:
            if self._owns_file:  # done or failed: release the file without waiting for close()
                self._stream.close()
            if self.num_skipped:
                index, offset, reason = self.skipped[0]
                warnings.warn("%s: skipped %d corrupt record(s); the first at byte offset %d (record index %d): %s"
                              % (self.path, self.num_skipped, offset, index, reason), CorruptRecordWarning,
                              stacklevel=3)

    def _read_all(self):
        while True:
            buf, pos = self._buf, self._pos
            if len(buf) - pos < 12:
                avail = self._fill(12)
                buf, pos = self._buf, 0
                if avail < 12 and self._stream_error is not None:
                    raise self._stream_failure()
                if avail == 0:
                    return
                if avail < 12:
                    self._pos = len(buf)
                    self._damage(self._base, "truncated record header: the file ends %d bytes into the 12-byte "
                                 "header" % avail, "truncated")
                    return
            length, length_crc = _HEADER.unpack_from(buf, pos)
            if mask(crc32c(buf[pos:pos + 8])) != length_crc:
                offset = self._base + pos
                self._damage(offset, "length CRC mismatch (stored 0x%08x, computed 0x%08x)"
                             % (length_crc, mask(crc32c(buf[pos:pos + 8]))), "corrupted")
                self._pos = pos + 1
                self._resync()
                continue
            need = length + 16
            if self._size is not None and need > self._size - (self._base + pos):
                self._pos = pos + 1
                self._damage(self._base + pos, "truncated record: the header announces %d data bytes + 4 CRC "
                             "bytes but only %d bytes follow the header" % (
                                 length, self._size - (self._base + pos) - 12), "truncated")
                self._resync()
                continue
            if len(buf) - pos < need:
                avail = self._fill(need)
                buf, pos = self._buf, 0
                if avail < need and self._stream_error is not None:
                    raise self._stream_failure()
                if avail < need:
                    self._pos = len(buf)
                    self._damage(self._base, "truncated record: the header announces %d data bytes + 4 CRC bytes "
                                 "but only %d bytes follow the header" % (length, avail - 12), "truncated")
                    return
            end = pos + 12 + length
            data = buf[pos + 12:end]
            data_crc = _CRC.unpack_from(buf, end)[0]
            self._pos = end + 4
            if mask(crc32c(data)) != data_crc:
                self._damage(self._base + pos, "data CRC mismatch (stored 0x%08x, computed 0x%08x)"
                             % (data_crc, mask(crc32c(data))), "corrupted")
                continue
            self._index += 1
            self.num_records += 1
            yield data

    def _resync(self):
        """Advances to the next offset holding a header whose length CRC checks out."""
        while True:
            if self._fill(12) < 12:
                if self._stream_error is not None:
                    raise self._stream_failure()
                self._pos = len(self._buf)
                return
            buf = self._buf
            last = len(buf) - 12
            for p in range(self._pos, last + 1):
                if mask(crc32c(buf[p:p + 8])) == _CRC.unpack_from(buf, p + 8)[0]:
                    self._pos = p
                    return
            self._pos = last + 1


def tf_record_iterator(path, options=None):
    """Yields the records of a TFRecord file as ``bytes`` (``tf.io.tf_record_iterator``).

    Args:
        path: the file name.
        options: a ``TFRecordOptions`` or a compression string (``'GZIP'``...).

    Raises:
        DataLossError: a corrupt or truncated record (file, byte offset, record index).
    """
    reader = TFRecordFileReader(path, compression_type=options)
    try:
        yield from reader
    finally:
        reader.close()
