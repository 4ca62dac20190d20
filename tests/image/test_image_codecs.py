"""kf.image PNG/JPEG codecs through Pillow: round trips, channels, dtypes, decode_image, clear errors (bad data,
missing Pillow)."""
import io
import sys

import numpy as np
import pytest

import kflow as kf

PIL = pytest.importorskip("PIL.Image")
RNG = np.random.default_rng(5)


def _run(t, feed=None):
    with kf.Session() as sess:
        return sess.run(t, feed)


def _bytes(v):
    return v.item() if isinstance(v, np.ndarray) else v


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_png_round_trip(channels):
    img = RNG.integers(0, 256, (5, 7, channels)).astype(np.uint8)
    png = _bytes(_run(kf.image.encode_png(img)))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    np.testing.assert_array_equal(np.asarray(PIL.open(io.BytesIO(png))).reshape(img.shape), img)
    back = kf.image.decode_png(png, channels=channels)
    assert back.shape.as_list() == [None, None, channels]
    np.testing.assert_array_equal(_run(back), img)
    np.testing.assert_array_equal(_run(kf.image.decode_image(png)), img)


def test_png_channel_conversion_and_uint16():
    img = RNG.integers(0, 256, (4, 4, 3)).astype(np.uint8)
    png = _bytes(_run(kf.image.encode_png(img)))
    assert _run(kf.image.decode_png(png, channels=4))[..., 3].min() == 255
    assert _run(kf.image.decode_png(png, channels=1)).shape == (4, 4, 1)
    np.testing.assert_array_equal(_run(kf.image.decode_png(png, dtype=kf.uint16)), img.astype(np.uint16) * 257)
    deep = RNG.integers(0, 65536, (3, 5, 1)).astype(np.uint16)
    np.testing.assert_array_equal(_run(kf.image.decode_png(kf.image.encode_png(deep), dtype=kf.uint16)), deep)
    np.testing.assert_allclose(_run(kf.image.decode_image(png, dtype=kf.float32)), img / 255.0, rtol=1e-6)


def test_jpeg_round_trip_is_close():
    y, x = np.mgrid[0:32, 0:32]
    img = np.stack([y * 8, x * 8, (x + y) * 4], -1).astype(np.uint8)
    jpg = _bytes(_run(kf.image.encode_jpeg(img, quality=95)))
    assert jpg[:2] == b"\xff\xd8"
    back = _run(kf.image.decode_jpeg(jpg, channels=3))
    assert back.dtype == np.uint8 and back.shape == img.shape
    assert np.abs(back.astype(int) - img).mean() < 3
    assert _run(kf.image.decode_jpeg(jpg, channels=1)).shape == (32, 32, 1)
    assert _run(kf.image.decode_image(jpg)).shape == (32, 32, 3)


def test_decoding_from_a_placeholder_and_errors():
    data = kf.placeholder(kf.string, [])
    png = _bytes(_run(kf.image.encode_png(np.zeros((2, 2, 1), np.uint8))))
    assert _run(kf.image.decode_png(data), {data: png}).shape == (2, 2, 1)
    with pytest.raises(kf.errors.InvalidArgumentError, match="DecodePng: cannot decode"):
        _run(kf.image.decode_png(data), {data: b"not an image"})
    jpg = _bytes(_run(kf.image.encode_jpeg(np.zeros((8, 8, 3), np.uint8))))
    with pytest.raises(kf.errors.InvalidArgumentError, match="DecodePng.*not PNG"):
        _run(kf.image.decode_png(data), {data: jpg})
    with pytest.raises(TypeError, match="EncodePng: image dtype must be uint8 or uint16, got float32"):
        kf.image.encode_png(np.zeros((2, 2, 1), np.float32))
    with pytest.raises(ValueError, match="decode_jpeg: channels"):
        kf.image.decode_jpeg(data, channels=4)


def test_missing_pillow_names_the_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="EncodePng needs Pillow.*pip install pillow"):
        kf.image.encode_png(np.zeros((2, 2, 1), np.uint8))
    with pytest.raises(ImportError, match="DecodeJpeg needs Pillow.*pip install pillow"):
        kf.image.decode_jpeg(b"")
