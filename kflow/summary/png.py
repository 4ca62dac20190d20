"""PNG encoding (for image summaries) and a small decoder, with zlib only.

TensorBoard image summaries carry PNG bytes. A PNG is an 8-byte signature and
chunks (length, type, data, CRC-32 of type+data): IHDR (size, bit depth,
colour type), IDAT (the zlib stream of the filtered rows) and IEND. Each row
is prefixed by a filter byte; the encoder uses filter 0 (none), which every
reader accepts and which keeps the code short; zlib still compresses the flat
areas typical of summaries well.

Example:
    >>> img = np.zeros((28, 28, 1), np.uint8)
    >>> data = encode_png(img)
    >>> data[:8] == PNG_SIGNATURE
    True
    >>> decode_png(data).shape
    (28, 28, 1)
"""
import struct
import zlib

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Channels -> PNG colour type: grey, grey+alpha, RGB, RGBA.
_COLOR_TYPE = {1: 0, 2: 4, 3: 2, 4: 6}
_CHANNELS = {v: k for k, v in _COLOR_TYPE.items()}


def _chunk(kind, data):
    # The CRC covers the chunk type and data, not the length.
    return (struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))


def encode_png(image, compression=6):
    """Encodes an image as PNG bytes.

    Args:
      image: array of shape (H, W, C) with C in 1 (grey), 2 (grey+alpha),
        3 (RGB) or 4 (RGBA), or (H, W) for grey; dtype uint8 or uint16.
      compression: zlib level, 0 (none) to 9 (smallest); -1 for zlib's default.

    Returns:
      The PNG file content.

    Raises:
      ValueError: on an unsupported shape, dtype or an empty image.

    Example:
      >>> png = encode_png(np.full((2, 3, 3), 255, np.uint8))  # 2x3 white RGB
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or image.shape[2] not in _COLOR_TYPE:
        raise ValueError(f"encode_png expects an (H, W, C) image with C in 1..4, got shape {image.shape}")
    if image.dtype not in (np.uint8, np.uint16):
        raise ValueError(f"encode_png expects uint8 or uint16 pixels, got {image.dtype}; "
                         "scale and cast floats first")
    height, width, channels = image.shape
    if height == 0 or width == 0:
        raise ValueError(f"PNG cannot hold an empty image (shape {image.shape})")
    if not -1 <= compression <= 9:
        raise ValueError(f"compression must be in -1..9, got {compression}")
    bit_depth = 8 * image.dtype.itemsize
    samples = np.ascontiguousarray(image, dtype=image.dtype.newbyteorder(">"))  # PNG is big-endian
    rows = samples.view(np.uint8).reshape(height, -1)
    filtered = np.zeros((height, rows.shape[1] + 1), np.uint8)  # column 0: filter type 0
    filtered[:, 1:] = rows
    header = struct.pack(">IIBBBBB", width, height, bit_depth, _COLOR_TYPE[channels], 0, 0, 0)
    return (PNG_SIGNATURE + _chunk(b"IHDR", header)
            + _chunk(b"IDAT", zlib.compress(filtered.tobytes(), compression))
            + _chunk(b"IEND", b""))


def read_chunks(data):
    """Splits PNG bytes into ``(type, payload)`` pairs, checking every CRC.

    Raises:
      ValueError: on a bad signature, a truncated chunk or a CRC mismatch.
    """
    if not data.startswith(PNG_SIGNATURE):
        raise ValueError("not a PNG file (bad signature)")
    chunks, pos = [], len(PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise ValueError(f"truncated PNG chunk header at byte {pos}")
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, payload = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        if len(payload) != length or pos + 12 + length > len(data):
            raise ValueError(f"truncated PNG chunk {kind!r} at byte {pos}")
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        if crc != zlib.crc32(kind + payload) & 0xFFFFFFFF:
            raise ValueError(f"CRC mismatch in PNG chunk {kind!r} at byte {pos}")
        chunks.append((kind, payload))
        pos += 12 + length
        if kind == b"IEND":
            break
    return chunks


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = np.abs(p - a), np.abs(p - b), np.abs(p - c)
    return np.where((pa <= pb) & (pa <= pc), a, np.where(pb <= pc, b, c))


def _unfilter(raw, height, stride, bpp):
    rows = np.frombuffer(raw, np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), np.uint8)
    prior = np.zeros(stride, np.uint8)
    for y in range(height):
        kind, line = rows[y, 0], rows[y, 1:]
        if kind == 0:
            cur = line.copy()
        elif kind == 1:  # Sub: a running sum per byte-of-pixel, mod 256
            cur = np.cumsum(line.reshape(-1, bpp), axis=0, dtype=np.uint8).reshape(-1)
        elif kind == 2:  # Up
            cur = line + prior
        elif kind in (3, 4):  # Average / Paeth depend on the byte just decoded
            cur = np.zeros(stride, np.int32)
            line32, prior32 = line.astype(np.int32), prior.astype(np.int32)
            for x in range(0, stride, bpp):
                a = cur[x - bpp:x] if x else np.zeros(bpp, np.int32)
                b, c = prior32[x:x + bpp], prior32[x - bpp:x] if x else np.zeros(bpp, np.int32)
                pred = (a + b) // 2 if kind == 3 else _paeth(a, b, c)
                cur[x:x + bpp] = (line32[x:x + bpp] + pred) & 0xFF
            cur = cur.astype(np.uint8)
        else:
            raise ValueError(f"bad PNG filter type {kind} in row {y}")
        out[y] = prior = cur
    return out


def decode_png(data):
    """Decodes a non-interlaced, non-palette 8- or 16-bit PNG (e.g. ours).

    Args:
      data: PNG file content.

    Returns:
      An (H, W, C) array, uint8 or uint16.

    Raises:
      ValueError: on malformed or unsupported PNG data.
    """
    chunks = read_chunks(bytes(data))
    if not chunks or chunks[0][0] != b"IHDR":
        raise ValueError("PNG does not start with an IHDR chunk")
    width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if color not in _CHANNELS or depth not in (8, 16) or interlace:
        raise ValueError(f"unsupported PNG (colour type {color}, bit depth {depth}, "
                         f"interlace {interlace}); only 8/16-bit grey/RGB(A) without interlace")
    channels, itemsize = _CHANNELS[color], depth // 8
    stride = width * channels * itemsize
    raw = zlib.decompress(b"".join(p for k, p in chunks if k == b"IDAT"))
    if len(raw) != height * (stride + 1):
        raise ValueError(f"PNG image data holds {len(raw)} bytes, expected {height * (stride + 1)}")
    pixels = _unfilter(raw, height, stride, channels * itemsize)
    dtype = np.dtype(">u2") if itemsize == 2 else np.dtype(np.uint8)
    return pixels.view(dtype).reshape(height, width, channels).astype(dtype.newbyteorder("="))
