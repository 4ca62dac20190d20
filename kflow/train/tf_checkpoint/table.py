"""The sorted string table (SSTable) that holds a TensorFlow checkpoint's ``.index`` file.

TensorFlow took LevelDB's table format (``tensorflow/core/lib/io/{format,block,table_builder}.cc``).
A file is a run of blocks, then a 48-byte footer:

* **block**: entries ``varint32 shared, varint32 non_shared, varint32 value_length, key[shared:] bytes,
  value bytes`` (a key stores only what differs from the previous key), then ``uint32`` restart offsets
  (entries stored with ``shared == 0``) and their ``uint32`` count. Each block is followed by a 5-byte
  trailer: a compression byte (0 = none; TF writes checkpoints uncompressed) and the masked CRC-32C of the
  block contents plus that byte.
* **index block**: one entry per data block, key >= the block's last key, value the block's handle
  (``varint64 offset, varint64 size``, size without the trailer).
* **footer**: metaindex handle, index handle, zero padding to 40 bytes, then the magic number
  ``0xdb4775248b80fb57`` as a little-endian uint64.

Every problem raises :class:`kflow.errors.DataLossError` naming the file.

Example:
    >>> write_table("/tmp/t.index", [(b"", b"header"), (b"a", b"1")])
    >>> read_table("/tmp/t.index")
    [(b'', b'header'), (b'a', b'1')]
"""
import struct

from kflow import errors
from kflow.atomic_file import atomic_write
from kflow.data.tfrecord.crc import masked_crc32c, unmask
from kflow.data.tfrecord.crc import crc32c as _crc32c
from kflow.proto.wire import DecodeError, decode_varint, encode_varint

MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5
_NO_COMPRESSION = 0
_SNAPPY = 1
_U32 = struct.Struct("<I")


def read_table(path):
    """All ``(key, value)`` pairs of the table at ``path``, in file order (sorted by key).

    Raises:
      kflow.errors.NotFoundError: the file does not exist.
      kflow.errors.DataLossError: the file is not a table, is truncated, or a block fails its checksum.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, "%s: no such file" % path) from None
    try:
        return list(_entries(data, path))
    except DecodeError as e:
        raise errors.DataLossError(None, None, "%s: corrupt table (%s)" % (path, e)) from e


def _entries(data, path):
    if len(data) < FOOTER_SIZE:
        raise _corrupt(path, "file is %d bytes, shorter than the %d-byte footer" % (len(data), FOOTER_SIZE))
    footer = data[-FOOTER_SIZE:]
    if struct.unpack("<Q", footer[-8:])[0] != MAGIC:
        raise _corrupt(path, "not an SSTable (bad magic number at the end of the file)")
    _, pos = _handle(footer, 0)  # the metaindex block: TF stores nothing there
    index_handle, _ = _handle(footer, pos)
    body_end = len(data) - FOOTER_SIZE
    for _, handle_bytes in _block_entries(_block(data, index_handle, body_end, path), path):
        handle, _ = _handle(handle_bytes, 0)
        yield from _block_entries(_block(data, handle, body_end, path), path)


def _handle(buf, pos):
    offset, pos = decode_varint(buf, pos)
    size, pos = decode_varint(buf, pos)
    return (offset, size), pos


def _block(data, handle, body_end, path):
    offset, size = handle
    if offset + size + BLOCK_TRAILER_SIZE > body_end:
        raise _corrupt(path, "block at offset %d of %d bytes runs past the end of the data" % (offset, size))
    contents = data[offset:offset + size + 1]
    stored = _U32.unpack_from(data, offset + size + 1)[0]
    if unmask(stored) != _crc32c(contents):
        raise _corrupt(path, "block checksum mismatch in the block at offset %d" % offset)
    if contents[-1] == _SNAPPY:
        raise _corrupt(path, "block at offset %d is Snappy-compressed, which kflow does not read "
                       "(TensorFlow writes checkpoint indexes uncompressed)" % offset)
    if contents[-1] != _NO_COMPRESSION:
        raise _corrupt(path, "bad block type %d at offset %d" % (contents[-1], offset))
    return contents[:-1]


def _block_entries(block, path):
    if len(block) < 4:
        raise _corrupt(path, "block of %d bytes has no restart array" % len(block))
    num_restarts = _U32.unpack_from(block, len(block) - 4)[0]
    end = len(block) - 4 * (num_restarts + 1)
    if end < 0:
        raise _corrupt(path, "block claims %d restart points but holds %d bytes" % (num_restarts, len(block)))
    pos, key = 0, b""
    while pos < end:
        shared, pos = decode_varint(block, pos, end)
        non_shared, pos = decode_varint(block, pos, end)
        value_length, pos = decode_varint(block, pos, end)
        if shared > len(key) or pos + non_shared + value_length > end:
            raise _corrupt(path, "bad entry in a block after key %r" % key)
        key = key[:shared] + block[pos:pos + non_shared]
        pos += non_shared
        yield key, block[pos:pos + value_length]
        pos += value_length


def _corrupt(path, detail):
    return errors.DataLossError(None, None, "%s: corrupt checkpoint index (%s)" % (path, detail))


# ---- writing ----------------------------------------------------------------------------------
class _BlockBuilder:
    def __init__(self, restart_interval):
        self.restart_interval = restart_interval
        self.buf, self.restarts, self.count, self.last_key = bytearray(), [0], 0, b""

    def add(self, key, value):
        shared = 0
        if self.count < self.restart_interval:
            limit = min(len(key), len(self.last_key))
            while shared < limit and key[shared] == self.last_key[shared]:
                shared += 1
        else:
            self.restarts.append(len(self.buf))
            self.count = 0
        self.buf += encode_varint(shared) + encode_varint(len(key) - shared) + encode_varint(len(value))
        self.buf += key[shared:] + value
        self.last_key, self.count = key, self.count + 1

    def finish(self):
        return bytes(self.buf) + b"".join(_U32.pack(r) for r in self.restarts) + _U32.pack(len(self.restarts))


def write_table(path, items, block_size=4096):
    """Writes ``(key, value)`` byte pairs, which must be sorted by key, as an SSTable at ``path``.

    The file is written under a temporary name and renamed into place.
    """
    out = bytearray()

    def emit(contents):
        handle = encode_varint(len(out)) + encode_varint(len(contents))
        out.extend(contents + bytes([_NO_COMPRESSION]))
        out.extend(_U32.pack(masked_crc32c(contents + bytes([_NO_COMPRESSION]))))
        return handle

    index, block, previous = _BlockBuilder(1), _BlockBuilder(16), None
    for key, value in items:
        if previous is not None and key <= previous:
            raise ValueError("table keys must be unique and sorted: %r after %r" % (key, previous))
        block.add(key, value)
        previous = key
        if len(block.buf) >= block_size:
            index.add(key, emit(block.finish()))
            block = _BlockBuilder(16)
    if block.count or previous is None:
        index.add(previous or b"", emit(block.finish()))
    metaindex = emit(_BlockBuilder(16).finish())
    index_handle = emit(index.finish())
    footer = (metaindex + index_handle).ljust(40, b"\0") + struct.pack("<Q", MAGIC)
    out.extend(footer)
    with atomic_write(path) as tmp:  # a failed write leaves the previous file and no temporary one
        with open(tmp, "wb") as f:
            f.write(out)
