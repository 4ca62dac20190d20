"""String hashing as TF does it: ``string_to_hash_bucket_fast`` (FarmHash Fingerprint64), ``..._strong``
(SipHash-2-4 keyed by two uint64) and the hashed feature cross of ``tf.sparse.cross_hashed`` (FingerprintCat64).

Hash values must equal TF's bit for bit: Keras's Hashing/HashedCrossing layers and the OOV buckets of
StringLookup depend on them, and a model trained with TF must bucket the same strings the same way here.
The hashes are plain Python over 64-bit integers (strings live on the host; these ops never go to a GPU).

Example:
    >>> fingerprint64(b"")                     # 0x9ae16a3b2f90404f, FarmHash's k2
    >>> string_to_hash_bucket_fast([b"A", b"B"], 3)
"""
import struct

import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor

_MASK = (1 << 64) - 1
_K0, _K1, _K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f
_CROSS_MUL = 0xc6a4a7935bd1e995
DEFAULT_CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


def _fetch64(s, i):
    return struct.unpack_from("<Q", s, i)[0]


def _fetch32(s, i):
    return struct.unpack_from("<I", s, i)[0]


def _rotate(v, shift):
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & _MASK


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _MASK
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK
    b ^= b >> 47
    return (b * mul) & _MASK


def _hash_len0to16(s, n):
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch64(s, 0) + _K2) & _MASK
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        return _hash_len16(n + (_fetch32(s, 0) << 3), _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_len17to32(s, n):
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K1) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _MASK
    d = (_fetch64(s, n - 16) * _K2) & _MASK
    return _hash_len16((_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
                       (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _hash_len33to64(s, n):
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K2) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _MASK
    d = (_fetch64(s, n - 16) * _K2) & _MASK
    y = (_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK
    z = _hash_len16(y, (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)
    e = (_fetch64(s, 16) * mul) & _MASK
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & _MASK
    h = ((z + _fetch64(s, n - 24)) * mul) & _MASK
    return _hash_len16((_rotate((e + f) & _MASK, 43) + _rotate(g, 30) + h) & _MASK,
                       (e + _rotate((f + a) & _MASK, 18) + g) & _MASK, mul)


def _weak_hash_len32_with_seeds(s, i, a, b):
    w, x, y, z = (_fetch64(s, i + k) for k in (0, 8, 16, 24))
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(data):
    """FarmHash's ``Fingerprint64`` (farmhashna::Hash64) of ``data`` (bytes): TF's ``Fingerprint64``.

    Example:
        >>> hex(fingerprint64(b""))
        '0x9ae16a3b2f90404f'
    """
    s = bytes(data)
    n = len(s)
    if n <= 16:
        return _hash_len0to16(s, n)
    if n <= 32:
        return _hash_len17to32(s, n)
    if n <= 64:
        return _hash_len33to64(s, n)
    seed = 81
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v0 = v1 = w0 = w1 = 0
    x = (seed * _K2 + _fetch64(s, 0)) & _MASK
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _MASK, 37) * _K1) & _MASK
        y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _MASK, 42) * _K1) & _MASK
        x ^= w1
        y = (y + v0 + _fetch64(s, i + 40)) & _MASK
        z = (_rotate((z + w0) & _MASK, 33) * _K1) & _MASK
        v0, v1 = _weak_hash_len32_with_seeds(s, i, (v1 * _K1) & _MASK, (x + w0) & _MASK)
        w0, w1 = _weak_hash_len32_with_seeds(s, i + 32, (z + w1) & _MASK, (y + _fetch64(s, i + 16)) & _MASK)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xff) << 1)
    i = last64
    w0 = (w0 + ((n - 1) & 63)) & _MASK
    v0 = (v0 + w0) & _MASK
    w0 = (w0 + v0) & _MASK
    x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _MASK, 37) * mul) & _MASK
    y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _MASK, 42) * mul) & _MASK
    x ^= (w1 * 9) & _MASK
    y = (y + v0 * 9 + _fetch64(s, i + 40)) & _MASK
    z = (_rotate((z + w0) & _MASK, 33) * mul) & _MASK
    v0, v1 = _weak_hash_len32_with_seeds(s, i, (v1 * mul) & _MASK, (x + w0) & _MASK)
    w0, w1 = _weak_hash_len32_with_seeds(s, i + 32, (z + w1) & _MASK, (y + _fetch64(s, i + 16)) & _MASK)
    z, x = x, z
    return _hash_len16((_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _MASK,
                       (_hash_len16(v1, w1, mul) + x) & _MASK, mul)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _MASK
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 64 - 32)
    v2 = (v2 + v3) & _MASK
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & _MASK
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & _MASK
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash24(key, data):
    """SipHash-2-4 of ``data`` keyed by ``key = (k0, k1)`` (two uint64): TF's ``StrongKeyedHash``.

    Example:
        >>> siphash24((0, 0), b"")
    """
    k0, k1 = (int(k) & _MASK for k in key)
    v0, v1 = k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d
    v2, v3 = k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573
    s = bytes(data)
    n = len(s)
    full = n - n % 8
    for i in range(0, full, 8):
        m = _fetch64(s, i)
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    m = ((n & 0xff) << 56) | int.from_bytes(s[full:], "little")
    v3 ^= m
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


