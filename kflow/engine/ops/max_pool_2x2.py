"""2x2 stride-2 max pooling with its argmax, and the gradient routed by it (NHWC, CPU): the usual CNN pool.

The forward is separable: the maximum of each row's column pair (and a bit: the right one greater), then of
the two rows (the bottom one greater), the comparisons strict, which picks the first maximum in row-major order
as the generic per-position loop (``pool_ops``) does. It reads each input once (the generic loop reads 3 of the 4
kernel positions twice: a compare and a maximum each); the rest runs on cached quarter-size arrays.
``np.maximum`` keeps its second operand on equal values (+0 and -0), so both end on the same value: the last
tied input in row-major order. The gradient writes each of the four strided quarters of ``dx`` once (``dy``
times the position's hit). Both walk each thread's part of the batch in L2-sized blocks of images, and the NaN
mask is written only where some maximum is NaN (unconditionally it cost a tenth of the forward).

Measured on 2 idle cores against the generic kernels in their L2 blocks (min of 5 x 50, two alternated runs):
forward with argmax even (0.59-0.60 vs 0.62-0.65 ms on [50, 28, 28, 32] SAME, 2.0-2.3 ms both on
[128, 24, 24, 64]); gradient 10-20% faster (0.43-0.48 -> 0.39-0.40 ms, 0.27-0.28 -> 0.21-0.22 ms on
[50, 14, 14, 64], 1.5-1.8 -> 1.4-1.6 ms). Tried and dropped: splitting each row into
its even and odd columns first (one copy of whole pixels as void items) to run on contiguous planes, a
shifted full-length compare, and routing the gradient into contiguous planes then interleaving them: no
faster, as the passes are bound by memory traffic more than by numpy's per-run overhead.

Bit for bit the generic kernels' results: windows whose maximum is NaN get ``NO_POSITION``; VALID drops an odd
last row/column (its gradient is 0); SAME windows on the bottom/right border of an odd size hold 2 positions
(one row or one column) or 1 (the corner) and are handled apart.

Example:
    >>> if is_2x2(window, x.dtype):
    ...     out, argmax = max_pool_with_argmax_2x2(x, window.padding)
"""
import numpy as np

from kflow.engine.ops.batch_parallel import l2_block, over_batch

NO_POSITION = 255  # the argmax of a window whose maximum is NaN (windows hold at most 255 positions)


def is_2x2(window, dtype):
    """Whether ``window`` is a 2x2 stride-2 undilated VALID/SAME pool over floats (these kernels' case)."""
    return tuple(window.ksize) == (2, 2) and tuple(window.strides) == (2, 2) and \
        all(d == 1 for d in window.dilations) and window.padding in ("VALID", "SAME") and \
        np.dtype(dtype).kind == "f"


def _out_size(size, padding):
    return size // 2 if padding == "VALID" else (size + 1) // 2


def _quarters(a, h2, w2):
    """The four kernel positions' views (row-major) of ``a[:, :2 * h2, :2 * w2]``, each [n, h2, w2, c]."""
    v = a[:, :2 * h2, :2 * w2].reshape(len(a), h2, 2, w2, 2, a.shape[3])  # splitting axes: always a view
    return v[:, :, 0, :, 0], v[:, :, 0, :, 1], v[:, :, 1, :, 0], v[:, :, 1, :, 1]


def mark_nan_maxima(out, argmax):
    """Sets ``argmax`` to ``NO_POSITION`` where the pooled ``out`` is NaN: a NaN maximum equals no input, so
    MaxPoolGrad (``x == y``) routes its gradient nowhere, and no kernel position matches this index either.
    Written only where some maximum is NaN (rare: an unconditional masked write cost a tenth of a 2x2 forward)."""
    if out.dtype.kind == "f":
        nan = np.isnan(out)
        if nan.any():
            np.putmask(argmax, nan, NO_POSITION)


def max_pool_with_argmax_2x2(x, padding):
    """``(max_pool(x), argmax)`` for a 2x2 stride-2 ``padding`` pool of ``x`` [n, h, w, c] (floats): as
    ``pool_ops.max_pool_with_argmax``, whose argmax numbers the kernel positions row-major (``NO_POSITION``
    where a window's maximum is NaN)."""
    n, h, w, c = x.shape
    shape = (n, _out_size(h, padding), _out_size(w, padding), c)
    out = np.empty(shape, x.dtype)
    argmax = np.empty(shape, np.uint8)
    h2, w2 = h // 2, w // 2

    def part(s, e):
        if h2 and w2:
            _even_windows(x[s:e], out[s:e, :h2, :w2], argmax[s:e, :h2, :w2], h2, w2)
        if padding == "SAME":
            _border_windows(x[s:e], out[s:e], argmax[s:e], h2, w2)
        mark_nan_maxima(out[s:e], argmax[s:e])

    over_batch(part, n, x.size, np, l2_block(x))
    return out, argmax


