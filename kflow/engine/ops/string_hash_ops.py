"""String hashing into buckets, bit-exact with TensorFlow: ``to_hash_bucket_fast`` (FarmHash Fingerprint64),
``to_hash_bucket`` (TF's legacy Hash64, a MurmurHash2 variant) and ``to_hash_bucket_strong`` (SipHash-2-4); and
the hashes of Keras's Hashing/HashedCrossing layers and StringLookup's OOV buckets (``hash_buckets``, the feature
cross ``hashed_cross`` of ``tf.sparse.cross_hashed``).

Bucket ids must match TF's so that vocabularies, hashed feature columns and checkpoints trained with TF
index the same rows in kflow; the hashes are written out here (pure Python, host ops) rather than taken from
Python's ``hash`` (salted per process) or a third-party package.

Example:
    >>> kf.strings.to_hash_bucket_fast([b"hello"], 1000)   # FarmHash Fingerprint64(b"hello") % 1000
"""
import functools
import struct

import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.string_ops import as_bytes, strings_input

_M64 = (1 << 64) - 1
_K0, _K1, _K2 = 0xc3a5c85c97cb3127, 0xb492b66fbe98f273, 0x9ae16a3b2f90404f


def _fetch64(s, i):
    return struct.unpack_from("<Q", s, i)[0]


def _fetch32(s, i):
    return struct.unpack_from("<I", s, i)[0]


def _rotate(v, shift):
    return v if shift == 0 else ((v >> shift) | (v << (64 - shift))) & _M64


def _shift_mix(v):
    return v ^ (v >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _M64
    a ^= a >> 47
    b = ((v ^ a) * mul) & _M64
    b ^= b >> 47
    return (b * mul) & _M64


def _hash_len0to16(s):
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch64(s, 0) + _K2) & _M64
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & _M64
        d = ((_rotate(a, 25) + b) * mul) & _M64
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        return _hash_len16((n + (_fetch32(s, 0) << 3)) & _M64, _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _M64) * _K2) & _M64
    return _K2


def _hash_len17to32(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K1) & _M64
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _M64
    d = (_fetch64(s, n - 16) * _K2) & _M64
    return _hash_len16((_rotate((a + b) & _M64, 43) + _rotate(c, 30) + d) & _M64,
                       (a + _rotate((b + _K2) & _M64, 18) + c) & _M64, mul)


def _hash_len33to64(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K2) & _M64
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _M64
    d = (_fetch64(s, n - 16) * _K2) & _M64
    y = (_rotate((a + b) & _M64, 43) + _rotate(c, 30) + d) & _M64
    z = _hash_len16(y, (a + _rotate((b + _K2) & _M64, 18) + c) & _M64, mul)
    e = (_fetch64(s, 16) * mul) & _M64
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, n - 32)) * mul) & _M64
    h = ((z + _fetch64(s, n - 24)) * mul) & _M64
    return _hash_len16((_rotate((e + f) & _M64, 43) + _rotate(g, 30) + h) & _M64,
                       (e + _rotate((f + a) & _M64, 18) + g) & _M64, mul)


def _weak_hash_len32_with_seeds(s, i, a, b):
    w, x, y, z = struct.unpack_from("<4Q", s, i)
    a = (a + w) & _M64
    b = _rotate((b + a + z) & _M64, 21)
    c = a
    a = (a + x + y) & _M64
    b = (b + _rotate(a, 44)) & _M64
    return (a + z) & _M64, (b + c) & _M64


