"""String codecs of ``tf.io``: web-safe base64 (encode_base64/decode_base64) and decode_compressed (ZLIB/GZIP),
elementwise over string tensors (host ops: strings never go to a GPU).

Example:
    >>> kf.io.encode_base64([b"hi?"])                       # [b"aGk_"]
    >>> kf.io.decode_compressed(records, compression_type="GZIP")
"""
import base64
import gzip
import zlib

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.string_ops import map_strings, strings_input


def _encode_kernel(x, pad):
    def encode(v):
        code = base64.urlsafe_b64encode(v)
        return code if pad else code.rstrip(b"=")
    return map_strings(encode, x)


def _decode_kernel(x):
    def decode(v):
        try:
            return base64.urlsafe_b64decode(v + b"=" * (-len(v) % 4))
        except (ValueError, TypeError) as e:
            raise ValueError("decode_base64: %r is not web-safe base64: %s" % (v[:40], e)) from None
    return map_strings(decode, x)


def _decompress_kernel(x, compression_type):
    def decompress(v):
        try:
            if compression_type == "ZLIB":
                return zlib.decompress(v)
            if compression_type == "GZIP":
                return gzip.decompress(v)
            return v
        except (OSError, zlib.error, EOFError) as e:
            raise ValueError("decode_compressed: a %s string (%d bytes) is corrupt: %s"
                             % (compression_type, len(v), e)) from None
    return map_strings(decompress, x)


ENCODE_BASE64 = OpDef("EncodeBase64", _encode_kernel, grad=None, host_only=True)
DECODE_BASE64 = OpDef("DecodeBase64", _decode_kernel, grad=None, host_only=True)
DECODE_COMPRESSED = OpDef("DecodeCompressed", _decompress_kernel, grad=None, host_only=True)


def encode_base64(input, pad=False, name=None):  # noqa: A002 - TF's argument name
    """Web-safe base64 (``-`` and ``_`` for ``+`` and ``/``) of each string; ``=`` padding only with ``pad``.

    Example:
        >>> kf.io.encode_base64([b"\\xfb\\xff"])   # [b"-_8"]
    """
    x = strings_input("EncodeBase64", name, input)
    return make_op(ENCODE_BASE64, [x], [(dtypes.string, x.shape)], name or "EncodeBase64",
                   params={"pad": bool(pad)}).outputs[0]


def decode_base64(input, name=None):  # noqa: A002
    """Decodes web-safe base64 strings (padded or not).

    Example:
        >>> kf.io.decode_base64([b"aGk_"])   # [b"hi?"]
    """
    x = strings_input("DecodeBase64", name, input)
    return make_op(DECODE_BASE64, [x], [(dtypes.string, x.shape)], name or "DecodeBase64").outputs[0]


def decode_compressed(bytes, compression_type="", name=None):  # noqa: A002 - TF's argument name
    """Decompresses each string (``compression_type`` "", "ZLIB" or "GZIP"; "" passes strings through).

    Example:
        >>> kf.io.decode_compressed([zlib.compress(b"abc")], "ZLIB")   # [b"abc"]
    """
    x = strings_input("DecodeCompressed", name, bytes)
    if compression_type not in ("", "ZLIB", "GZIP"):
        raise build_error("DecodeCompressed", name, [x], "decode_compressed: compression_type must be '', 'ZLIB' or "
                          "'GZIP', got %r" % (compression_type,))
    return make_op(DECODE_COMPRESSED, [x], [(dtypes.string, x.shape)], name or "DecodeCompressed",
                   params={"compression_type": compression_type}).outputs[0]
