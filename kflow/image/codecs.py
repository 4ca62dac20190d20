"""``kf.image`` codecs: decode_png / encode_png, decode_jpeg / encode_jpeg, decode_image (PNG, JPEG, GIF, BMP).

Pillow does the coding; it is an optional dependency (``pip install pillow``, or the ``image`` extra), imported
when a codec op first runs, so ``import kflow`` never needs it. Each op takes/gives one scalar string.

Example:
    >>> png = kf.image.encode_png(kf.image.convert_image_dtype(image, kf.uint8))
    >>> back = kf.image.decode_png(png, channels=3)
"""
import importlib.util
import io

import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.errors import InvalidArgumentError

_MODES = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}


def _pil(op_type):
    try:
        from PIL import Image  # optional dependency, imported when a codec op first runs
    except ImportError:
        raise ImportError("%s needs Pillow, an optional dependency of kflow: pip install pillow" % op_type) from None
    return Image


def require_pillow(op_type):
    """Raises ImportError naming ``pip install pillow`` when Pillow is missing (checked when a codec op is built,
    so the error points at the user's line rather than at a session run)."""
    if importlib.util.find_spec("PIL") is None:
        raise ImportError("%s needs Pillow, an optional dependency of kflow: pip install pillow" % op_type)


def _bytes(value):
    value = value.item() if isinstance(value, np.ndarray) else value
    return value.encode() if isinstance(value, str) else bytes(value)


def _decode(op_type, contents, channels, dtype, formats):
    Image = _pil(op_type)
    try:
        img = Image.open(io.BytesIO(_bytes(contents)))
        if formats and img.format not in formats:
            raise ValueError("the data is %s, not %s" % (img.format, " or ".join(formats)))
        img.load()
    except (OSError, ValueError, SyntaxError) as e:
        raise InvalidArgumentError(None, None, "%s: cannot decode the image: %s" % (op_type, e)) from None
    if channels == 0:
        channels = {"L": 1, "LA": 2, "RGB": 3, "RGBA": 4, "I;16": 1, "I": 1, "1": 1, "P": 3 if "transparency"
                    not in img.info else 4}.get(img.mode, 3)
    wide = img.mode in ("I;16", "I;16B", "I") and channels == 1
    out = np.asarray(img if wide else img.convert(_MODES[channels]))
    if wide:
        out = out.astype(np.uint16)
    if out.ndim == 2:
        out = out[:, :, None]
    want = np.dtype(dtype.as_numpy_dtype)
    if want == np.uint16 and out.dtype == np.uint8:
        out = out.astype(np.uint16) * 257  # TF scales 8-bit PNGs read as uint16
    elif want == np.uint8 and out.dtype == np.uint16:
        out = (out >> 8).astype(np.uint8)
    return np.ascontiguousarray(out.astype(want, copy=False))


def _decode_png_kernel(contents, channels, dtype):
    return _decode("DecodePng", contents, channels, dtype, ("PNG",))


def _decode_jpeg_kernel(contents, channels):
    return _decode("DecodeJpeg", contents, channels, dtypes.uint8, ("JPEG",))


def _decode_image_kernel(contents, channels, dtype):
    out = _decode("DecodeImage", contents, channels, dtypes.uint8, ())
    if dtype is dtypes.uint8:
        return out
    return (out.astype(np.float64) / 255.0).astype(dtype.as_numpy_dtype)


def _encode(op_type, image, fmt, **options):
    Image = _pil(op_type)
    if image.ndim != 3 or image.shape[2] not in (1, 2, 3, 4) or (fmt == "JPEG" and image.shape[2] not in (1, 3)):
        raise InvalidArgumentError(None, None, "%s: image must be [height, width, channels] with %s channels, got "
                                   "shape %s" % (op_type, "1 or 3" if fmt == "JPEG" else "1 to 4", image.shape))
    if image.dtype == np.uint16 and image.shape[2] != 1:
        raise InvalidArgumentError(None, None, "%s: kflow writes uint16 PNGs with 1 channel only, got %d"
                                   % (op_type, image.shape[2]))
    pic = Image.fromarray(np.ascontiguousarray(image[:, :, 0] if image.shape[2] == 1 else image))
    buf = io.BytesIO()
    pic.save(buf, format=fmt, **options)
    return np.asarray(buf.getvalue(), dtype=object)


def _encode_png_kernel(image, compression):
    return _encode("EncodePng", image, "PNG", compress_level=6 if compression < 0 else min(int(compression), 9))


def _encode_jpeg_kernel(image, quality):
    return _encode("EncodeJpeg", image, "JPEG", quality=int(quality))