def fingerprint64(s):
    """FarmHash's ``Fingerprint64`` (farmhashna::Hash64) of the bytes ``s``: TF's ``Fingerprint64``."""
    n = len(s)
    if n <= 16:
        return _hash_len0to16(s)
    if n <= 32:
        return _hash_len17to32(s)
    if n <= 64:
        return _hash_len33to64(s)
    seed = 81
    y = (seed * _K1 + 113) & _M64
    z = (_shift_mix((y * _K2 + 113) & _M64) * _K2) & _M64
    v0 = v1 = w0 = w1 = 0
    x = (seed * _K2 + _fetch64(s, 0)) & _M64
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    i = 0
    while True:
        x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _M64, 37) * _K1) & _M64
        y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _M64, 42) * _K1) & _M64
        x ^= w1
        y = (y + v0 + _fetch64(s, i + 40)) & _M64
        z = (_rotate((z + w0) & _M64, 33) * _K1) & _M64
        v0, v1 = _weak_hash_len32_with_seeds(s, i, (v1 * _K1) & _M64, (x + w0) & _M64)
        w0, w1 = _weak_hash_len32_with_seeds(s, i + 32, (z + w1) & _M64, (y + _fetch64(s, i + 16)) & _M64)
        z, x = x, z
        i += 64
        if i == end:
            break
    mul = _K1 + ((z & 0xff) << 1)
    i = last64
    w0 = (w0 + ((n - 1) & 63)) & _M64
    v0 = (v0 + w0) & _M64
    w0 = (w0 + v0) & _M64
    x = (_rotate((x + y + v0 + _fetch64(s, i + 8)) & _M64, 37) * mul) & _M64
    y = (_rotate((y + v1 + _fetch64(s, i + 48)) & _M64, 42) * mul) & _M64
    x ^= (w1 * 9) & _M64
    y = (y + v0 * 9 + _fetch64(s, i + 40)) & _M64
    z = (_rotate((z + w0) & _M64, 33) * mul) & _M64
    v0, v1 = _weak_hash_len32_with_seeds(s, i, (v1 * mul) & _M64, (x + w0) & _M64)
    w0, w1 = _weak_hash_len32_with_seeds(s, i + 32, (z + w1) & _M64, (y + _fetch64(s, i + 16)) & _M64)
    z, x = x, z
    return _hash_len16((_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _M64,
                       (_hash_len16(v1, w1, mul) + x) & _M64, mul)


def legacy_hash64(s, seed=0xDECAFCAFFE):
    """TF's ``Hash64`` (tensorflow/core/lib/hash/hash.cc: MurmurHash64A with TF's default seed)."""
    m = 0xc6a4a7935bd1e995
    n = len(s)
    h = (seed ^ (n * m)) & _M64
    whole = n - n % 8
    for (k,) in struct.iter_unpack("<Q", s[:whole]):
        k = (k * m) & _M64
        k ^= k >> 47
        k = (k * m) & _M64
        h = ((h ^ k) * m) & _M64
    tail = s[whole:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & _M64
    h ^= h >> 47
    h = (h * m) & _M64
    return h ^ (h >> 47)


def _sip_round(v0, v1, v2, v3):
    v0 = (v0 + v1) & _M64
    v1 = _rotate(v1, 64 - 13) ^ v0
    v0 = _rotate(v0, 64 - 32)
    v2 = (v2 + v3) & _M64
    v3 = _rotate(v3, 64 - 16) ^ v2
    v0 = (v0 + v3) & _M64
    v3 = _rotate(v3, 64 - 21) ^ v0
    v2 = (v2 + v1) & _M64
    v1 = _rotate(v1, 64 - 17) ^ v2
    v2 = _rotate(v2, 64 - 32)
    return v0, v1, v2, v3


def siphash24(key0, key1, s):
    """SipHash-2-4 (64-bit output) of the bytes ``s`` under the 128-bit key ``(key0, key1)``: TF's
    ``StrongKeyedHash``."""
    v0, v1 = key0 ^ 0x736f6d6570736575, key1 ^ 0x646f72616e646f6d
    v2, v3 = key0 ^ 0x6c7967656e657261, key1 ^ 0x7465646279746573
    n = len(s)
    padded = s + b"\0" * (7 - n % 8) + bytes([n & 0xff])
    for (m,) in struct.iter_unpack("<Q", padded):
        v3 ^= m
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 ^= m
    v2 ^= 0xff
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3


# Tokens repeat (a vocabulary's words, a feature's values): remembering recent hashes skips the pure-Python
# hashing for most of a batch.
_cached_fingerprint64 = functools.lru_cache(maxsize=1 << 16)(fingerprint64)
_cached_legacy_hash64 = functools.lru_cache(maxsize=1 << 16)(legacy_hash64)
_cached_siphash24 = functools.lru_cache(maxsize=1 << 16)(siphash24)


def fingerprints(strings):
    """uint64 array of the Fingerprint64s of a string array (feature columns' hash buckets and crosses)."""
    flat = np.asarray(strings, dtype=object).reshape(-1)
    return np.array([_cached_fingerprint64(as_bytes(v)) for v in flat], np.uint64).reshape(np.shape(strings))


def _bucket_kernel(x, num_buckets, hash_fn):
    flat = np.asarray(x, dtype=object).reshape(-1)
    return np.array([hash_fn(as_bytes(v)) % num_buckets for v in flat], dtype=np.int64).reshape(np.shape(x))


def _fast_kernel(x, num_buckets):
    return _bucket_kernel(x, num_buckets, _cached_fingerprint64)


def _legacy_kernel(x, num_buckets):
    return _bucket_kernel(x, num_buckets, _cached_legacy_hash64)


def _strong_kernel(x, num_buckets, key):
    return _bucket_kernel(x, num_buckets, functools.partial(_cached_siphash24, key[0], key[1]))


STRING_TO_HASH_BUCKET_FAST = OpDef("StringToHashBucketFast", _fast_kernel, grad=None, host_only=True)
STRING_TO_HASH_BUCKET = OpDef("StringToHashBucket", _legacy_kernel, grad=None, host_only=True)
STRING_TO_HASH_BUCKET_STRONG = OpDef("StringToHashBucketStrong", _strong_kernel, grad=None, host_only=True)


def _build(op_def, input, num_buckets, name, **params):  # noqa: A002 - TF's argument name
    x = strings_input(op_def.type, name, input)
    if isinstance(num_buckets, bool) or not isinstance(num_buckets, (int, np.integer)) or num_buckets < 1:
        raise build_error(op_def.type, name, [x], "%s: num_buckets must be a positive int, got %r"
                          % (op_def.type, num_buckets))
    return make_op(op_def, [x], [(dtypes.int64, x.shape)], name or op_def.type,
                   params=dict(num_buckets=int(num_buckets), **params)).outputs[0]


def to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's argument name
    """Each string's bucket ``Fingerprint64(s) % num_buckets`` (int64), as ``tf.strings.to_hash_bucket_fast``.

    Example:
        >>> kf.strings.to_hash_bucket_fast([b"a", b"b"], num_buckets=10)
    """
    return _build(STRING_TO_HASH_BUCKET_FAST, input, num_buckets, name)


def to_hash_bucket(string_tensor, num_buckets, name=None):
    """Each string's bucket under TF's legacy ``Hash64`` (``tf.strings.to_hash_bucket``); prefer
    :func:`to_hash_bucket_fast`, which TF recommends for new code."""
    return _build(STRING_TO_HASH_BUCKET, string_tensor, num_buckets, name)


def to_hash_bucket_strong(input, num_buckets, key, name=None):  # noqa: A002 - TF's argument name
    """Each string's bucket under SipHash-2-4 keyed by ``key`` (two non-negative ints), as
    ``tf.strings.to_hash_bucket_strong``: bucket ids an adversary cannot steer without the key."""
    if not isinstance(key, (list, tuple)) or len(key) != 2 or not all(
            isinstance(k, (int, np.integer)) and 0 <= k <= _M64 for k in key):
        raise ValueError("StringToHashBucketStrong: key must be a list of two uint64 ints, got %r" % (key,))
    return _build(STRING_TO_HASH_BUCKET_STRONG, input, num_buckets, name, key=(int(key[0]), int(key[1])))


# ---- Keras's hashing layers and feature crosses ----------------------------------------------------------------
_CROSS_MUL = 0xc6a4a7935bd1e995
DEFAULT_CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


def strong_hash(key, data):
    """SipHash-2-4 of ``data`` under ``key = (k0, k1)``, each taken modulo 2**64 as TF's uint64 attribute takes it
    (Keras's ``salt`` may be negative)."""
    k0, k1 = (int(k) & _M64 for k in key)
    return _cached_siphash24(k0, k1, bytes(data))


def fingerprint_cat64(fp1, fp2):
    """TF's ``FingerprintCat64``: combines two fingerprints (order matters), as feature crosses do."""
    result = fp1 ^ _CROSS_MUL
    result ^= (_shift_mix((fp2 * _CROSS_MUL) & _M64) * _CROSS_MUL) & _M64
    result = (result * _CROSS_MUL) & _M64
    result = (_shift_mix(result) * _CROSS_MUL) & _M64
    return _shift_mix(result)


def hash_bytes(value):
    """A feature value as the bytes Keras's Hashing hashes: strings as they are, integers as their decimal text."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    return str(int(value)).encode("ascii")


def hash_buckets(x, num_buckets, key=None):
    """Keras Hashing's bucket of each value: Fingerprint64, or SipHash-2-4 under ``key``, modulo ``num_buckets``."""
    flat = np.asarray(x, dtype=object).reshape(-1)
    if key is None:
        out = [_cached_fingerprint64(hash_bytes(v)) % num_buckets for v in flat]
    else:
        out = [strong_hash(key, hash_bytes(v)) % num_buckets for v in flat]
    return np.array(out, dtype=np.int64).reshape(np.shape(x))


def _feature_hash(value):
    """A cross's hash of one feature: Fingerprint64 of a string, an integer as itself (two's complement)."""
    if isinstance(value, (bytes, np.bytes_, str)):
        return _cached_fingerprint64(hash_bytes(value))
    return int(value) & _M64


def cross_buckets(*columns, num_buckets, hash_key):
    flats = [np.asarray(c, dtype=object).reshape(-1) for c in columns]
    out = np.empty(flats[0].shape, np.int64)
    for i in range(out.size):
        h = hash_key
        for flat in flats:
            h = fingerprint_cat64(h, _feature_hash(flat[i]))
        out[i] = h % num_buckets if num_buckets > 0 else h % ((1 << 63) - 1)
    return out.reshape(np.shape(columns[0]))


HASHED_CROSS = OpDef("HashedCross", cross_buckets, grad=None, host_only=True)


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
