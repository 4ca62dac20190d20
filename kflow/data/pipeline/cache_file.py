"""The file format of ``Dataset.cache(filename)``: plain arrays in TFRecord framing, never code.

A cache file is a TFRecord file (each record CRC-32C checked) of

* a header record: ``MAGIC``, uint32 format ``VERSION``, then the UTF-8 description of the
  element spec (a cache of another pipeline is refused, not replayed);
* one record per element: its components, each a tag byte and a self-describing value
  (``A`` numeric array: dtype string, rank, dims, raw little-endian bytes; ``N`` numpy scalar;
  ``S`` array of byte strings, each uint64-length-prefixed; ``B`` one byte string; ``P`` a sparse
  value as three nested components), every length checked against the bytes left;
* a fixed-size footer record: ``FOOTER_MAGIC``, uint64 element count, uint32 CRC-32C of all
  element records, so a file cut between two elements is detected before anything is replayed.

Only numeric dtypes (``b i u f c``) are accepted when reading: a file can describe arrays, and
nothing in it is ever executed (no pickle).

Example:
    >>> with CacheWriter("/tmp/c.kfcache.tmp", "TensorSpec(shape=(), dtype=int64)") as w:
    ...     w.write((np.int64(7),))
    >>> list(read_cache("/tmp/c.kfcache.tmp", "TensorSpec(shape=(), dtype=int64)"))
    [(np.int64(7),)]
"""
import os
import re
import struct

import numpy as np
from crc32c import crc32c

from kflow.data.tfrecord.crc import masked_crc32c
from kflow.data.tfrecord import TFRecordWriter
from kflow.data.tfrecord.reader import TFRecordFileReader
from kflow.errors import DataLossError, InvalidArgumentError
from kflow.sparse.sparse_tensor import SparseTensorValue

MAGIC = b"kflow-dataset-cache\n"
VERSION = 2
FOOTER_MAGIC = b"kflow-dataset-cache-end\n"
_U8, _U32, _U64 = struct.Struct("<B"), struct.Struct("<I"), struct.Struct("<Q")
_FOOTER = struct.Struct("<%dsQI" % len(FOOTER_MAGIC))
_FOOTER_RECORD = 12 + _FOOTER.size + 4  # TFRecord framing around the footer payload
_NUMERIC_DTYPE = re.compile(r"[<>|][biufc][0-9]{1,2}")


# ---- encoding ------------------------------------------------------------------------------
def _dtype_field(dtype):
    text = dtype.newbyteorder("<").str.encode("ascii")
    return _U8.pack(len(text)) + text


def _dims_field(shape):
    return _U8.pack(len(shape)) + b"".join(_U64.pack(d) for d in shape)


def _encode_component(value, out):
    if isinstance(value, (bytes, np.bytes_)):
        out += b"B" + _U64.pack(len(value)) + bytes(value)
    elif isinstance(value, tuple) and len(value) == 3 and hasattr(value, "dense_shape"):  # a sparse value
        out += b"P"
        for part in value:
            _encode_component(np.asarray(part), out)
    elif isinstance(value, np.ndarray) and value.dtype.kind in "OSU":
        out += b"S" + _dims_field(value.shape)
        for item in value.reshape(-1):
            if isinstance(item, str):
                item = item.encode("utf-8")
            elif not isinstance(item, (bytes, np.bytes_)):
                raise TypeError("Dataset.cache(filename) stores numeric arrays, numpy scalars, byte strings and "
                                "sparse values; got a string array holding %s" % type(item).__name__)
            out += _U64.pack(len(item)) + item
    elif isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind in "biufc":
        little = np.ascontiguousarray(value, dtype=value.dtype.newbyteorder("<"))
        if isinstance(value, np.generic):
            out += b"N" + _dtype_field(value.dtype)
        else:
            out += b"A" + _dtype_field(value.dtype) + _dims_field(value.shape)
        out += little.tobytes()
    else:
        raise TypeError("Dataset.cache(filename) stores numeric arrays, numpy scalars, byte strings and sparse "
                        "values; got a component of type %s" % type(value).__name__)


def encode_element(components):
    """The record payload of one element (a flat tuple of components)."""
    out = bytearray(_U32.pack(len(components)))
    for value in components:
        _encode_component(value, out)
    return bytes(out)


# ---- decoding (every length is checked against the bytes left) ------------------------------------
class _Cursor:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n, what):
        if n > len(self.data) - self.pos:
            raise ValueError("%s needs %d bytes at payload offset %d, only %d are left"
                             % (what, n, self.pos, len(self.data) - self.pos))
        piece = self.data[self.pos:self.pos + n]
        self.pos += n
        return piece

    def u8(self, what):
        return self.take(1, what)[0]

    def u64(self, what):
        return _U64.unpack(self.take(8, what))[0]

    def dtype(self):
        text = bytes(self.take(self.u8("dtype length"), "dtype")).decode("ascii", "replace")
        try:
            if _NUMERIC_DTYPE.fullmatch(text):
                return np.dtype(text)
        except TypeError:  # e.g. "<f5"
            pass
        raise ValueError("dtype %r is not a numeric dtype" % text)

    def dims(self):
        return tuple(self.u64("dimension") for _ in range(self.u8("rank")))


