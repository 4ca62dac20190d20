"""TensorFlow's checkpoint format (TensorBundle): ``PREFIX.index`` + ``PREFIX.data-00000-of-00001``.

The ``.index`` file is an SSTable (:mod:`.table`) from tensor name to a serialized ``BundleEntryProto``;
its first key, ``""``, holds the ``BundleHeaderProto``. Fields used (``tensor_bundle.proto``):

* ``BundleHeaderProto``: 1 num_shards, 2 endianness (0 little, 1 big), 3 version (``VersionDef``).
* ``BundleEntryProto``: 1 dtype (``DataType`` enum), 2 shape (``TensorShapeProto``: 2 repeated dim
  {1 size}), 3 shard_id, 4 offset, 5 size, 6 crc32c (fixed32, masked CRC-32C of the stored bytes),
  7 slices (partitioned variables, which kflow does not read).

A tensor's bytes sit at ``[offset, offset + size)`` of data shard ``shard_id``: the raw array in C order,
or, for strings, ``varint64`` lengths, the masked CRC-32C of the lengths (each as a little-endian
uint32), then the string bytes. Every read checks the CRCs and raises ``DataLossError`` naming the file.

Example:
    >>> write_bundle("/tmp/m.ckpt", {"w": np.ones((2, 2), np.float32)})
    >>> Bundle("/tmp/m.ckpt").tensor("w")
    array([[1., 1.], [1., 1.]], dtype=float32)
"""
import os
import struct

import numpy as np

from kflow import errors
from kflow.atomic_file import atomic_write
from kflow.data.tfrecord.crc import crc32c, mask, unmask
from kflow.proto import wire
from kflow.train.tf_checkpoint.table import read_table, write_table

# DataType enum values (tensorflow/core/framework/types.proto) -> numpy dtype; strings are handled apart.
DTYPES = {1: np.float32, 2: np.float64, 3: np.int32, 4: np.uint8, 5: np.int16, 6: np.int8, 7: object,
          8: np.complex64, 9: np.int64, 10: np.bool_, 17: np.uint16, 18: np.complex128, 19: np.float16,
          22: np.uint32, 23: np.uint64}
DT_STRING = 7
DT_BFLOAT16 = 14  # read as float32 (its upper 16 bits), as numpy has no bfloat16
ENUM_OF = {np.dtype(v): k for k, v in DTYPES.items() if v is not object}
_LENGTHS_CRC = struct.Struct("<I")


def index_path(prefix):
    return prefix + ".index"


def data_path(prefix, shard, num_shards):
    return "%s.data-%05d-of-%05d" % (prefix, shard, num_shards)


def is_bundle(prefix):
    """True if ``prefix.index`` exists (a TensorFlow checkpoint, whatever its data shards hold)."""
    return os.path.isfile(index_path(os.fspath(prefix)))


class Entry:
    """One tensor's ``BundleEntryProto``: dtype enum, shape, and where its bytes are."""

    __slots__ = ("dtype", "shape", "shard_id", "offset", "size", "crc32c", "sliced")

    def __init__(self, value):
        self.dtype, self.shape, self.shard_id, self.offset, self.size = 0, [], 0, 0, 0
        self.crc32c, self.sliced = None, False
        for number, _, field in wire.iter_fields(value):
            if number == 1:
                self.dtype = field
            elif number == 2:
                self.shape = [_dim_size(dim) for n, _, dim in wire.iter_fields(field) if n == 2]
            elif number == 3:
                self.shard_id = wire.to_int64(field)
            elif number == 4:
                self.offset = wire.to_int64(field)
            elif number == 5:
                self.size = wire.to_int64(field)
            elif number == 6:
                self.crc32c = field
            elif number == 7:
                self.sliced = True

    def numpy_dtype(self):
        return np.dtype(np.float32 if self.dtype == DT_BFLOAT16 else DTYPES[self.dtype])


def _dim_size(dim):
    # TensorShapeProto.Dim: 1 size (omitted when 0), 2 name.
    return next((wire.to_int64(size) for n, _, size in wire.iter_fields(dim) if n == 1), 0)


