"""String hashing as TF: FarmHash ``Fingerprint64`` and ``string_to_hash_bucket_fast`` (host ops).

TF hashes strings into buckets with FarmHash's ``Fingerprint64`` (``farmhashna::Hash64``): hash-bucket feature
columns, vocabulary out-of-vocabulary buckets and feature crosses all depend on it, so the same string lands
in the same bucket as under TF and checkpoints trained by either stay meaningful. The hash is computed here in
Python on unsigned 64-bit arithmetic (masked), once per distinct string of a batch.

Example:
    >>> fingerprint64(b"hello") % 2**62             # as tf.strings.to_hash_bucket_fast("hello", 2**62)
    3786372426573024488
    >>> string_to_hash_bucket_fast(kf.constant(["a", "b"]), 10)
"""
import numpy as np

from kflow.engine import dtypes
from kflow.engine.op_def import OpDef
from kflow.engine.operation import build_error, make_op
from kflow.engine.ops.constant_op import convert_to_tensor, is_tensor_like

_MASK = (1 << 64) - 1
_K0 = 0xc3a5c85c97cb3127
_K1 = 0xb492b66fbe98f273
_K2 = 0x9ae16a3b2f90404f
_KMUL = 0xc6a4a7935bd1e995  # FingerprintCat64's multiplier (tensorflow/core/platform/fingerprint.h)


def _fetch64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _fetch32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


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


def _hash_len0to16(s):
    n = len(s)
    if n >= 8:
        mul = _K2 + n * 2
        a = (_fetch64(s, 0) + _K2) & _MASK
        b = _fetch64(s, n - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK
        d = ((_rotate(a, 25) + b) * mul) & _MASK
        return _hash_len16(c, d, mul)
    if n >= 4:
        mul = _K2 + n * 2
        a = _fetch32(s, 0)
        return _hash_len16((n + (a << 3)) & _MASK, _fetch32(s, n - 4), mul)
    if n > 0:
        y = s[0] + (s[n >> 1] << 8)
        z = n + (s[n - 1] << 2)
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK) * _K2) & _MASK
    return _K2


def _hash_len17to32(s):
    n = len(s)
    mul = _K2 + n * 2
    a = (_fetch64(s, 0) * _K1) & _MASK
    b = _fetch64(s, 8)
    c = (_fetch64(s, n - 8) * mul) & _MASK
    d = (_fetch64(s, n - 16) * _K2) & _MASK
    return _hash_len16((_rotate((a + b) & _MASK, 43) + _rotate(c, 30) + d) & _MASK,
                       (a + _rotate((b + _K2) & _MASK, 18) + c) & _MASK, mul)


def _hash_len33to64(s):
    n = len(s)
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
    w, x, y, z = _fetch64(s, i), _fetch64(s, i + 8), _fetch64(s, i + 16), _fetch64(s, i + 24)
    a = (a + w) & _MASK
    b = _rotate((b + a + z) & _MASK, 21)
    c = a
    a = (a + x + y) & _MASK
    b = (b + _rotate(a, 44)) & _MASK
    return (a + z) & _MASK, (b + c) & _MASK


def fingerprint64(s):
    """FarmHash ``Fingerprint64`` of the bytes ``s`` (an int in [0, 2**64)), as TF's ``Fingerprint64``."""
    n = len(s)
    if n <= 16:
        return _hash_len0to16(s)
    if n <= 32:
        return _hash_len17to32(s)
    if n <= 64:
        return _hash_len33to64(s)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK
    z = (_shift_mix((y * _K2 + 113) & _MASK) * _K2) & _MASK
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _fetch64(s, 0)) & _MASK
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


def fingerprint_cat64(fp1, fp2):
    """TF's ``FingerprintCat64``: combines two fingerprints (feature crosses chain it over the crossed values)."""
    result = fp1 ^ _KMUL
    result ^= (_shift_mix((fp2 * _KMUL) & _MASK) * _KMUL) & _MASK
    result = (result * _KMUL) & _MASK
    result = (_shift_mix(result) * _KMUL) & _MASK
    return _shift_mix(result)


def as_bytes(value):
    """A string element (bytes, str or numpy string) as bytes (str as UTF-8, as TF strings are)."""
    if isinstance(value, (bytes, np.bytes_)):
        return bytes(value)
    if isinstance(value, str):
        return value.encode("utf-8")
    raise TypeError("expected a string element, got %r (%s)" % (value, type(value).__name__))


def fingerprints(strings):
    """uint64 array of the fingerprints of a string array (each distinct string hashed once)."""
    flat = np.asarray(strings, dtype=object).reshape(-1)
    cache = {}
    out = np.empty(flat.shape, np.uint64)
    for i, v in enumerate(flat):
        b = as_bytes(v)
        fp = cache.get(b)
        if fp is None:
            fp = cache[b] = fingerprint64(b)
        out[i] = fp
    return out.reshape(np.shape(strings))


def _hash_bucket_kernel(x, num_buckets):
    return (fingerprints(x) % np.uint64(num_buckets)).astype(np.int64)


STRING_TO_HASH_BUCKET_FAST = OpDef("StringToHashBucketFast", _hash_bucket_kernel, grad=None, host_only=True)


def string_to_hash_bucket_fast(input, num_buckets, name=None):  # noqa: A002 - TF's argument name
    """``Fingerprint64(s) % num_buckets`` for each string of ``input`` (int64, same shape), as
    ``tf.strings.to_hash_bucket_fast``.

    Raises:
        TypeError: ``input`` is not a string tensor.
        ValueError: ``num_buckets`` is not a positive integer.
    """
    x = input if is_tensor_like(input) else convert_to_tensor(input, dtype=dtypes.string)
    if x.dtype is not dtypes.string:
        raise build_error("StringToHashBucketFast", name, [x], "StringToHashBucketFast: input '%s' must be a "
                          "string tensor, got %s" % (x.name, x.dtype.name), TypeError)
    if int(num_buckets) != num_buckets or num_buckets < 1:
        raise build_error("StringToHashBucketFast", name, [x], "StringToHashBucketFast: num_buckets must be a "
                          "positive integer, got %r" % (num_buckets,))
    return make_op(STRING_TO_HASH_BUCKET_FAST, [x], [(dtypes.int64, x.shape)], name,
                   params={"num_buckets": int(num_buckets)}).outputs[0]