def _decode_component(cur):
    tag = cur.take(1, "component tag")
    if tag == b"B":
        return bytes(cur.take(cur.u64("string length"), "string"))
    if tag == b"P":
        return SparseTensorValue(*(_decode_component(cur) for _ in range(3)))
    if tag == b"S":
        shape = cur.dims()
        count = int(np.prod(shape, dtype=object))
        if count * 8 > len(cur.data) - cur.pos:  # each item has its 8-byte length: a forged shape fails here
            raise ValueError("string array of shape %s needs more bytes than the %d left"
                             % (shape, len(cur.data) - cur.pos))
        out = np.empty(shape, dtype=object)
        flat = out.reshape(-1)
        for i in range(count):
            flat[i] = bytes(cur.take(cur.u64("string length"), "string"))
        return out
    if tag == b"N":
        dtype = cur.dtype()
        return np.frombuffer(cur.take(dtype.itemsize, "scalar"), dtype)[0].astype(dtype.newbyteorder("="))
    if tag == b"A":
        dtype, shape = cur.dtype(), cur.dims()
        count = int(np.prod(shape, dtype=object))
        data = cur.take(count * dtype.itemsize, "array data")
        return np.frombuffer(data, dtype).astype(dtype.newbyteorder("="), copy=True).reshape(shape)
    raise ValueError("unknown component tag %r" % tag)


def decode_element(payload):
    """The flat tuple of components of one element record; ValueError when the payload is malformed."""
    cur = _Cursor(memoryview(payload))
    count = _U32.unpack(cur.take(4, "component count"))[0]
    if count > len(payload):
        raise ValueError("component count %d exceeds the record size" % count)
    element = tuple(_decode_component(cur) for _ in range(count))
    if cur.pos != len(payload):
        raise ValueError("%d bytes follow the last component" % (len(payload) - cur.pos))
    return element


# ---- files -----------------------------------------------------------------------------------------
def _header(spec_text):
    return MAGIC + _U32.pack(VERSION) + spec_text.encode("utf-8")


class CacheWriter:
    """Writes a cache file: the header at once, an element per :meth:`write`, the footer at :meth:`close`."""

    def __init__(self, path, spec_text):
        self._writer = TFRecordWriter(path)
        self._writer.write(_header(spec_text))
        self._count, self._crc = 0, 0

    def write(self, components):
        payload = encode_element(components)
        self._writer.write(payload)
        self._count += 1
        self._crc = crc32c(payload, self._crc)

    def finish(self):
        """Writes the footer that marks the file complete, and closes it."""
        self._writer.write(_FOOTER.pack(FOOTER_MAGIC, self._count, self._crc))
        self.close()

    def close(self):
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.finish()
        else:
            self.close()


def _read_footer(f, path):
    """(element count, CRC) from the fixed-size footer record at the end of the open file ``f``."""
    size = f.seek(0, os.SEEK_END)
    if size >= _FOOTER_RECORD:
        f.seek(size - _FOOTER_RECORD)
        tail = f.read(_FOOTER_RECORD)
        length, length_crc = struct.unpack_from("<QI", tail)
        payload = tail[12:12 + _FOOTER.size]
        if (length == _FOOTER.size and length_crc == masked_crc32c(tail[:8]) and payload.startswith(FOOTER_MAGIC)
                and _U32.unpack_from(tail, 12 + _FOOTER.size)[0] == masked_crc32c(payload)):
            _, count, crc = _FOOTER.unpack(payload)
            return count, crc
    raise DataLossError(None, None, "%s: incomplete dataset cache: the footer (element count and checksum) is "
                        "missing, so the pass that wrote it was interrupted or the file was truncated; delete "
                        "the file to rebuild the cache" % path)


def read_cache(source, spec_text):
    """Yields the elements of a complete cache file written for ``spec_text``.

    Args:
      source: the file's path, or a seekable binary file object.
      spec_text: the element spec's description the file must have been written for.

    Raises:
      InvalidArgumentError: the file is not a kflow cache, or caches other elements.
      DataLossError: the file is truncated or damaged (its footer, a CRC, an element's encoding); nothing is
        yielded from a file without its footer.
    """
    f = open(source, "rb") if not hasattr(source, "read") else source
    path = getattr(f, "name", "<stream>")
    try:
        head = f.read(12 + len(MAGIC))
        if len(head) == 12 + len(MAGIC) and head[12:] != MAGIC:  # (a shorter file is a truncated one)
            raise InvalidArgumentError(None, None, "%s is not a kflow dataset cache file (version %d); delete "
                                       "it or choose another cache filename" % (path, VERSION))
        count, crc = _read_footer(f, path)
        f.seek(0)
        reader = TFRecordFileReader(f)
        header = next(reader, b"")
        if not header.startswith(MAGIC) or len(header) < len(MAGIC) + 4:
            raise InvalidArgumentError(None, None, "%s is not a kflow dataset cache file (version %d); delete "
                                       "it or choose another cache filename" % (path, VERSION))
        version = _U32.unpack_from(header, len(MAGIC))[0]
        found = header[len(MAGIC) + 4:].decode("utf-8", "replace")
        if version != VERSION or found != spec_text:
            raise InvalidArgumentError(None, None, (
                "%s holds a cache of other elements (%s, format version %d) than this dataset's (%s, "
                "version %d); delete the file or choose another cache filename")
                % (path, found, version, spec_text, VERSION))
        running = 0
        for index in range(count):
            payload = next(reader, None)
            if payload is None:
                break
            running = crc32c(payload, running)
            try:
                element = decode_element(payload)
            except ValueError as e:
                raise DataLossError(None, None, "%s: damaged dataset cache element %d: %s"
                                    % (path, index, e)) from None
            yield element
        footer = next(reader, None)
        if running != crc or footer is None or next(reader, None) is not None:
            raise DataLossError(None, None, "%s: damaged dataset cache: the footer announces %d elements with "
                                "checksum 0x%08x, the file holds other records" % (path, count, crc))
    finally:
        if f is not source:
            f.close()
