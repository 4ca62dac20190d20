"""Reader and writer for IDX files, the format of MNIST and Fashion-MNIST.

An IDX file is a 4-byte magic number ``00 00 <type> <ndim>``, then ``ndim``
big-endian uint32 dimension sizes, then the values in C order, big-endian.
Files may be gzip-compressed; compression is detected from the content (the
gzip magic bytes ``1f 8b``), never from the file name, because mirrors and
users rename files freely.

Malformed input raises :class:`IdxFormatError`, which is both a
``kflow.errors.DataLossError`` (as TF reports corrupt data) and a
``ValueError`` (what plain Python code expects), and always names the file.

Example:
    >>> from kflow.datasets import idx
    >>> images = idx.read_idx("t10k-images-idx3-ubyte.gz")
    >>> images.shape, images.dtype
    ((10000, 28, 28), dtype('uint8'))
"""
import gzip
import math
import os
import struct
import zlib

import numpy as np

from kflow import errors

GZIP_MAGIC = b"\x1f\x8b"

# IDX type byte -> big-endian numpy dtype (from the format's definition).
_TYPE_TO_DTYPE = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_DTYPE_TO_TYPE = {dt.newbyteorder("=").str[1:]: code for code, dt in _TYPE_TO_DTYPE.items()}


class IdxFormatError(errors.DataLossError, ValueError):
    """Raised when bytes are not a well-formed IDX file."""

    def __init__(self, message):
        super().__init__(None, None, message)


def maybe_gunzip(data, name="<bytes>"):
    """Returns ``data`` decompressed if it starts with the gzip magic bytes.

    Args:
      data: the raw file content.
      name: the file name, used in error messages.

    Returns:
      The decompressed bytes, or ``data`` unchanged when it is not gzip.

    Raises:
      IdxFormatError: if the gzip stream is truncated or corrupt.
    """
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as e:
        raise IdxFormatError(f"{name}: corrupt or truncated gzip data ({e})") from e


def parse_idx(data, name="<bytes>"):
    """Parses the bytes of an IDX file (gzip or raw) into a numpy array.

    Args:
      data: the file content, gzip-compressed or not.
      name: the file name, used in error messages.

    Returns:
      A C-contiguous numpy array in native byte order with the file's shape.

    Raises:
      IdxFormatError: on a bad magic number, unknown type code, or a payload
        whose length does not match the dimensions in the header.

    Example:
      >>> parse_idx(b"\\x00\\x00\\x08\\x01\\x00\\x00\\x00\\x02\\x07\\x09")
      array([7, 9], dtype=uint8)
    """
    data = maybe_gunzip(bytes(data), name)
    if len(data) < 4:
        raise IdxFormatError(f"{name}: too short for an IDX header ({len(data)} bytes)")
    zero, type_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0:
        raise IdxFormatError(
            f"{name}: not an IDX file (magic {data[:4].hex()}; "
            "expected 0000 followed by a type byte and a dimension count)")
    if type_code not in _TYPE_TO_DTYPE:
        raise IdxFormatError(f"{name}: unknown IDX type code 0x{type_code:02x}")
    header_len = 4 + 4 * ndim
    if len(data) < header_len:
        raise IdxFormatError(
            f"{name}: header declares {ndim} dimensions but the file ends after {len(data)} bytes")
    shape = struct.unpack(f">{ndim}I", data[4:header_len])
    dtype = _TYPE_TO_DTYPE[type_code]
    expected = math.prod(shape) * dtype.itemsize  # Python ints: no overflow
    actual = len(data) - header_len
    if actual != expected:
        raise IdxFormatError(
            f"{name}: shape {shape} of {dtype.newbyteorder('=').name} needs {expected} data "
            f"bytes but the file holds {actual} (truncated or corrupt)")
    array = np.frombuffer(data, dtype=dtype, offset=header_len).reshape(shape)
    # Native order and a writable copy: callers get an ordinary array.
    return array.astype(dtype.newbyteorder("="))


def read_idx(path):
    """Reads an IDX file (gzip-compressed or raw) into a numpy array.

    Args:
      path: the file path.

    Returns:
      The array stored in the file.

    Raises:
      FileNotFoundError: if the file does not exist.
      IdxFormatError: if its content is malformed.
    """
    with open(path, "rb") as f:
        data = f.read()
    return parse_idx(data, name=os.fspath(path))


def encode_idx(array):
    """Encodes a numpy array as IDX bytes (uncompressed).

    Args:
      array: an array of uint8, int8, int16, int32, float32 or float64.

    Returns:
      The IDX file content.

    Example:
      >>> encode_idx(np.array([7, 9], np.uint8)).hex()
      '00000801000000020709'
    """
    array = np.asarray(array)
    key = array.dtype.newbyteorder("=").str[1:]
    if key not in _DTYPE_TO_TYPE:
        raise ValueError(f"IDX cannot store dtype {array.dtype}; "
                         "use uint8, int8, int16, int32, float32 or float64")
    if array.ndim > 255:
        raise ValueError(f"IDX stores at most 255 dimensions, got {array.ndim}")
    code = _DTYPE_TO_TYPE[key]
    header = struct.pack(f">HBB{array.ndim}I", 0, code, array.ndim, *array.shape)
    return header + np.ascontiguousarray(array, dtype=_TYPE_TO_DTYPE[code]).tobytes()


def write_idx(path, array, compress=None):
    """Writes ``array`` as an IDX file, gzip-compressed if asked.

    Args:
      path: the destination file.
      array: the array to store (see :func:`encode_idx` for dtypes).
      compress: True to gzip; None (default) gzips when ``path`` ends in ".gz".
    """
    data = encode_idx(array)
    if compress is None:
        compress = os.fspath(path).endswith(".gz")
    if compress:
        data = gzip.compress(data)
    with open(path, "wb") as f:
        f.write(data)