def _even_windows(x, out, argmax, h2, w2):
    """The windows of 4 positions: ``max(max(tl, tr), max(bl, br))``, the argmax from strict comparisons."""
    tl, tr, bl, br = _quarters(x, h2, w2)
    # each input is read once: the left column is copied (into the cache) and compared there, as rereading
    # it from the input for ``tr > tl`` measured 1.3x (2.5 MB inputs) to 1.9x (75 MB) slower
    left = tl.copy()
    top = np.maximum(left, tr)
    np.not_equal(top, left, out=argmax.view(np.bool_))  # 0/1: the top row's first maximum (a NaN: masked later)
    np.copyto(left, bl)
    np.maximum(left, br, out=out)
    lower = np.not_equal(out, left).view(np.uint8)
    lower += 2  # 2/3: the bottom row's first maximum
    # where the bottom row's maximum is strictly greater (ties: the top row's comes first), the argmax moves
    # by (lower - top's); arithmetic, as a masked copy (copyto where=) of mixed bits ran 10x slower
    lower -= argmax
    lower *= np.greater(out, top)
    np.maximum(top, out, out=out)
    argmax += lower


def _bottom_left(w):
    """The bottom-left position's index: 2, or 1 where the input is one column wide (as in the generic kernels,
    which number only the kernel positions that touch the input)."""
    return np.uint8(2 if w > 1 else 1)


def _border_windows(x, out, argmax, h2, w2):
    """SAME windows past the last even row/column: one row pair, one column pair, or the corner alone."""
    _, h, w, _ = x.shape
    if h % 2:
        left, right = x[:, h - 1, 0:2 * w2:2], x[:, h - 1, 1:2 * w2:2]
        np.maximum(left, right, out=out[:, h2, :w2])
        np.greater(right, left, out=argmax[:, h2, :w2].view(np.bool_))
    if w % 2:
        top, bottom = x[:, 0:2 * h2:2, w - 1], x[:, 1:2 * h2:2, w - 1]
        np.maximum(top, bottom, out=out[:, :h2, w2])
        np.multiply(np.greater(bottom, top).view(np.uint8), _bottom_left(w), out=argmax[:, :h2, w2])
    if h % 2 and w % 2:
        out[:, h2, w2] = x[:, h - 1, w - 1]
        argmax[:, h2, w2] = 0


def max_pool_grad_from_argmax_2x2(x_shape, argmax, dy, padding, accumulate):
    """The input gradient [n, h, w, c] of a 2x2 stride-2 pool from its forward's ``argmax``: ``dy`` times each
    position's hit, each input written once. ``accumulate``: reproduce the generic kernel's zero-filled
    accumulation (``0 + dy * hit``, which turns -0 into +0), which it runs where not every input lies in a
    window (VALID, odd sizes)."""
    n, h, w, c = x_shape
    dx = np.empty(x_shape, dy.dtype)
    h2, w2 = h // 2, w // 2

    def part(s, e):
        if h2 and w2:
            _even_grad(argmax[s:e, :h2, :w2], dy[s:e, :h2, :w2], dx[s:e], h2, w2, accumulate)
        if padding == "SAME":
            _border_grad(argmax[s:e], dy[s:e], dx[s:e], h2, w2)
        elif h % 2 or w % 2:  # VALID: an odd last row/column is in no window
            dx[s:e, 2 * h2:] = 0
            dx[s:e, :, 2 * w2:] = 0

    # blocks of about L2_BLOCK_BYTES of dy, which each of the 4 passes rereads
    over_batch(part, n, n * h * w * c, np, l2_block(dy))
    return dx


def _even_grad(argmax, dy, dx, h2, w2, accumulate):
    hit = np.empty(dy.shape, np.bool_)
    for k, quarter in enumerate(_quarters(dx, h2, w2)):
        np.equal(argmax, k, out=hit)
        np.multiply(dy, hit, out=quarter)
        if accumulate:
            quarter += 0


def _border_grad(argmax, dy, dx, h2, w2):
    """SAME border windows (``_border_windows``): each of their inputs gets ``dy`` where it is the argmax."""
    _, h, w, _ = dx.shape
    if h % 2:
        for k in range(2):
            np.multiply(dy[:, h2, :w2], argmax[:, h2, :w2] == k, out=dx[:, h - 1, k:2 * w2:2])
    if w % 2:
        for k in range(2):
            np.multiply(dy[:, :h2, w2], argmax[:, :h2, w2] == k * _bottom_left(w), out=dx[:, k:2 * h2:2, w - 1])
    if h % 2 and w % 2:
        np.multiply(dy[:, h2, w2], argmax[:, h2, w2] == 0, out=dx[:, h - 1, w - 1])
