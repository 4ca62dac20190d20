"""Runs a kernel's per-image work over slices of the batch in parallel threads (numpy on the CPU).

numpy releases the GIL inside ufunc loops and copies, so memory-bound window kernels (max pooling and its
gradients) run on all cores when the batch is split into contiguous ranges, one per thread. On the 2-core
bench machine the max-pool gradient of a [128, 24, 24, 64] batch went from 13 ms to 8 ms and the forward
from 4 ms to 1.5 ms. Work that calls BLAS (the convolutions' per-chunk im2col + GEMM + col2im) splits too,
with ``uses_blas=True``: BLAS then runs single-threaded in each part (``blas_threads``, which also explains
why such a kernel's whole plan keeps BLAS single-threaded), one hand-off per kernel rather than per chunk,
so the copies between GEMMs run on every core as well.
Small inputs run in the calling thread: a hand-off to a worker costs tens of microseconds. With
``block_items`` each thread walks its range in blocks, so kernels making several passes (an optimizer's
update) reread data still in the caches.

Example:
    >>> def fill(start, stop):
    ...     out[start:stop] = x[start:stop] * 2
    >>> over_batch(fill, len(x), x.size)
"""
import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor, wait

import numpy as np

from kflow.engine import devices, blas_threads, core_budget

MIN_ELEMENTS = 1 << 18  # elements per part below which splitting measured no faster
L2_BLOCK_BYTES = 1 << 20  # per-block input bytes for multi-pass kernels (1 MB L2 per core here; 0.5-2 MB
# measured within 5%)
_workers = []  # the shared ThreadPoolExecutor, created on first use
WORKER_PREFIX = "kflow-batch"


def thread_count():
    """Threads to split work over: this process's cores that other processes leave free (``core_budget``)."""
    return core_budget.free_cores()


def _executor(extra):
    if not _workers or _workers[0]._max_workers < extra:
        _workers[:] = [ThreadPoolExecutor(extra, thread_name_prefix=WORKER_PREFIX)]
    return _workers[0]


def over_batch(fn, n, elements, xp=np, block_items=0, uses_blas=False, max_parts=None):
    """Calls ``fn(start, stop)`` on contiguous ranges that cover images ``0..n``; in parallel when worthwhile.

    Args:
        fn: writes the results of images ``start:stop``; ranges never overlap, so calls must not share
            output elements across images.
        n: batch size.
        elements: the work's size in array elements (decides whether splitting pays).
        xp: the array module; CuPy work always runs in one call (the GPU is already parallel).
        block_items: when > 0, ranges are cut into blocks of at most this many images (CPU only).
        uses_blas: ``fn`` calls BLAS: the parts run with BLAS single-threaded, and serially where BLAS's thread
            count cannot be changed (its own threads would oversubscribe the cores).
        max_parts: at most this many parts (threads), e.g. a session's ``intra_op_parallelism_threads``.
    """
    if block_items > 0 and xp is np:
        fn = _blocked(fn, block_items)
    parts = min(n, thread_count(), max_parts or n, elements // MIN_ELEMENTS) if xp is np else 1
    # a part that splits again runs whole: a worker waiting on its own pool could wait forever
    if parts < 2 or uses_blas and not blas_threads.available() or \
            threading.current_thread().name.startswith(WORKER_PREFIX):
        fn(0, n)
        return
    with blas_threads.single_threaded() if uses_blas else contextlib.nullcontext():
        _split(fn, n, parts)


def l2_block(x):
    """Images of the batch ``x`` per block of about ``L2_BLOCK_BYTES`` (for ``over_batch``'s ``block_items``):
    kernels making several passes over a block (compare, mask, multiply) then reread cached data, 1.4x faster
    for the max-pool gradient on one core."""
    return max(1, L2_BLOCK_BYTES // max(x.nbytes // max(len(x), 1), 1))


def _split(fn, n, parts):
    bounds = [n * i // parts for i in range(parts + 1)]
    futures = [_executor(parts - 1).submit(fn, bounds[i], bounds[i + 1]) for i in range(1, parts)]
    try:
        fn(bounds[0], bounds[1])
    finally:  # wait for every worker even when a part raised (none may still write, or run with BLAS
        # lowered after its caller restored it), then surface their errors
        wait(futures)
        for f in futures:
            f.result()


def _blocked(fn, size):
    def run(start, stop):
        for s in range(start, stop, size):
            fn(s, min(stop, s + size))
    return run


def map_over_batch(fn, x, *others, dtype=None):
    """``fn(x, *others, out=out)`` for an elementwise ``fn`` whose result has ``x``'s shape (and ``dtype``, by
    default ``x``'s), computed over ranges of the batch in parallel threads when ``x`` is a large CPU array.

    Each of ``others`` either has ``x``'s leading (batch) dimension and is sliced with it, or broadcasts to
    one image and is passed whole (a bias vector, a scalar). Anything else runs as one plain call.

    Example:
        >>> y = map_over_batch(np.maximum, x, 0)     # relu on both cores
    """
    # small arrays (most calls) take the plain call after the cheap tests; a device array runs as one call
    # too (CuPy's are no np.ndarray, but a numpy-backed stand-in can be)
    if isinstance(x, np.ndarray) and x.ndim and x.size >= 2 * MIN_ELEMENTS and \
            devices.array_module(x, *others) is np:
        shapes = [np.shape(o) for o in others]
        if np.broadcast_shapes(x.shape, *shapes) == x.shape:
            return _map_parts(fn, x, others, shapes, dtype)
    return fn(x, *others) if dtype is None else fn(x, *others, dtype=dtype)


def _map_parts(fn, x, others, shapes, dtype):
    """``map_over_batch``'s threaded path: batch-shaped ``others`` are sliced with ``x``, the rest passed whole."""
    batched = [len(s) == x.ndim and s[0] == len(x) and len(x) > 1 for s in shapes]
    out = np.empty(x.shape, dtype or x.dtype)

    def part(start, stop):
        fn(x[start:stop], *[o[start:stop] if b else o for o, b in zip(others, batched)], out=out[start:stop])

    over_batch(part, len(x), x.size)
    return out


def sum_over_batch(fn, n, elements, xp=np, uses_blas=False):
    """The sum of ``fn(start, stop)`` over ranges covering images ``0..n``, computed like ``over_batch``.

    Partial results are added in range order, so the same inputs and thread count give the same bits.

    Example:
        >>> bias_grad = sum_over_batch(lambda s, e: g[s:e].reshape(-1, c).sum(axis=0), len(g), g.size)
    """
    partial = {}

    def part(start, stop):
        partial[start] = fn(start, stop)

    over_batch(part, n, elements, xp, uses_blas=uses_blas)
    starts = sorted(partial)
    total = partial[starts[0]]
    for start in starts[1:]:
        total += partial[start]
    return total
