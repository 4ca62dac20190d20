"""Low-level decoding of serialized ``tf.train.Example`` bytes (no message objects).

The proto (``tensorflow/core/example/{example,feature}.proto``)::

    Example  { Features features = 1; }
    Features { map<string, Feature> feature = 1; }    // entry {1: key, 2: value}
    Feature  { oneof kind { BytesList bytes_list = 1; FloatList float_list = 2;
                            Int64List int64_list = 3; } }
    BytesList { repeated bytes value = 1; }
    FloatList { repeated float value = 1 [packed = true]; }
    Int64List { repeated int64 value = 1 [packed = true]; }

:func:`index_example` locates every feature's list body without decoding
it, so a parser only pays for the features it asks for. Protobuf merge rules
hold: repeated ``features`` fields and repeated map-entry values merge,
a later entry with the same key wins, and of two different ``kind`` fields
the later wins.

Example:
    >>> idx = index_example(serialized)
    >>> kind, data, start, end = idx[b"label"]
    >>> decode_int64_list(data, start, end)
    array([7])
"""

import struct

import numpy as np

from kflow.proto.wire import DecodeError, decode_varint, skip_field, unpack_floats, unpack_varints

_FLOAT = struct.Struct("<f")
EMPTY_FLOATS = np.zeros(0, np.float32)
EMPTY_INT64S = np.zeros(0, np.int64)


def span(buf, pos, end):
    """Reads the length prefix at ``pos``; returns ``(payload_start, payload_end)``."""
    if pos < end:
        n = buf[pos]
        if n < 0x80:
            start = pos + 1
        else:
            n, start = decode_varint(buf, pos, end)
        stop = start + n
        if stop <= end:
            return start, stop
        raise DecodeError("length %d runs past the end of the message (%d bytes left)" % (n, end - start), pos)
    raise DecodeError("truncated length prefix", pos)


def skip(buf, pos, end):
    """Skips one whole field (key and value) starting at ``pos``."""
    key, value_pos = decode_varint(buf, pos, end)
    if key >> 3 == 0:
        raise DecodeError("invalid field number 0", pos)
    return skip_field(buf, value_pos, end, key & 7, key >> 3)


def index_example(buf):
    """Maps each feature key (``bytes``) to ``(kind, data, start, end)``.

    ``kind`` is the ``Feature.kind`` field number (1 bytes, 2 float, 3 int64;
    0 for an empty ``Feature``) and ``data[start:end]`` is the serialized list
    message. ``data`` is ``buf`` itself except where protobuf merging had to
    build new bytes.

    Raises:
        DecodeError: the bytes are not a well-formed message.
    """
    out = {}
    end = len(buf)
    pos = 0
    while pos < end:
        if buf[pos] == 0x0A:
            start, pos = span(buf, pos + 1, end)
            _index_features(buf, start, pos, out)
        else:
            pos = skip(buf, pos, end)
    return out


def _index_features(buf, pos, end, out):
    while pos < end:
        if buf[pos] == 0x0A:
            start, pos = span(buf, pos + 1, end)
            key, value = _map_entry(buf, start, pos)
            out[key] = value
        else:
            pos = skip(buf, pos, end)


def _map_entry(buf, pos, end):
    key = b""
    value = None
    pieces = None  # a repeated value field merges: protobuf concatenates the messages
    while pos < end:
        tag = buf[pos]
        if tag == 0x0A:
            start, pos = span(buf, pos + 1, end)
            key = buf[start:pos]
        elif tag == 0x12:
            start, pos = span(buf, pos + 1, end)
            if value is not None:
                pieces = (pieces or [buf[value[0]:value[1]]]) + [buf[start:pos]]
            value = (start, pos)
        else:
            pos = skip(buf, pos, end)
    if pieces:
        merged = b"".join(pieces)
        return key, feature_kind(merged, 0, len(merged))
    if value is None:
        return key, (0, buf, 0, 0)
    return key, feature_kind(buf, value[0], value[1])


