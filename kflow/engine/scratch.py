"""Scratch buffers a CPU kernel reuses from one call (and one training step) to the next, per thread.

Convolutions copy patches into a matrix and pad images into a zero-bordered buffer on every call. Fresh
multi-megabyte buffers cost more than the copies: numpy's large allocations are new mappings whose pages fault
on first touch, and a padded buffer must be zero-filled. In the TF1 deep-MNIST step, those allocations took
9 ms of 82. A kernel instead asks this module for its buffer: the same thread gets the same memory back on the
next call, so a training step allocates its scratch once.

Buffers are per thread (``over_batch`` runs kernels' parts in several threads at once) and only for numpy:
CuPy's memory pool already reuses device memory. A buffer is valid until the same thread asks for the same tag
again, so a kernel must be done with it before it calls another kernel using that tag.

Example:
    >>> cols = scratch.growable("im2col", rows * k, np.float32)[:rows * k].reshape(rows, k)
    >>> padded = scratch.zero_bordered("conv-pad", (b, h + 2, w + 2, c), np.float32, interior=(1, 1))
"""
import threading

import numpy as np

_local = threading.local()
MAX_BORDERED = 8  # zero-bordered buffers kept per thread (one per padded input shape of a model's layers)


def _cache():
    cache = getattr(_local, "cache", None)
    if cache is None:
        cache = _local.cache = {}
    return cache


def growable(tag, size, dtype):
    """A 1-D numpy buffer of at least ``size`` elements of ``dtype``; contents undefined.

    The buffer behind ``tag`` only grows, so one buffer serves every layer's (differently sized) use.
    """
    cache = _cache()
    key = ("growable", tag, np.dtype(dtype))
    buf = cache.get(key)
    if buf is None or buf.size < size:
        buf = cache[key] = np.empty(max(size, 1), dtype)
    return buf


def zero_bordered(tag, shape, dtype, interior):
    """A zeroed buffer of ``shape`` whose callers write only the region starting at offset ``interior`` (rows,
    cols of axes 1 and 2), so its borders stay zero between calls and it is zero-filled once.

    Callers of one ``tag`` must write the same interior region for a given ``shape`` and ``interior``.
    """
    cache = _cache()
    key = ("bordered", tag, tuple(shape), np.dtype(dtype), tuple(interior))
    buf = cache.get(key)
    if buf is None:
        bordered = [k for k in cache if k[0] == "bordered"]
        if len(bordered) >= MAX_BORDERED:
            del cache[bordered[0]]  # the oldest: dicts keep insertion order
        buf = cache[key] = np.zeros(shape, dtype)
    return buf


def release():
    """Frees the calling thread's buffers (e.g. after training, to return the memory)."""
    _local.cache = {}