def fingerprint_cat64(fp1, fp2):
    """TF's ``FingerprintCat64``: combines two fingerprints (order matters), as feature crosses do."""
    result = fp1 ^ _CROSS_MUL
    result ^= (_shift_mix((fp2 * _CROSS_MUL) & _MASK) * _CROSS_MUL) & _MASK
    result = (result * _CROSS_MUL) & _MASK
    result = (_shift_mix(result) * _CROSS_MUL) & _MASK
    return _shift_mix(result)


def hash_bytes(value):
    """A feature value as the bytes TF hashes: strings as they are, integers as their decimal text."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")


def hash_buckets(x, num_buckets, key=None):
    flat = np.asarray(x, dtype=object).reshape(-1)
    if key is None:
        out = [fingerprint64(hash_bytes(v)) % num_buckets for v in flat]
    else:
        out = [siphash24(key, hash_bytes(v)) % num_buckets for v in flat]
    return np.array(out, dtype=np.int64).reshape(np.shape(x))


def _feature_hash(value):
    """A cross's hash of one feature: Fingerprint64 of a string, an integer as itself (two's complement)."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return fingerprint64(hash_bytes(value))
    return int(value) & _MASK


def cross_buckets(*columns, num_buckets, hash_key):
    flats = [np.asarray(c, dtype=object).reshape(-1) for c in columns]
    out = np.empty(flats[0].shape, np.int64)
    for i in range(out.size):
        h = hash_key
        for flat in flats:
            h = fingerprint_cat64(h, _feature_hash(flat[i]))
        out[i] = h % num_buckets if num_buckets > 0 else h % ((1 << 63) - 1)
    return out.reshape(np.shape(columns[0]))


STRING_TO_HASH_BUCKET_FAST = OpDef("StringToHashBucketFast", hash_buckets, grad=None, host_only=True)
STRING_TO_HASH_BUCKET_STRONG = OpDef("StringToHashBucketStrong", hash_buckets, grad=None, host_only=True)
HASHED_CROSS = OpDef("HashedCross", cross_buckets, grad=None, host_only=True)


def _check_buckets(op_type, name, x, num_buckets):
    if int(num_buckets) < 1:
        raise build_error(op_type, name, [x], "%s: num_buckets must be >= 1, got %r" % (op_type, num_buckets))


def _string_input(op_type, name, x):
    x = convert_to_tensor(x)
    if x.dtype is not dtypes.string:
        raise build_error(op_type, name, [x], "%s: input must be a string tensor, got %s (use kf.as_string for "
                          "numbers)" % (op_type, x.dtype.name), TypeError)
    return x


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's argument name
    """``Fingerprint64(s) % num_buckets`` for each string, as int64 (TF's ``tf.strings.to_hash_bucket_fast``).

    Example:
        >>> string_to_hash_bucket_fast([b"Hello", b"TensorFlow", b"2.x"], 3)   # TF's docs: [0, 2, 2]
    """
    x = _string_input("StringToHashBucketFast", name, input)
    _check_buckets("StringToHashBucketFast", name, x, num_buckets)
    return make_op(STRING_TO_HASH_BUCKET_FAST, [x], [(dtypes.int64, x.shape)], name or "StringToHashBucketFast",
                   params={"num_buckets": int(num_buckets)}).outputs[0]


def string_to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002
    """``SipHash-2-4(key, s) % num_buckets`` for each string (TF's ``tf.strings.to_hash_bucket_strong``).

    Example:
        >>> string_to_hash_bucket_strong([b"Hello"], 3, key=[1, 2])
    """
    x = _string_input("StringToHashBucketStrong", name, input)
    _check_buckets("StringToHashBucketStrong", name, x, num_buckets)
    if len(key) != 2:
        raise build_error("StringToHashBucketStrong", name, [x], "StringToHashBucketStrong: key must be two "
                          "integers, got %r" % (key,))
    return make_op(STRING_TO_HASH_BUCKET_STRONG, [x], [(dtypes.int64, x.shape)], name or "StringToHashBucketStrong",
                   params={"num_buckets": int(num_buckets), "key": tuple(int(k) for k in key)}).outputs[0]


def hashed_cross(columns, num_buckets, hash_key=None, name=None):
    """The hashed cross of equally shaped string or integer columns, elementwise (the dense form of TF's
    ``tf.sparse.cross_hashed`` on one value per row): int64 in ``[0, num_buckets)``.

    Example:
        >>> hashed_cross([[b"A", b"B"], [101, 102]], num_buckets=5)
    """
    columns = [convert_to_tensor(c) for c in columns]
    if len(columns) < 2:
        raise build_error("HashedCross", name, columns, "HashedCross: needs at least two columns, got %d"
                          % len(columns))
    shape = columns[0].shape
    for c in columns:
        if not (c.dtype is dtypes.string or c.dtype.is_integer):
            raise build_error("HashedCross", name, columns, "HashedCross: columns must be strings or integers, "
                              "got %s" % c.dtype.name, TypeError)
        if not c.shape.is_compatible_with(shape):
            raise build_error("HashedCross", name, columns, "HashedCross: columns must have one shape, got %s "
                              "and %s" % (shape, c.shape))
    key = DEFAULT_CROSS_HASH_KEY if hash_key is None else int(hash_key)
    return make_op(HASHED_CROSS, columns, [(dtypes.int64, shape)], name or "HashedCross",
                   params={"num_buckets": int(num_buckets), "hash_key": key}).outputs[0]