def feature_kind(buf, pos, end):
    """Decodes a serialized ``Feature``'s oneof: ``(kind, data, start, end)``."""
    kind, start, stop, pieces = 0, 0, 0, None
    while pos < end:
        tag = buf[pos]
        if tag == 0x0A or tag == 0x12 or tag == 0x1A:
            s, pos = span(buf, pos + 1, end)
            if tag >> 3 == kind:  # the same list twice: merge by concatenation
                pieces = (pieces or [buf[start:stop]]) + [buf[s:pos]]
            else:  # a different oneof member replaces the earlier one
                pieces = None
            kind, start, stop = tag >> 3, s, pos
        else:
            pos = skip(buf, pos, end)
    if pieces:
        merged = b"".join(pieces)
        return kind, merged, 0, len(merged)
    return kind, buf, start, stop


def packed_payload(data, start, end):
    """``(start, end)`` of the payload if the list is one packed field, else ``None``."""
    if start < end and data[start] == 0x0A:
        s, e = span(data, start + 1, end)
        if e == end:
            return s, e
    return None


def decode_float_list(data, start, end):
    """Decodes a ``FloatList`` body into a ``float32`` array (packed or not)."""
    if start == end:
        return EMPTY_FLOATS
    payload = packed_payload(data, start, end)
    if payload is not None:
        s, e = payload
        if (e - s) % 4:
            raise DecodeError("packed float list of %d bytes is not a multiple of 4" % (e - s), s)
        return np.frombuffer(data, "<f4", (e - s) // 4, s)
    chunks, singles = [], []
    pos = start
    while pos < end:
        key, vpos = decode_varint(data, pos, end)
        if key == 0x0D:  # field 1, fixed32: one unpacked float
            if vpos + 4 > end:
                raise DecodeError("truncated float value", pos)
            singles.append(_FLOAT.unpack_from(data, vpos)[0])
            pos = vpos + 4
        elif key == 0x0A:
            s, pos = span(data, vpos, end)
            chunks.append(np.array(singles, np.float32))
            singles = []
            chunks.append(unpack_floats(data[s:pos]))
        else:
            pos = skip(data, pos, end)
    chunks.append(np.array(singles, np.float32))
    return np.concatenate(chunks)


def decode_int64_list(data, start, end):
    """Decodes an ``Int64List`` body into an ``int64`` array (packed or not)."""
    if start == end:
        return EMPTY_INT64S
    payload = packed_payload(data, start, end)
    if payload is not None:
        s, e = payload
        if e - s <= 8:  # a handful of values (labels, ids): plain Python beats numpy setup
            values = []
            while s < e:
                v, s = decode_varint(data, s, e)
                values.append(v - (1 << 64) if v >= (1 << 63) else v)
            return np.array(values, np.int64)
        return unpack_varints(data[s:e])
    chunks, singles = [], []
    pos = start
    while pos < end:
        key, vpos = decode_varint(data, pos, end)
        if key == 0x08:  # field 1, varint: one unpacked value
            v, pos = decode_varint(data, vpos, end)
            singles.append(v - (1 << 64) if v >= (1 << 63) else v)
        elif key == 0x0A:
            s, pos = span(data, vpos, end)
            chunks.append(np.array(singles, np.int64))
            singles = []
            chunks.append(unpack_varints(data[s:pos]))
        else:
            pos = skip(data, pos, end)
    chunks.append(np.array(singles, np.int64))
    return np.concatenate(chunks)


def decode_bytes_list(data, start, end):
    """Decodes a ``BytesList`` body into a list of ``bytes``."""
    out = []
    pos = start
    while pos < end:
        if data[pos] == 0x0A:
            s, pos = span(data, pos + 1, end)
            out.append(data[s:pos])
        else:
            pos = skip(data, pos, end)
    return out


DECODERS = {1: decode_bytes_list, 2: decode_float_list, 3: decode_int64_list}

