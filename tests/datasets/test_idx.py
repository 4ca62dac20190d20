"""IDX reading/writing and the errors on malformed bytes."""
import gzip
import struct

import numpy as np
import pytest

from kflow import errors
from kflow.datasets import idx


@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
@pytest.mark.parametrize("suffix", ["", ".gz"])
def test_roundtrip(tmp_path, dtype, suffix):
    array = (np.arange(2 * 3 * 4) - 5).reshape(2, 3, 4).astype(dtype)
    path = tmp_path / f"a-idx3{suffix}"
    idx.write_idx(path, array)
    assert (path.read_bytes()[:2] == b"\x1f\x8b") == (suffix == ".gz")
    out = idx.read_idx(path)
    assert out.dtype == np.dtype(dtype) and out.dtype.isnative
    np.testing.assert_array_equal(out, array)
    out[0, 0, 0] = 1  # callers get a writable array


def test_known_bytes():
    data = b"\x00\x00\x08\x02" + struct.pack(">II", 2, 3) + bytes(range(6))
    np.testing.assert_array_equal(idx.parse_idx(data), np.arange(6, dtype=np.uint8).reshape(2, 3))
    assert idx.encode_idx(np.arange(6, dtype=np.uint8).reshape(2, 3)) == data
    # Big-endian payload: 0x0102 == 258.
    assert idx.parse_idx(b"\x00\x00\x0b\x01\x00\x00\x00\x01\x01\x02")[0] == 258


def test_compression_detected_by_content_not_name(tmp_path):
    array = np.arange(10, dtype=np.uint8)
    raw_named_gz = tmp_path / "raw.gz"
    raw_named_gz.write_bytes(idx.encode_idx(array))
    gz_named_raw = tmp_path / "gz-idx1-ubyte"
    gz_named_raw.write_bytes(gzip.compress(idx.encode_idx(array)))
    np.testing.assert_array_equal(idx.read_idx(raw_named_gz), array)
    np.testing.assert_array_equal(idx.read_idx(gz_named_raw), array)


GOOD = b"\x00\x00\x08\x01\x00\x00\x00\x04" + b"\x01\x02\x03\x04"


@pytest.mark.parametrize("data, words", [
    (b"\x00\x00", "too short"),
    (b"\x08\x03\x08\x01" + GOOD[4:], "not an IDX file"),
    (b"\x00\x00\x07\x01" + GOOD[4:], "unknown IDX type code 0x07"),
    (b"\x00\x00\x08\x03\x00\x00\x00\x04", "declares 3 dimensions"),
    (GOOD[:-1], "needs 4 data bytes but the file holds 3"),
    (GOOD + b"\x00", "holds 5"),
    (gzip.compress(GOOD)[:-6], "corrupt or truncated gzip"),
    (b"\x1f\x8b" + b"garbage" * 3, "corrupt or truncated gzip"),
])
def test_malformed_bytes_raise_naming_the_file(tmp_path, data, words):
    path = tmp_path / "broken-idx1-ubyte"
    path.write_bytes(data)
    with pytest.raises(idx.IdxFormatError) as info:
        idx.read_idx(path)
    assert words in str(info.value)
    assert str(path) in str(info.value)
    # Catchable the TF way and the plain-Python way.
    assert isinstance(info.value, errors.DataLossError)
    assert isinstance(info.value, ValueError)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        idx.read_idx(tmp_path / "nope")


def test_encode_rejects_unsupported_dtype():
    with pytest.raises(ValueError, match="cannot store dtype int64"):
        idx.encode_idx(np.zeros(3, np.int64))


def test_reads_real_mnist_labels(real_datasets):
    labels = idx.read_idx(real_datasets / "mnist" / "t10k-labels-idx1-ubyte.gz")
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert labels[:5].tolist() == [7, 2, 1, 0, 4]
