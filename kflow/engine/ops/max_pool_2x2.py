"""2x2 stride-2 max pooling with its argmax, and the gradient routed by it (NHWC, CPU): the usual CNN pool.

The generic kernels (``pool_ops``) run one ufunc per kernel position on strided slices whose contiguous runs are
one pixel's channels (32-64 values), and numpy's per-run overhead makes such a pass ~4x slower than on contiguous
data. Here one copy first splits each row into its even and odd columns, moving whole pixels as opaque items
(a void dtype of a pixel's bytes: 2x faster than the float copy), so that the four kernel positions of the
windows become contiguous planes ``[oh, ow * c]`` and every comparison runs on long runs. The gradient does the
reverse: it fills the four planes (``dy`` times the position's hit) and one copy interleaves them into ``dx``.

Bit for bit the results of the generic kernels: the maximum is taken within each row's column pair, then
across the two rows (``np.maximum`` keeps its second operand on equal values, as the generic running maximum
does), and the argmax compares strictly (first the left column, then the bottom row only when greater), which
picks the first maximum in row-major order; windows whose maximum is NaN get ``NO_POSITION``. Odd sizes: VALID
drops the last row/column, SAME windows on the bottom/right border hold 1 or 2 positions (handled apart).
Each thread walks its part of the batch in L2-sized blocks, so the split planes are reread from the cache.

Example:
    >>> if is_2x2(window, x.dtype):
    ...     out, argmax = max_pool_with_argmax_2x2(x, window.padding, NO_POSITION)
"""
import numpy as np

from kflow.engine.ops.batch_parallel import over_batch, L2_BLOCK_BYTES


def is_2x2(window, dtype):
    """Whether ``window`` is a 2x2 stride-2 undilated VALID/SAME pool over floats (these kernels' case)."""
    return tuple(window.ksize) == (2, 2) and tuple(window.strides) == (2, 2) and \
        all(d == 1 for d in window.dilations) and window.padding in ("VALID", "SAME") and \
        np.dtype(dtype).kind == "f"


def _pixels(a):
    """``a`` [..., c] (contiguous in its last axis) as a view [...] of items that are whole pixels."""
    return a.view(np.dtype((np.void, a.shape[-1] * a.itemsize)))[..., 0]


def _split_columns(x, n, oh, ow, c):
    """``x[:, :2 * oh, :2 * ow]``'s even and odd columns as a contiguous [n, oh, 2 (row), 2 (column), ow * c]."""
    split = np.empty((n, oh, 2, 2, ow, c), x.dtype)
    rows = _pixels(x[:, :2 * oh, :2 * ow]).reshape(n, 2 * oh, ow, 2)
    np.copyto(_pixels(split.reshape(n, 2 * oh, 2, ow, c)), rows.transpose(0, 1, 3, 2))
    return split.reshape(n, oh, 2, 2, ow * c)


