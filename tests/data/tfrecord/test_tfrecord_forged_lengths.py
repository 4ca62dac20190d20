"""Forged TFRecord length fields (with or without a matching CRC) give DataLossError, never MemoryError or
OverflowError: a length is trusted only after its CRC and up to the bytes left in the file (issue 14)."""
import gzip
import struct
import zlib

import numpy as np
import pytest

import kflow as kf
from kflow.data.tfrecord.crc import masked_crc32c
from kflow.data.tfrecord.chunks import tfrecord_chunks
from kflow.data.tfrecord.reader import TFRecordFileReader

HUGE = [2 ** 33, 2 ** 36, 2 ** 60, 2 ** 64 - 1]


def _framed(records):
    out = []
    for r in records:
        length = struct.pack("<Q", len(r))
        out += [length, struct.pack("<I", masked_crc32c(length)), r, struct.pack("<I", masked_crc32c(r))]
    return b"".join(out)


def _compress(data, compression):
    if compression == "GZIP":
        return gzip.compress(data, mtime=0)
    return zlib.compress(data) if compression == "ZLIB" else data


def _forge(data, offset, length, fix_crc):
    forged = bytearray(data)
    forged[offset:offset + 8] = struct.pack("<Q", length)
    if fix_crc:
        forged[offset + 8:offset + 12] = struct.pack("<I", masked_crc32c(bytes(forged[offset:offset + 8])))
    return bytes(forged)


def _read_all(path, compression):
    return [r for chunk in tfrecord_chunks(path, compression, 1 << 12) for r in chunk]


def test_forged_lengths_are_data_loss_in_every_reader(ram_tmp_path):
    rng = np.random.default_rng(6)
    path = str(ram_tmp_path / "forged.tfrecord")
    cases = 0
    for case in range(3000):
        n = int(rng.integers(1, 40))
        same = rng.random() < 0.5  # files of one record length take the block-framing path
        records = [bytes(rng.integers(0, 256, 20 if same else int(rng.integers(0, 60)), dtype=np.uint8))
                   for _ in range(n)]
        offsets = np.cumsum([0] + [len(r) + 16 for r in records])[:-1]
        victim = int(rng.integers(0, n))
        choice = rng.random()
        if choice < 0.4:
            length = HUGE[int(rng.integers(0, len(HUGE)))]
        elif choice < 0.7:
            length = int(rng.integers(0, 2 ** 63)) * 2 + int(rng.integers(0, 2))
        else:  # a little more or less than the truth
            length = len(records[victim]) + int(rng.integers(1, 100))
            if rng.random() < 0.5:
                length = max(0, 2 * len(records[victim]) - length) if len(records[victim]) else length
        compression = ["", "GZIP", "ZLIB"][case % 3]
        if case % 10 == 0:  # the intact file reads back whole (the bound must not cut real records)
            with open(path, "wb") as f:
                f.write(_compress(_framed(records), compression))
            assert _read_all(path, compression) == records
            assert list(TFRecordFileReader(path, compression_type=compression)) == records
        with open(path, "wb") as f:
            f.write(_compress(_forge(_framed(records), int(offsets[victim]), length, rng.random() < 0.8),
                              compression))
        with pytest.raises(kf.errors.DataLossError, match="forged.tfrecord"):
            _read_all(path, compression)
        if case % 8 == 0:
            with pytest.raises(kf.errors.DataLossError, match=r"record index %d" % victim):
                list(TFRecordFileReader(path, compression_type=compression))
        cases += 1
    assert cases == 3000


@pytest.mark.parametrize("length", HUGE)
def test_dataset_reports_the_forged_record_and_skip_mode_salvages_the_rest(tmp_path, length):
    records = [b"the record number %d" % i for i in range(20)]
    data = _framed(records)
    path = str(tmp_path / "a.tfrecord")
    with open(path, "wb") as f:
        f.write(_forge(data, 5 * (len(records[0]) + 16), length, fix_crc=True))
    with pytest.raises(kf.errors.DataLossError, match=r"a\.tfrecord.*offset %d.*record index 5.*announces %d"
                       % (5 * (len(records[0]) + 16), length)):
        list(kf.data.TFRecordDataset(path))
    with pytest.warns(UserWarning, match="skipped 1 corrupt record"):
        salvaged = [bytes(r) for r in kf.data.TFRecordDataset(path, skip_corrupt=True)]
    assert salvaged == records[:5] + records[6:]