DECODE_PNG = OpDef("DecodePng", _decode_png_kernel, grad=None, host_only=True)
DECODE_JPEG = OpDef("DecodeJpeg", _decode_jpeg_kernel, grad=None, host_only=True)
DECODE_IMAGE = OpDef("DecodeImage", _decode_image_kernel, grad=None, host_only=True)
ENCODE_PNG = OpDef("EncodePng", _encode_png_kernel, grad=None, host_only=True)
ENCODE_JPEG = OpDef("EncodeJpeg", _encode_jpeg_kernel, grad=None, host_only=True)


def _contents(op_type, contents, name):
    require_pillow(op_type)
    t = convert_to_tensor(contents, dtype=dtypes.string, name="contents")
    if t.shape.ndims not in (None, 0):
        raise build_error(op_type, name, [t], "%s: contents must be a scalar string, got shape %s" % (op_type, t.shape))
    return t


def _channels(op_type, channels, allowed):
    if channels not in allowed:
        raise ValueError("%s: channels must be one of %s, got %r" % (op_type, allowed, channels))
    return channels


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """Decodes a PNG string into a uint8 (or uint16) [height, width, channels] tensor (channels 0: as stored).

    Example:
        >>> kf.image.decode_png(kf.read_file(path), channels=3)
    """
    t = _contents("DecodePng", contents, name)
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16):
        raise TypeError("decode_png: dtype must be uint8 or uint16, got %s" % dtype.name)
    c = _channels("decode_png", channels, (0, 1, 2, 3, 4))
    return make_op(DECODE_PNG, [t], [(dtype, [None, None, c or None])], name or "DecodePng",
                   params={"channels": c, "dtype": dtype}).outputs[0]


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True, try_recover_truncated=False,
                acceptable_fraction=1, dct_method="", name=None):
    """Decodes a JPEG string into a uint8 [height, width, channels] tensor (channels 0, 1 or 3; ``ratio`` 1)."""
    t = _contents("DecodeJpeg", contents, name)
    c = _channels("decode_jpeg", channels, (0, 1, 3))
    if ratio != 1:
        raise ValueError("decode_jpeg: kflow decodes at full size only (ratio=1), got ratio=%r" % (ratio,))
    return make_op(DECODE_JPEG, [t], [(dtypes.uint8, [None, None, c or None])], name or "DecodeJpeg",
                   params={"channels": c}).outputs[0]


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None, expand_animations=True):
    """Decodes PNG, JPEG, GIF (first frame) or BMP data; float dtypes are scaled into [0, 1]."""
    t = _contents("DecodeImage", contents, name)
    c = _channels("decode_image", channels or 0, (0, 1, 3, 4))
    dtype = dtypes.as_dtype(dtype)
    if not (dtype is dtypes.uint8 or dtype.is_floating):
        raise TypeError("decode_image: dtype must be uint8 or floating, got %s" % dtype.name)
    return make_op(DECODE_IMAGE, [t], [(dtype, [None, None, c or None])], name or "DecodeImage",
                   params={"channels": c, "dtype": dtype}).outputs[0]


def _image(op_type, image, allowed, name):
    require_pillow(op_type)
    x = convert_to_tensor(image, name="image")
    if x.dtype not in allowed:
        raise build_error(op_type, name, [x], "%s: image dtype must be %s, got %s (see convert_image_dtype)"
                          % (op_type, " or ".join(d.name for d in allowed), x.dtype.name), TypeError)
    if x.shape.ndims not in (None, 3):
        raise build_error(op_type, name, [x], "%s: image must be 3-D [height, width, channels], got shape %s"
                          % (op_type, x.shape))
    return x


def encode_png(image, compression=-1, name=None):
    """Encodes a uint8 (or 1-channel uint16) [height, width, channels] image as a PNG string.

    Example:
        >>> kf.io.write_file("out.png", kf.image.encode_png(image))
    """
    x = _image("EncodePng", image, (dtypes.uint8, dtypes.uint16), name)
    return make_op(ENCODE_PNG, [x], [(dtypes.string, [])], name or "EncodePng",
                   params={"compression": int(compression)}).outputs[0]


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,  # noqa: A002 - TF's name
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300, xmp_metadata="",
                name=None):
    """Encodes a uint8 [height, width, 1 or 3] image as a JPEG string with ``quality`` (0-100)."""
    x = _image("EncodeJpeg", image, (dtypes.uint8,), name)
    if not 0 <= quality <= 100:
        raise ValueError("encode_jpeg: quality must be in [0, 100], got %r" % (quality,))
    return make_op(ENCODE_JPEG, [x], [(dtypes.string, [])], name or "EncodeJpeg",
                   params={"quality": int(quality)}).outputs[0]