def max_pool_with_argmax_2x2(x, padding, no_position):
    """``(max_pool(x), argmax)`` for a 2x2 stride-2 ``padding`` pool (see the module docstring)."""
    n, h, w, c = x.shape
    oh, ow = (h // 2, w // 2) if padding == "VALID" else ((h + 1) // 2, (w + 1) // 2)
    out = np.empty((n, oh, ow, c), x.dtype)
    argmax = np.empty((n, oh, ow, c), np.uint8)
    h2, w2 = h // 2, w // 2

    def part(s, e):
        if h2 and w2:
            _even_part(x[s:e], out[s:e, :h2, :w2], argmax[s:e, :h2, :w2], h2, w2, c)
        if padding == "SAME":
            _border(x[s:e], out[s:e], argmax[s:e], h2, w2)
        o = out[s:e]
        np.putmask(argmax[s:e], np.isnan(o), no_position)

    over_batch(part, n, x.size, np, _block(x))
    return out, argmax


def _block(x):
    return max(1, L2_BLOCK_BYTES // max(1, x.nbytes // max(len(x), 1)))


def _even_part(x, out, argmax, oh, ow, c):
    n = len(x)
    q = _split_columns(x, n, oh, ow, c)
    tl, tr, bl, br = q[:, :, 0, 0], q[:, :, 0, 1], q[:, :, 1, 0], q[:, :, 1, 1]
    out = out.reshape(n, oh, ow * c)
    arg = argmax.reshape(n, oh, ow * c)
    top = np.maximum(tl, tr)
    np.greater(tr, tl, out=arg.view(np.bool_))  # 0/1: the top row's first maximum
    np.maximum(bl, br, out=out)
    below = np.greater(br, bl).view(np.uint8)
    below += 2  # 2/3: the bottom row's first maximum
    lower = np.greater(out, top)  # strictly: on equal maxima the top row's comes first
    np.maximum(top, out, out=out)
    np.copyto(arg, below, where=lower)


def _border(x, out, argmax, h2, w2):
    """SAME windows past the last even row/column: one row pair, one column pair, or the corner alone."""
    n, h, w, c = x.shape
    if h % 2:
        left, right = x[:, h - 1, 0:2 * w2:2], x[:, h - 1, 1:2 * w2:2]
        np.maximum(left, right, out=out[:, h2, :w2])
        np.greater(right, left, out=argmax[:, h2, :w2].view(np.bool_))
    if w % 2:
        top, bottom = x[:, 0:2 * h2:2, w - 1], x[:, 1:2 * h2:2, w - 1]
        np.maximum(top, bottom, out=out[:, :h2, w2])
        np.multiply(np.greater(bottom, top).view(np.uint8), np.uint8(2), out=argmax[:, :h2, w2])
    if h % 2 and w % 2:
        out[:, h2, w2] = x[:, h - 1, w - 1]
        argmax[:, h2, w2] = 0


def max_pool_grad_from_argmax_2x2(x_shape, argmax, dy, padding, accumulate):
    """The input gradient of a 2x2 stride-2 pool from its forward's ``argmax``: ``dy`` times each position's
    hit, written once per input. ``accumulate``: reproduce the generic kernel's zero-filled accumulation
    (``0 + dy * hit``, which turns -0 into +0) where not every input lies in a window (VALID, odd sizes)."""
    n, h, w, c = x_shape
    dx = np.empty(x_shape, dy.dtype)
    h2, w2 = h // 2, w // 2

    def part(s, e):
        if h2 and w2:
            _even_grad(argmax[s:e, :h2, :w2], dy[s:e, :h2, :w2], dx[s:e], h2, w2, c, accumulate)
        if padding == "SAME":
            _border_grad(argmax[s:e], dy[s:e], dx[s:e], h2, w2)
        elif h % 2 or w % 2:  # VALID: the last odd row/column is in no window
            dx[s:e, 2 * h2:] = 0
            dx[s:e, :, 2 * w2:] = 0

    over_batch(part, n, n * h * w * c, np, _block(dy) * 4)
    return dx


def _even_grad(argmax, dy, dx, oh, ow, c, accumulate):
    n = len(dy)
    planes = np.empty((n, oh, 2, 2, ow, c), dy.dtype)
    hit = np.empty((n, oh, ow, c), np.bool_)
    for k in range(4):
        np.equal(argmax, k, out=hit)
        dst = planes[:, :, k // 2, k % 2]
        np.multiply(dy, hit, out=dst)
        if accumulate:
            dst += 0
    dst = _pixels(dx[:, :2 * oh, :2 * ow]).reshape(n, 2 * oh, ow, 2)
    np.copyto(dst, _pixels(planes.reshape(n, 2 * oh, 2, ow, c)).transpose(0, 1, 3, 2))


def _border_grad(argmax, dy, dx, h2, w2):
    """SAME border windows (see ``_border``): each of their 1 or 2 inputs gets ``dy`` where it is the argmax."""
    n, h, w, c = dx.shape
    if h % 2:
        for k in range(2):
            np.multiply(dy[:, h2, :w2], argmax[:, h2, :w2] == k, out=dx[:, h - 1, k:2 * w2:2])
    if w % 2:
        for k in range(2):
            np.multiply(dy[:, :h2, w2], argmax[:, :h2, w2] == 2 * k, out=dx[:, k:2 * h2:2, w - 1])
    if h % 2 and w % 2:
        np.multiply(dy[:, h2, w2], argmax[:, h2, w2] == 0, out=dx[:, h - 1, w - 1])
