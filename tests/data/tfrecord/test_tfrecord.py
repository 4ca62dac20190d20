"""TFRecord framing: masked CRC vectors, exact bytes, compression, damage reports, skip mode, fuzzing."""
import gzip
import io
import os
import struct
import tempfile
import warnings
import zlib

import pytest
from hypothesis import given, settings, strategies as st

from kflow.data.tfrecord import (CorruptRecordWarning, TFRecordCompressionType, TFRecordOptions, TFRecordFileReader,
                                 TFRecordWriter, tf_record_iterator)
from kflow.data.tfrecord.crc import masked_crc32c, unmask
from kflow.errors import DataLossError, FailedPreconditionError, InvalidArgumentError, NotFoundError


def crc32c_bitwise(data):
    """CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), one bit at a time: independent of the C package."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def masked_reference(data):
    crc = crc32c_bitwise(data)
    return ((((crc >> 15) | (crc << 17)) & 0xFFFFFFFF) + 0xA282EAD8) & 0xFFFFFFFF


def test_masked_crc_known_vectors():
    assert crc32c_bitwise(b"123456789") == 0xE3069283  # the standard CRC-32C check value
    assert masked_crc32c(b"123456789") == 0xC78AB0E5  # ((c >> 15 | c << 17) + 0xa282ead8) mod 2**32
    assert masked_crc32c(b"") == 0xA282EAD8  # crc32c("") = 0, only the delta remains
    for data in (b"\x00" * 8, b"hello tfrecord", bytes(range(256))):
        assert masked_crc32c(data) == masked_reference(data)
        assert unmask(masked_crc32c(data)) == crc32c_bitwise(data)


def frame(data):
    length = struct.pack("<Q", len(data))
    return length + struct.pack("<I", masked_reference(length)) + data + struct.pack("<I", masked_reference(data))


def write(path, records, options=None):
    with TFRecordWriter(str(path), options) as writer:
        for record in records:
            writer.write(record)
    return str(path)


RECORDS = [b"", b"abc", b"\x00" * 1000, os.urandom(70000)]


def test_writer_bytes_are_exact(tmp_path):
    path = write(tmp_path / "a.tfrecord", RECORDS)
    with open(path, "rb") as f:
        assert f.read() == b"".join(frame(r) for r in RECORDS)
    assert list(tf_record_iterator(path)) == RECORDS


def test_known_record_bytes_from_the_format_spec(tmp_path):
    # The record b"123456789", worked out by hand from ARCHITECTURE.md's format section:
    #   length     = 9 as uint64 LE                   -> 09 00 00 00 00 00 00 00
    #   length CRC = crc32c(length) = 0x872fcb77 (bitwise reference above); masked:
    #                rot15 -> 0x96ef0e5f, + 0xa282ead8 = 0x3971f937 (mod 2**32) -> LE 37 f9 71 39
    #   data       = 31 32 33 34 35 36 37 38 39
    #   data CRC   = crc32c("123456789") = 0xe3069283 (the standard check value); masked:
    #                ((c >> 15) | (c << 17)) mod 2**32 = 0x2507c60d, + 0xa282ead8 = 0xc78ab0e5 -> LE e5 b0 8a c7
    expected = bytes.fromhex("0900000000000000" "37f97139" "313233343536373839" "e5b08ac7")
    assert crc32c_bitwise((9).to_bytes(8, "little")) == 0x872FCB77
    assert (((0x872FCB77 >> 15) | (0x872FCB77 << 17)) & 0xFFFFFFFF) + 0xA282EAD8 & 0xFFFFFFFF == 0x3971F937
    path = write(tmp_path / "known.tfrecord", [b"123456789"])
    assert open(path, "rb").read() == expected
    (tmp_path / "given.tfrecord").write_bytes(expected * 2)  # as TensorFlow would have written it
    assert list(tf_record_iterator(str(tmp_path / "given.tfrecord"))) == [b"123456789"] * 2


@pytest.mark.parametrize("options", ["GZIP", "ZLIB", TFRecordOptions("GZIP"),
                                     TFRecordOptions(TFRecordCompressionType.ZLIB, compression_level=9)])
def test_compressed_round_trip(tmp_path, options):
    path = write(tmp_path / "c.tfrecord", RECORDS * 3, options)
    name = TFRecordOptions.get_compression_type_string(options)
    with open(path, "rb") as f:
        raw = f.read()
    plain = gzip.decompress(raw) if name == "GZIP" else zlib.decompress(raw)
    assert plain == b"".join(frame(r) for r in RECORDS * 3)
    assert list(tf_record_iterator(path, options)) == RECORDS * 3
    with TFRecordFileReader(path, compression_type=name, buffer_size=4096) as reader:  # small reads
        assert list(reader) == RECORDS * 3
        assert reader.num_records == 12


def test_reads_concatenated_gzip_members_and_flushes(tmp_path):
    path = tmp_path / "m.tfrecord.gz"
    path.write_bytes(gzip.compress(frame(b"one")) + gzip.compress(frame(b"two")))
    assert list(tf_record_iterator(str(path), "GZIP")) == [b"one", b"two"]
    writer = TFRecordWriter(str(tmp_path / "f.gz"), "GZIP")
    writer.write(b"early")
    writer.flush()  # a sync flush: what is written so far is decodable
    assert zlib.decompressobj(31).decompress((tmp_path / "f.gz").read_bytes()) == frame(b"early")
    writer.close()
    with pytest.raises(FailedPreconditionError):
        writer.write(b"late")


def test_options_normalization():
    assert TFRecordOptions.get_compression_type_string(None) == ""
    assert TFRecordOptions.get_compression_type_string("gzip") == "GZIP"
    assert TFRecordOptions.get_compression_type_string(TFRecordCompressionType.NONE) == ""
    with pytest.raises(InvalidArgumentError):
        TFRecordOptions("LZ4")


def read_all(path, **kwargs):
    return list(TFRecordFileReader(path, **kwargs))


def damage(tmp_path, mutate):
    data = bytearray(b"".join(frame(r) for r in [b"first", b"second", b"third"]))
    mutate(data)
    path = tmp_path / "bad.tfrecord"
    path.write_bytes(bytes(data))
    return str(path)


# Records start at offsets 0, 21 (after 12 + 5 + 4) and 43 (after 12 + 6 + 4).
@pytest.mark.parametrize("mutate, fragments", [
    (lambda d: d.__setitem__(21 + 8, d[21 + 8] ^ 1), ["corrupted record at byte offset 21", "record index 1",
                                                      "length CRC mismatch"]),
    (lambda d: d.__setitem__(21 + 12, d[21 + 12] ^ 1), ["corrupted record at byte offset 21", "record index 1",
                                                        "data CRC mismatch"]),
    (lambda d: d.__delitem__(slice(43 + 5, None)), ["truncated record at byte offset 43", "record index 2",
                                                    "ends 5 bytes into the 12-byte header"]),
    (lambda d: d.__delitem__(slice(-2, None)), ["truncated record at byte offset 43", "record index 2",
                                                "announces 5 data bytes"]),
])
def test_damage_is_reported_with_file_offset_and_index(tmp_path, mutate, fragments):
    path = damage(tmp_path, mutate)
    with pytest.raises(DataLossError) as info:
        read_all(path)
    assert path in info.value.message
    for fragment in fragments:
        assert fragment in info.value.message


def test_skip_mode_counts_and_warns(tmp_path):
    path = damage(tmp_path, lambda d: d.__setitem__(21 + 12, d[21 + 12] ^ 1))  # bad data CRC in record 1
    reader = TFRecordFileReader(path, skip_corrupt=True)
    with pytest.warns(CorruptRecordWarning, match="skipped 1 corrupt record"):
        assert list(reader) == [b"first", b"third"]
    assert reader.num_skipped == 1 and reader.skipped[0][:2] == (1, 21)
    # A broken length field: the reader re-synchronizes on the next valid header.
    path = damage(tmp_path, lambda d: d.__setitem__(21, d[21] ^ 0x40))
    reader = TFRecordFileReader(path, skip_corrupt=True)
    with pytest.warns(CorruptRecordWarning):
        assert list(reader) == [b"first", b"third"]
    assert reader.num_skipped == 1
    # Truncated tail: counted, reading ends.
    path = damage(tmp_path, lambda d: d.__delitem__(slice(-2, None)))
    reader = TFRecordFileReader(path, skip_corrupt=True)
    with pytest.warns(CorruptRecordWarning):
        assert list(reader) == [b"first", b"second"]
    assert reader.num_skipped == 1 and "truncated" in reader.skipped[0][2]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # clean files warn about nothing
        assert read_all(write(tmp_path / "ok", [b"x"]), skip_corrupt=True) == [b"x"]


def test_compressed_damage(tmp_path):
    path = write(tmp_path / "z.gz", RECORDS, "GZIP")
    data = open(path, "rb").read()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataLossError, match="truncated GZIP stream"):
        read_all(str(tmp_path / "cut.gz"), compression_type="GZIP")
    with pytest.raises(DataLossError, match="corrupt ZLIB stream"):
        read_all(path, compression_type="ZLIB")  # a gzip file read as zlib
    reader = TFRecordFileReader(str(tmp_path / "cut.gz"), compression_type="GZIP", skip_corrupt=True)
    with pytest.warns(CorruptRecordWarning):
        assert list(reader) == RECORDS[:3]
    assert reader.num_skipped == 1


def test_missing_file_and_file_objects(tmp_path):
    with pytest.raises(NotFoundError):
        TFRecordFileReader(str(tmp_path / "nope"))
    with pytest.raises(NotFoundError):
        TFRecordWriter(str(tmp_path / "no" / "dir" / "x"))
    stream = io.BytesIO(frame(b"a") + frame(b"b"))
    assert list(TFRecordFileReader(stream)) == [b"a", b"b"]
    assert not stream.closed  # a caller's file object stays open


@settings(max_examples=300, deadline=None, database=None)
@given(st.binary(max_size=120), st.sampled_from(["", "GZIP", "ZLIB"]), st.booleans())
def test_fuzz_reader_gives_records_or_data_loss(data, compression, skip):
    stream = io.BytesIO(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", CorruptRecordWarning)
            records = list(TFRecordFileReader(stream, compression_type=compression, skip_corrupt=skip))
    except DataLossError as e:
        assert not skip and "<stream>" in e.message
        return
    assert all(isinstance(r, bytes) for r in records)


@settings(max_examples=100, deadline=None, database=None)
@given(st.lists(st.binary(max_size=300), max_size=8), st.sampled_from(["", "GZIP", "ZLIB"]))
def test_round_trip_property(records, compression):
    handle, path = tempfile.mkstemp(suffix=".tfrecord")
    os.close(handle)
    try:
        write(path, records, compression)
        assert list(tf_record_iterator(path, compression)) == records
    finally:
        os.remove(path)
