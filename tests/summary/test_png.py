"""PNG encoder: byte layout checked by an independent parser, and round trips."""
import struct
import zlib

import numpy as np
import pytest

from kflow.summary import png


def _parse_independently(data):
    """Minimal reader written from the spec, for filter type 0 only."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color, comp, filt, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    assert (comp, filt, interlace) == (0, 0, 0)
    raw = zlib.decompress(chunks[1][1])
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    rows = np.frombuffer(raw, np.uint8).reshape(height, -1)
    assert (rows[:, 0] == 0).all()  # filter type 0 on every row
    return width, height, depth, color, rows[:, 1:].reshape(height, width, channels * depth // 8)


@pytest.mark.parametrize("channels, color_type", [(1, 0), (2, 4), (3, 2), (4, 6)])
def test_layout_and_pixels(channels, color_type):
    image = np.random.default_rng(channels).integers(0, 256, (5, 7, channels), dtype=np.uint8)
    data = png.encode_png(image)
    width, height, depth, color, pixels = _parse_independently(data)
    assert (width, height, depth, color) == (7, 5, 8, color_type)
    np.testing.assert_array_equal(pixels, image)
    np.testing.assert_array_equal(png.decode_png(data), image)


def test_grey_2d_and_uint16():
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4)
    np.testing.assert_array_equal(png.decode_png(png.encode_png(grey)), grey[:, :, None])
    deep = np.array([[[0, 1, 65535]], [[258, 4096, 7]]], np.uint16)
    data = png.encode_png(deep)
    assert struct.unpack(">B", data[24:25])[0] == 16  # IHDR bit depth
    _, _, _, _, pixels = _parse_independently(data)
    assert pixels[1, 0, :2].tolist() == [1, 2]  # 258 stored big-endian
    decoded = png.decode_png(data)
    assert decoded.dtype == np.uint16
    np.testing.assert_array_equal(decoded, deep)


def test_compression_levels_and_flat_images_compress():
    flat = np.zeros((256, 256, 3), np.uint8)
    assert len(png.encode_png(flat)) < 1000
    stored = png.encode_png(flat, compression=0)
    assert len(stored) > 256 * 256 * 3
    np.testing.assert_array_equal(png.decode_png(stored), flat)


@pytest.mark.parametrize("bad, words", [
    (np.zeros((2, 2, 5), np.uint8), "C in 1..4"),
    (np.zeros((2,), np.uint8), "C in 1..4"),
    (np.zeros((2, 2, 3), np.float32), "uint8 or uint16"),
    (np.zeros((0, 2, 3), np.uint8), "empty image"),
])
def test_encode_rejects(bad, words):
    with pytest.raises(ValueError, match=words):
        png.encode_png(bad)


def _filter_rows(image, kind):
    """Applies PNG filter ``kind`` (1-4) to every row, as an encoder would."""
    height, width, channels = image.shape
    rows = image.reshape(height, -1).astype(np.int32)
    out = np.zeros((height, rows.shape[1] + 1), np.uint8)
    prior = np.zeros(rows.shape[1], np.int32)
    for y in range(height):
        line = rows[y]
        for x in range(len(line)):
            a = line[x - channels] if x >= channels else 0
            b = prior[x]
            c = prior[x - channels] if x >= channels else 0
            if kind == 1:
                pred = a
            elif kind == 2:
                pred = b
            elif kind == 3:
                pred = (a + b) // 2
            else:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
            out[y, x + 1] = (line[x] - pred) & 0xFF
        out[y, 0] = kind
        prior = line
    return out


@pytest.mark.parametrize("kind", [1, 2, 3, 4])
def test_decoder_handles_every_filter_type(kind):
    image = np.random.default_rng(kind).integers(0, 256, (6, 5, 3), dtype=np.uint8)
    ihdr = struct.pack(">IIBBBBB", 5, 6, 8, 2, 0, 0, 0)
    data = (png.PNG_SIGNATURE + png._chunk(b"IHDR", ihdr)
            + png._chunk(b"IDAT", zlib.compress(_filter_rows(image, kind).tobytes()))
            + png._chunk(b"IEND", b""))
    np.testing.assert_array_equal(png.decode_png(data), image)


def test_decoder_rejects_corruption():
    data = bytearray(png.encode_png(np.ones((2, 2, 1), np.uint8)))
    with pytest.raises(ValueError, match="signature"):
        png.decode_png(b"GIF89a" + bytes(data[6:]))
    data[20] ^= 0xFF  # inside IHDR
    with pytest.raises(ValueError, match="CRC mismatch"):
        png.decode_png(bytes(data))
    with pytest.raises(ValueError, match="truncated"):
        png.read_chunks(bytes(png.encode_png(np.ones((2, 2, 1), np.uint8)))[:30])
