"""A small protobuf wire-format toolkit (encode and decode, no schema).

kflow writes and reads a handful of TensorFlow protos (``tf.train.Example``,
TensorBoard's ``Event`` / ``Summary`` / ``HistogramProto`` / ``GraphDef``)
without depending on the ``protobuf`` package. Each proto module builds its
messages from the ``field_*`` helpers below and decodes them with
:func:`iter_fields`. Fields must be written in field-number order by the
caller, which is what protobuf's own serializers do.

Example:
    >>> from kflow.proto import wire
    >>> msg = wire.field_double(1, 1.5) + wire.field_string(3, "brain.Event:2")
    >>> [(num, wt) for num, wt, _ in wire.iter_fields(msg)]
    [(1, 1), (3, 2)]
"""

import struct

import numpy as np

from kflow.errors import InvalidArgumentError

WIRE_VARINT = 0
WIRE_I64 = 1
WIRE_LEN = 2
WIRE_I32 = 5

_U64 = 0xFFFFFFFFFFFFFFFF
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_UINT32 = struct.Struct("<I")
_UINT64 = struct.Struct("<Q")


class DecodeError(InvalidArgumentError, ValueError):
    """Raised for malformed protobuf bytes; the message names the byte offset.

    It is an :class:`~kflow.errors.InvalidArgumentError` (what TF's parse ops
    raise on bad input) and a ``ValueError`` (what plain Python code expects).
    """

    def __init__(self, message, offset=None):
        if offset is not None:
            message = "%s (at byte offset %d)" % (message, offset)
        super().__init__(None, None, message)
        self.offset = offset


# --------------------------------------------------------------------------- encoding

def encode_varint(value):
    """Encodes an integer as a base-128 varint.

    Negative values are written as their 64-bit two's complement (10 bytes),
    as protobuf does for ``int64`` / ``int32`` fields.

    Example:
        >>> encode_varint(300)
        b'\\xac\\x02'
    """
    value = int(value)
    if 0 <= value < 0x80:
        return _ONE_BYTE[value]
    if value < 0:
        if value < -(1 << 63):
            raise ValueError("Value out of range for int64: %d" % value)
        value &= _U64
    elif value > _U64:
        raise ValueError("Value out of range for uint64: %d" % value)
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


_ONE_BYTE = [bytes((i,)) for i in range(128)]  # serializing is dominated by tiny varints
_TAGS = {}


def encode_tag(field_number, wire_type):
    """Encodes a field key: ``(field_number << 3) | wire_type`` as a varint."""
    key = (field_number << 3) | wire_type
    tag = _TAGS.get(key)
    if tag is None:
        tag = encode_varint(key)
        if len(_TAGS) < 4096:
            _TAGS[key] = tag
    return tag


def field_varint(field_number, value):
    """A varint field (``int32``, ``int64``, ``uint64``, ``bool``, ``enum``)."""
    return encode_tag(field_number, WIRE_VARINT) + encode_varint(value)


def field_bool(field_number, value):
    """A ``bool`` field."""
    return field_varint(field_number, 1 if value else 0)


def field_fixed32(field_number, value):
    """A ``fixed32`` field (unsigned, little endian)."""
    return encode_tag(field_number, WIRE_I32) + _UINT32.pack(value & 0xFFFFFFFF)


def field_fixed64(field_number, value):
    """A ``fixed64`` field (unsigned, little endian)."""
    return encode_tag(field_number, WIRE_I64) + _UINT64.pack(value & _U64)


def field_float(field_number, value):
    """A ``float`` field (IEEE single, little endian)."""
    return encode_tag(field_number, WIRE_I32) + _FLOAT.pack(value)


def field_double(field_number, value):
    """A ``double`` field (IEEE double, little endian)."""
    return encode_tag(field_number, WIRE_I64) + _DOUBLE.pack(value)


def field_bytes(field_number, data):
    """A length-delimited field: ``bytes``, or an already serialized sub-message."""
    if type(data) is not bytes:
        data = bytes(data)
    n = len(data)
    return encode_tag(field_number, WIRE_LEN) + (_ONE_BYTE[n] if n < 0x80 else encode_varint(n)) + data


