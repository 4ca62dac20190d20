"""Protobuf wire format: byte vectors from the protobuf encoding spec, decoding, and errors."""
import struct

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from kflow.errors import InvalidArgumentError
from kflow.proto import wire
from kflow.proto.wire import DecodeError

INT64 = st.integers(min_value=-(1 << 63), max_value=(1 << 63) - 1)


@pytest.mark.parametrize("value, expected", [
    (0, b"\x00"),
    (1, b"\x01"),
    (127, b"\x7f"),
    (128, b"\x80\x01"),
    (150, b"\x96\x01"),  # the protobuf docs' example
    (300, b"\xac\x02"),
    ((1 << 63) - 1, b"\xff" * 8 + b"\x7f"),
    (-1, b"\xff" * 9 + b"\x01"),  # negative int64: 10 bytes of two's complement
    (-(1 << 63), b"\x80" * 9 + b"\x01"),
])
def test_encode_varint_vectors(value, expected):
    assert wire.encode_varint(value) == expected
    decoded, end = wire.decode_varint(expected, 0)
    assert end == len(expected)
    assert wire.to_int64(decoded) == value


def test_encode_varint_rejects_out_of_range():
    with pytest.raises(ValueError):
        wire.encode_varint(1 << 64)
    with pytest.raises(ValueError):
        wire.encode_varint(-(1 << 63) - 1)


def test_field_helpers_bytes():
    assert wire.encode_tag(1, wire.WIRE_LEN) == b"\x0a"
    assert wire.encode_tag(16, wire.WIRE_VARINT) == b"\x80\x01"
    assert wire.field_varint(2, 7) == b"\x10\x07"
    assert wire.field_bool(3, True) == b"\x18\x01"
    assert wire.field_double(1, 1.0) == b"\x09" + struct.pack("<d", 1.0)
    assert wire.field_float(2, 0.5) == b"\x15" + struct.pack("<f", 0.5)
    assert wire.field_fixed32(1, 0xDEADBEEF) == b"\x0d\xef\xbe\xad\xde"
    assert wire.field_fixed64(1, 1) == b"\x09" + b"\x01" + b"\x00" * 7
    assert wire.field_string(2, "testing") == b"\x12\x07testing"  # protobuf docs' example
    assert wire.field_bytes(4, b"") == b"\x22\x00"
    assert wire.field_packed_varints(4, [3, 270, 86942]) == b"\x22\x06\x03\x8e\x02\x9e\xa7\x05"  # docs' example
    assert wire.field_packed_varints(4, []) == b""
    assert wire.field_packed_floats(1, [1.0]) == b"\x0a\x04\x00\x00\x80\x3f"
    assert wire.field_packed_doubles(6, [0.0, 2.0]) == b"\x32\x10" + struct.pack("<2d", 0.0, 2.0)


def test_iter_fields_decodes_every_wire_type():
    msg = (wire.field_varint(1, 150) + wire.field_double(2, 2.5) + wire.field_string(3, "hi")
           + wire.field_float(4, -1.5) + wire.field_varint(200, -2))
    fields = list(wire.iter_fields(msg))
    assert [(n, t) for n, t, _ in fields] == [(1, 0), (2, 1), (3, 2), (4, 5), (200, 0)]
    assert fields[0][2] == 150
    assert wire.to_double(fields[1][2]) == 2.5
    assert fields[2][2] == b"hi"
    assert wire.to_float(fields[3][2]) == -1.5
    assert wire.to_int64(fields[4][2]) == -2
    assert wire.fields_dict(msg + wire.field_varint(1, 3))[1] == [150, 3]


@pytest.mark.parametrize("data, fragment, offset", [
    (b"\x08\x96", "truncated varint", 1),
    (b"\x08" + b"\xff" * 11, "longer than 10 bytes", 1),
    (b"\x12\x05abc", "runs past the end", 0),
    (b"\x08\x01\x1b", "bad wire type 3", 2),
    (b"\x0e\x00", "bad wire type 6", 0),
    (b"\x0d\x00\x00", "truncated fixed32", 0),
    (b"\x09\x00", "truncated fixed64", 0),
    (b"\x00\x01", "field number 0", 0),
])
def test_iter_fields_errors_name_the_offset(data, fragment, offset):
    with pytest.raises(DecodeError) as info:
        list(wire.iter_fields(data))
    assert fragment in info.value.message
    assert "offset %d" % offset in info.value.message
    assert info.value.offset == offset
    assert isinstance(info.value, InvalidArgumentError) and isinstance(info.value, ValueError)


def test_skip_field_and_bounded_iteration():
    msg = b"\xff" + wire.field_varint(1, 5) + wire.field_bytes(2, b"abc") + b"\xff"
    assert list(wire.iter_fields(msg, 1, len(msg) - 1)) == [(1, 0, 5), (2, 2, b"abc")]
    assert wire.skip_field(msg, 4, len(msg), wire.WIRE_LEN) == 8  # value of field 2 starts at 4


def test_unpack_varints_matches_scalar_decoding():
    values = [0, 1, 127, 128, 300, -1, (1 << 63) - 1, -(1 << 63), 5]
    payload = wire.pack_varints(values)
    np.testing.assert_array_equal(wire.unpack_varints(payload), np.array(values, np.int64))
    assert wire.unpack_varints(b"").dtype == np.int64
    with pytest.raises(DecodeError, match="truncated"):
        wire.unpack_varints(b"\x01\x80")
    with pytest.raises(DecodeError, match="longer than 10"):
        wire.unpack_varints(b"\xff" * 11 + b"\x01")


def test_unpack_floats_and_doubles():
    np.testing.assert_array_equal(wire.unpack_floats(wire.pack_floats([1.5, -2])), [1.5, -2])
    np.testing.assert_array_equal(wire.unpack_doubles(wire.pack_doubles([0.1])), [0.1])
    with pytest.raises(DecodeError, match="multiple of 4"):
        wire.unpack_floats(b"\x00" * 5)
    with pytest.raises(DecodeError, match="multiple of 8"):
        wire.unpack_doubles(b"\x00" * 12)


@settings(max_examples=200, deadline=None, database=None)
@given(st.lists(INT64, max_size=40))
def test_packed_varints_round_trip(values):
    assert wire.unpack_varints(wire.pack_varints(values)).tolist() == values
    payload = b"".join(wire.encode_varint(v) for v in values)
    assert payload == wire.pack_varints(values)


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=64))
def test_iter_fields_on_random_bytes_only_raises_decode_error(data):
    try:
        fields = list(wire.iter_fields(data))
    except DecodeError as e:
        assert "offset" in e.message
        return
    # Whatever decoded must re-encode to bytes that decode the same way.
    assert all(num > 0 and wt in (0, 1, 2, 5) for num, wt, _ in fields)
