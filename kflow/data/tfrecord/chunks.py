"""TFRecord files read as lists of records, with the CRC checks done a block of records at a time.

Record framing (``uint64 length | uint32 masked_crc32c(length) | data |
uint32 masked_crc32c(data)``) chains each record's offset to the previous
length, but files written by one program mostly hold records of one length
(MNIST: every Example has 784 image bytes and a 1-byte label). So for each
piece of the file read, the reader guesses that the next records all have
the first one's length, checks that guess for all of them at once with a
numpy view of the length fields, verifies the (identical) length CRCs with
one comparison and the data CRCs with one C call per record plus one
vectorized masking, and cuts the records out with one slice each. Records
of other lengths are framed one by one.

Damage is reported by :class:`kflow.data.tfrecord.reader.TFRecordFileReader`:
the valid records before it are returned, then the file is read again by
that reader, which raises its DataLossError naming file, offset and index.

Example:
    >>> for records in tfrecord_chunks("train.tfrecord", "", 1 << 20):
    ...     print(len(records))
"""
import os
import struct

import numpy as np

from kflow.data.tfrecord.compression import InflateReader
from kflow.data.tfrecord.crc import MASK_DELTA, crc32c, masked_crc32c
from kflow.data.tfrecord.reader import MAX_READ, TFRecordFileReader
from kflow.errors import DataLossError, NotFoundError

_HEADER = struct.Struct("<QI")
_CRC = struct.Struct("<I")
_MIN_BLOCK = 8  # fewer same-length records than this: frame them one by one
_BACKOFF = 64  # after a failed block guess, records framed singly before guessing again


class _Damaged(Exception):
    """A CRC mismatch in the current piece (the records before it are already collected)."""


def _masked(crcs):
    c = crcs.astype(np.uint64)
    return ((((c >> np.uint64(15)) | (c << np.uint64(17))) + np.uint64(MASK_DELTA)) & np.uint64(0xFFFFFFFF)).astype(
        np.uint32)


def _u32_column(rows, start):
    return np.ascontiguousarray(rows[:, start:start + 4]).view("<u4")[:, 0]


def _block(buf, pos, records):
    """Frames a run of same-length records at ``pos``.

    Returns the new position, ``pos`` when the piece holds too few records for a block, or -1 when
    the records at ``pos`` do not share a length (then a while of one-by-one framing follows).
    """
    length = _HEADER.unpack_from(buf, pos)[0]
    step = length + 16
    count = (len(buf) - pos) // step
    if count < _MIN_BLOCK:
        return pos
    rows = np.frombuffer(buf, np.uint8, count=count * step, offset=pos).reshape(count, step)
    lengths = np.ascontiguousarray(rows[:, :8]).view("<u8")[:, 0]
    same = lengths == length
    run = count if same.all() else int(np.argmin(same))
    if run < _MIN_BLOCK:
        return -1
    rows = rows[:run]
    if not (_u32_column(rows, 8) == masked_crc32c(buf[pos:pos + 8])).all():
        return -1  # let the one-by-one path find the damaged header
    ends = range(pos + 12, pos + 12 + run * step, step)
    chunk = [buf[e:e + length] for e in ends]
    ok = _masked(np.fromiter(map(crc32c, chunk), np.uint32, run)) == _u32_column(rows, step - 4)
    if not ok.all():
        bad = int(np.argmin(ok))
        records.extend(chunk[:bad])
        raise _Damaged()
    records.extend(chunk)
    return pos + run * step


def _single(buf, pos, records):
    """Frames one record at ``pos``; returns the new position (``pos`` when the record is incomplete)."""
    if len(buf) - pos < 12:
        return pos
    length, length_crc = _HEADER.unpack_from(buf, pos)
    if masked_crc32c(buf[pos:pos + 8]) != length_crc:
        raise _Damaged()
    end = pos + 12 + length
    if end + 4 > len(buf):
        return pos
    data = buf[pos + 12:end]
    if masked_crc32c(data) != _CRC.unpack_from(buf, end)[0]:
        raise _Damaged()
    records.append(data)
    return end + 4


def _split(buf, state):
    """(the valid complete records at the start of ``buf``, the bytes they use, whether damage follows)."""
    records, pos = [], 0
    try:
        while len(buf) - pos >= 12:
            if state["single"] <= 0:
                new = _block(buf, pos, records)
                if new > pos:
                    pos = new
                    continue
                if new < 0:
                    state["single"] = _BACKOFF
            new = _single(buf, pos, records)
            if new == pos:
                break
            state["single"] -= 1
            pos = new
    except _Damaged:
        return records, pos, True
    return records, pos, False


def _next_need(buf):
    """Bytes needed before the first record of ``buf`` is complete (12 while its length is unchecked: a
    forged length with a bad CRC is then found by ``_split``)."""
    if len(buf) < 12:
        return 12
    length, length_crc = _HEADER.unpack_from(buf, 0)
    return length + 16 if masked_crc32c(buf[:8]) == length_crc else 12


def _raise_exact(path, compression, failed_index):
    """Re-reads the file with TFRecordFileReader so its DataLossError describes the damage."""
    reader = TFRecordFileReader(path, compression_type=compression)
    try:
        for _ in reader:
            pass
    finally:
        reader.close()
    raise DataLossError(None, None, "%s: corrupted record at index %d" % (path, failed_index))


def tfrecord_chunks(path, compression, buffer_size=1 << 20):
    """Yields lists of the records (``bytes``) of one TFRecord file, CRC-checked.

    Raises:
        DataLossError: a corrupt or truncated record (file, byte offset, record index).
        NotFoundError: the file does not exist.
    """
    try:
        raw = open(path, "rb", buffering=0)
    except FileNotFoundError:
        raise NotFoundError(None, None, "%s; No such file or directory" % path) from None
    stream = InflateReader(raw, compression, path) if compression else raw
    # a length field is only trusted up to the bytes the file has left (a forged 2**60 is no allocation)
    left = None if compression else os.fstat(raw.fileno()).st_size
    buf, index, state = b"", 0, {"single": 0}
    try:
        while True:
            need = _next_need(buf) - len(buf)
            if left is not None and buf and need > left:
                _raise_exact(path, compression, index)  # the record runs past the end of the file
            try:
                piece = stream.read(min(max(buffer_size, need), MAX_READ))
            except DataLossError:  # a broken compressed stream: the reader reports where
                piece, damaged = b"", True
            else:
                damaged = False
            buf = buf + piece if buf else piece
            if left is not None:
                left -= len(piece)
            records, used, bad = _split(buf, state)
            if records:
                index += len(records)
                yield records
            if damaged or bad or (not piece and used < len(buf)):
                _raise_exact(path, compression, index)
            if not piece:
                return
            buf = buf[used:]
    finally:
        stream.close()