class Bundle:
    """A TensorFlow checkpoint opened for reading: its entries are parsed at once, tensors read on demand.

    Args:
      prefix: the checkpoint prefix, e.g. ``"run/model.ckpt-100"`` (without ``.index``).

    Raises:
      kflow.errors.NotFoundError: ``prefix.index`` does not exist.
      kflow.errors.DataLossError: the index is corrupt.
    """

    def __init__(self, prefix):
        self.prefix = os.fspath(prefix)
        self.index = index_path(self.prefix)
        items = read_table(self.index)
        if not items or items[0][0] != b"":
            raise errors.DataLossError(None, None, "%s: corrupt checkpoint index (no header entry)" % self.index)
        self.num_shards, self.big_endian = 1, False
        try:
            for number, _, field in wire.iter_fields(items[0][1]):
                if number == 1:
                    self.num_shards = field
                elif number == 2:
                    self.big_endian = field == 1
            self.entries = {key.decode("utf-8", "surrogateescape"): Entry(value) for key, value in items[1:]}
        except wire.DecodeError as e:
            raise errors.DataLossError(None, None, "%s: corrupt checkpoint index (%s)" % (self.index, e)) from e
        for name, entry in self.entries.items():
            if entry.dtype not in DTYPES and entry.dtype != DT_BFLOAT16:
                raise errors.DataLossError(None, None, "%s: tensor %r has DataType %d, which kflow does not "
                                           "read" % (self.index, name, entry.dtype))

    def tensor(self, name):
        """The value of tensor ``name`` as a numpy array (object array of ``bytes`` for strings)."""
        entry = self.entries[name]
        if entry.sliced:
            raise errors.UnimplementedError(None, None, "%s: %r is a partitioned variable (saved in slices), "
                                            "which kflow does not read" % (self.index, name))
        shard = data_path(self.prefix, entry.shard_id, self.num_shards)
        try:
            with open(shard, "rb") as f:
                f.seek(entry.offset)
                raw = f.read(entry.size)
        except FileNotFoundError:
            raise errors.NotFoundError(None, None, "%s: data file %s of tensor %r is missing"
                                       % (self.index, shard, name)) from None
        if len(raw) != entry.size:
            raise _loss(shard, name, "%d bytes at offset %d expected, the file ends after %d"
                        % (entry.size, entry.offset, len(raw)))
        count = int(np.prod(entry.shape, dtype=np.int64))
        if entry.dtype == DT_STRING:
            value, checked = _decode_strings(raw, count, shard, name)
        else:
            value, checked = None, raw
        if entry.crc32c is not None and crc32c(checked) != unmask(entry.crc32c):
            raise _loss(shard, name, "checksum mismatch (the data file is corrupt)")
        if value is not None:
            return value.reshape(entry.shape)
        if entry.dtype == DT_BFLOAT16:
            bits = np.frombuffer(raw, (">" if self.big_endian else "<") + "u2").astype(np.uint32) << 16
            return bits.view(np.float32).reshape(entry.shape)
        dtype = entry.numpy_dtype().newbyteorder(">" if self.big_endian else "<")
        if entry.size != count * dtype.itemsize:
            raise _loss(shard, name, "%d bytes stored for shape %s of %s" % (entry.size, entry.shape, dtype.name))
        return np.frombuffer(raw, dtype).astype(dtype.newbyteorder("="), copy=True).reshape(entry.shape)


def _decode_strings(raw, count, shard, name):
    """The strings, and the bytes TF's entry CRC covers: lengths as uint32, their masked CRC, the strings."""
    out = np.empty(count, dtype=object)
    if count == 0 or not raw:
        return out, b""
    pos, lengths = 0, []
    try:
        for _ in range(count):
            length, pos = wire.decode_varint(raw, pos)
            lengths.append(length)
    except wire.DecodeError as e:
        raise _loss(shard, name, "bad string lengths (%s)" % e) from e
    stored, length_bytes = raw[pos:pos + 4], _length_bytes(lengths)
    if len(stored) != 4 or unmask(_LENGTHS_CRC.unpack(stored)[0]) != crc32c(length_bytes):
        raise _loss(shard, name, "string length checksum mismatch")
    pos += 4
    strings_start = pos
    for i, length in enumerate(lengths):
        out[i] = bytes(raw[pos:pos + length])
        pos += length
    if pos != len(raw):
        raise _loss(shard, name, "string data of %d bytes does not match the lengths (%d)" % (len(raw), pos))
    return out, length_bytes + bytes(stored) + bytes(raw[strings_start:])


def _length_bytes(lengths):
    # TF checksums each length as a uint32 (a uint64 above 4 GiB), not as the varint written.
    return b"".join(struct.pack("<I", n) if n <= 0xFFFFFFFF else struct.pack("<Q", n) for n in lengths)


def _loss(shard, name, detail):
    return errors.DataLossError(None, None, "%s: tensor %r: %s" % (shard, name, detail))


# ---- writing ----------------------------------------------------------------------------------
def write_bundle(prefix, name_to_array):
    """Writes ``{name: array}`` as a one-shard TensorFlow checkpoint at ``prefix`` (``.index`` + ``.data``).

    Raises:
      TypeError: a value's dtype has no TensorFlow DataType.
    """
    prefix = os.fspath(prefix)
    data, entries = bytearray(), []
    for name in sorted(name_to_array):
        value = np.asarray(name_to_array[name])
        if value.dtype.kind in "OSU":
            raw, checked = _encode_strings(value)
            dtype_enum = DT_STRING
        else:
            if value.dtype not in ENUM_OF:
                raise TypeError("cannot write tensor %r of dtype %s in a TensorFlow checkpoint" % (name, value.dtype))
            raw, dtype_enum = np.ascontiguousarray(value, value.dtype.newbyteorder("<")).tobytes(), ENUM_OF[value.dtype]
            checked = raw
        shape = b"".join(wire.field_bytes(2, wire.field_varint(1, d)) for d in value.shape)
        entry = (wire.field_varint(1, dtype_enum) + wire.field_bytes(2, shape)
                 + (wire.field_varint(4, len(data)) if data else b"") + (wire.field_varint(5, len(raw)) if raw else b"")
                 + wire.field_fixed32(6, mask(crc32c(checked))))
        entries.append((name.encode("utf-8"), entry))
        data += raw
    header = wire.field_varint(1, 1) + wire.field_bytes(3, wire.field_varint(1, 1))  # one shard, little endian, v1
    shard = data_path(prefix, 0, 1)
    with atomic_write(shard) as tmp:  # a failed write leaves the previous file and no temporary one
        with open(tmp, "wb") as f:
            f.write(data)
    write_table(index_path(prefix), [(b"", header)] + entries)
    return prefix


def _encode_strings(value):
    items = [v.encode("utf-8") if isinstance(v, str) else bytes(v) for v in value.reshape(-1)]
    if not items:
        return b"", b""
    lengths = [len(b) for b in items]
    length_bytes = _length_bytes(lengths)
    length_crc = _LENGTHS_CRC.pack(mask(crc32c(length_bytes)))
    strings = b"".join(items)
    return b"".join(wire.encode_varint(n) for n in lengths) + length_crc + strings, length_bytes + length_crc + strings