field_message = field_bytes


def field_string(field_number, text):
    """A ``string`` field (UTF-8)."""
    return field_bytes(field_number, text.encode("utf-8") if isinstance(text, str) else text)


def pack_varints(values):
    """The payload of a packed repeated varint field (no tag, no length)."""
    values = values.tolist() if isinstance(values, np.ndarray) else list(values)
    try:
        # Small non-negative values (labels, ids) are one byte each: bytes() is exact.
        data = bytes(values)
    except (ValueError, TypeError):
        data = None
    if data is not None and (not data or max(data) < 0x80):
        return data
    return b"".join([encode_varint(v) for v in values])


def pack_floats(values):
    """The payload of a packed repeated ``float`` field."""
    return np.asarray(values, dtype="<f4").tobytes()


def pack_doubles(values):
    """The payload of a packed repeated ``double`` field."""
    return np.asarray(values, dtype="<f8").tobytes()


def field_packed_varints(field_number, values):
    """A packed repeated varint field; empty lists write nothing (proto3)."""
    return field_bytes(field_number, pack_varints(values)) if len(values) else b""


def field_packed_floats(field_number, values):
    """A packed repeated ``float`` field; empty lists write nothing (proto3)."""
    return field_bytes(field_number, pack_floats(values)) if len(values) else b""


def field_packed_doubles(field_number, values):
    """A packed repeated ``double`` field; empty lists write nothing (proto3)."""
    return field_bytes(field_number, pack_doubles(values)) if len(values) else b""


# --------------------------------------------------------------------------- decoding

def decode_varint(buf, pos, end=None):
    """Reads one varint from ``buf[pos:end]``; returns ``(value, new_pos)``.

    The value is unsigned (up to 64 bits); use :func:`to_int64` for signed.

    Raises:
        DecodeError: the varint runs past ``end`` or is longer than 10 bytes.
    """
    if end is None:
        end = len(buf)
    start = pos
    result = 0
    shift = 0
    while pos < end:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result & _U64, pos
        shift += 7
        if shift >= 70:
            raise DecodeError("varint longer than 10 bytes", start)
    raise DecodeError("truncated varint", start)


def to_int64(value):
    """Reinterprets an unsigned 64-bit varint value as a signed ``int64``."""
    return value - (1 << 64) if value >= (1 << 63) else value


def to_float(value):
    """Reinterprets a ``fixed32`` value (as yielded by :func:`iter_fields`) as a float."""
    return _FLOAT.unpack(_UINT32.pack(value))[0]


def to_double(value):
    """Reinterprets a ``fixed64`` value (as yielded by :func:`iter_fields`) as a double."""
    return _DOUBLE.unpack(_UINT64.pack(value))[0]


def skip_field(buf, pos, end, wire_type, field_number=0):
    """Skips the value of a field whose key was just read; returns the new position.

    Raises:
        DecodeError: the value is truncated or the wire type is unsupported.
    """
    if wire_type == WIRE_VARINT:
        return decode_varint(buf, pos, end)[1]
    if wire_type == WIRE_LEN:
        length, start = decode_varint(buf, pos, end)
        if length > end - start:
            raise DecodeError("length %d of field %d runs past the end of the message (%d bytes left)"
                              % (length, field_number, end - start), pos)
        return start + length
    size = 4 if wire_type == WIRE_I32 else 8 if wire_type == WIRE_I64 else 0
    if not size:
        raise DecodeError("bad wire type %d for field %d" % (wire_type, field_number), pos)
    if pos + size > end:
        raise DecodeError("truncated fixed%d field %d" % (size * 8, field_number), pos)
    return pos + size


def iter_fields(buf, start=0, end=None):
    """Walks the fields of one serialized message.

    Yields ``(field_number, wire_type, value)`` where ``value`` is an ``int``
    for varint, fixed32 and fixed64 fields (unsigned raw bits: see
    :func:`to_int64`, :func:`to_float`, :func:`to_double`) and ``bytes`` for
    length-delimited fields (strings, bytes, sub-messages, packed arrays).

    Example:
        >>> list(iter_fields(b"\\x08\\x96\\x01"))
        [(1, 0, 150)]

    Raises:
        DecodeError: truncated varint, length past the end, field number 0,
            or an unsupported wire type (groups, 6, 7); the message names the
            byte offset.
    """
    if end is None:
        end = len(buf)
    pos = start
    while pos < end:
        tag_pos = pos
        key, pos = decode_varint(buf, pos, end)
        field_number, wire_type = key >> 3, key & 7
        if field_number == 0:
            raise DecodeError("invalid field number 0", tag_pos)
        if wire_type == WIRE_VARINT:
            value, pos = decode_varint(buf, pos, end)
        elif wire_type == WIRE_LEN:
            length, pos = decode_varint(buf, pos, end)
            if length > end - pos:
                raise DecodeError("length %d of field %d runs past the end of the message (%d bytes left)"
                                  % (length, field_number, end - pos), tag_pos)
            value = bytes(buf[pos:pos + length])
            pos += length
        elif wire_type == WIRE_I32:
            if pos + 4 > end:
                raise DecodeError("truncated fixed32 field %d" % field_number, tag_pos)
            value = _UINT32.unpack_from(buf, pos)[0]
            pos += 4
        elif wire_type == WIRE_I64:
            if pos + 8 > end:
                raise DecodeError("truncated fixed64 field %d" % field_number, tag_pos)
            value = _UINT64.unpack_from(buf, pos)[0]
            pos += 8
        else:
            raise DecodeError("bad wire type %d for field %d" % (wire_type, field_number), tag_pos)
        yield field_number, wire_type, value


def unpack_varints(payload):
    """Decodes a packed varint payload into an ``int64`` numpy array (vectorized).

    Example:
        >>> unpack_varints(b"\\x01\\xac\\x02").tolist()
        [1, 300]
    """
    raw = np.frombuffer(payload, dtype=np.uint8)
    if raw.size == 0:
        return np.zeros(0, np.int64)
    ends = raw < 0x80
    if ends.all():
        return raw.astype(np.int64)
    if not ends[-1]:
        raise DecodeError("truncated varint in packed field", int(raw.size - 1))
    stops = np.flatnonzero(ends)
    starts = np.empty_like(stops)
    starts[0] = 0
    starts[1:] = stops[:-1] + 1
    if (stops - starts).max() >= 10:
        raise DecodeError("varint longer than 10 bytes in packed field",
                          int(starts[np.argmax(stops - starts)]))
    # Byte j of each varint contributes (b & 0x7f) << 7j; uint64 shifts drop the
    # bits above 63, which is exactly two's complement for 10-byte negatives.
    within = np.arange(raw.size) - np.repeat(starts, stops - starts + 1)
    parts = (raw & 0x7F).astype(np.uint64) << (7 * within).astype(np.uint64)
    return np.add.reduceat(parts, starts).view(np.int64)


def unpack_floats(payload):
    """Decodes a packed ``float`` payload into a ``float32`` numpy array."""
    if len(payload) % 4:
        raise DecodeError("packed float payload of %d bytes is not a multiple of 4" % len(payload))
    return np.frombuffer(payload, dtype="<f4").astype(np.float32)


def unpack_doubles(payload):
    """Decodes a packed ``double`` payload into a ``float64`` numpy array."""
    if len(payload) % 8:
        raise DecodeError("packed double payload of %d bytes is not a multiple of 8" % len(payload))
    return np.frombuffer(payload, dtype="<f8").astype(np.float64)


def fields_dict(buf):
    """Groups a message's fields by number: ``{field_number: [value, ...]}``.

    Handy for small messages (events, summaries) where every field is read.
    """
    out = {}
    for num, _, value in iter_fields(buf):
        out.setdefault(num, []).append(value)
    return out
