"""Winograd minimal filtering F(m x m, r x r): stride-1 2-D convolutions (NHWC) with fewer multiplies (CPU).

An output tile of m x m pixels is ``Y = A^T [(G g G^T) (.) (B^T d B)] A`` for the a x a input tile ``d``
(a = m + r - 1) of each input channel and the r x r filter ``g``; summed over input channels, the elementwise
product becomes one GEMM per transform position: ``(tiles, Cin) @ (Cin, Cout)`` for each of the a*a
positions. F(4x4, 3x3) does 36 multiplies per tile and channel pair where direct convolution does 144;
F(3x3, 5x5) 49 for 225 and F(4x4, 5x5) 64 for 400. ``transform`` picks, per output size, the transform with
the fewest transformed elements (tiles * a^2): on the deep-MNIST conv2 (14x14, 32->64, batch 50) F(4x4, 5x5)
needs 16 tiles of 64 points per image where F(3x3, 5x5) needs 25 of 49; measured on one core, forward / input
gradient / filter gradient 4.2 / 4.7 / 4.2 ms against F(3x3, 5x5)'s 4.7 / 5.3 / 4.7 (its 8x8 transforms
are as fast per element as the 7x7 ones only with ``_pitched`` rows). F(6x6, 3x3) (the same 8 points) was
measured 2-10% faster than F(4x4, 3x3) on the MNIST CNN's 3x3 layer but with 1.2e-5 float32 error, 4x
F(4x4, 3x3)'s: not used.

The transforms are tiny GEMMs over whole batch chunks (``B^T`` along the tile rows, then along the tile
columns), so numpy does no per-tile Python work. The filter gradient is the forward pass's adjoint:
``dU[xi, nu] = V[xi, nu]^T @ (A dY A^T)[xi, nu]`` summed over tiles (GEMMs with a long inner dimension), then
``G^T dU G``. The input gradient is a convolution of ``dy`` with the flipped filter, or the forward pass's
adjoint where that has fewer transformed elements (``input_grad``). ``chooses`` is the measured rule that
decides, per kernel, whether conv_ops' CPU kernels run these routines or im2col. A training plan's forward pass
may keep its input transform for the filter gradient (``TransformedInput``, the rewrite ``conv2d_keep_input``).

Transform points (Cook-Toom): 0, +-1, 2, -1/2 and infinity for F(4x4, 3x3) measured 1.3e-6 float32 error
relative to the largest output (direct float32 im2col: 0.9e-6; Lavin's 0, +-1, +-2: 3.0e-6); 0, +-1, +-1/2, 2
and infinity for F(3x3, 5x5): 2.8e-6 (with 0, +-1, +-2, 3: 8.5e-5); 0, +-1, +-2, +-1/2 and infinity for
F(4x4, 5x5): at most 1.0e-5 over forward and both gradients, 8-256 channels, uniform and normal inputs
(F(3x3, 5x5) on the same: 8.7e-6; with 3/2 or 1/4 in place of -2: 1.5e-4, 3e-4). F(5x5, 5x5) (9 tiles of 81
points on 14x14, 25% faster) measured 1.3e-4: not used. Tests hold float32 results to 2e-5 of the largest
value.

Example:
    >>> y = conv2d(x, w, (1, 1, 1, 1))            # SAME 3x3: pads (top, bottom, left, right)
    >>> dx = input_grad(w, dy, (1, 1, 1, 1), x.shape)
    >>> dw = filter_grad(x, dy, (1, 1, 1, 1), w.shape)
"""
import numpy as np

from kflow.engine import scratch
from kflow.engine.ops.batch_parallel import over_batch, sum_over_batch
from kflow.engine.ops.winograd_transforms import TRANSFORMS, tile_count, transform, transformed_elements
from kflow.engine.ops.window_geometry import Window

# the largest input transform a training step keeps for its filter gradient (``TransformedInput``): the Keras
# MNIST CNN's conv2 (20.3 MB at batch 128) raised bench/cnn_train.py's peak RSS increment from 103 to 124 MB
# (+20%) for 2.4 ms of its ~53 ms step; deep-MNIST conv2's 6.3 MB (batch 50) raised the step's from 65 to 71 MB
MAX_KEPT_BYTES = 16 << 20
CHUNK_BYTES = 4 << 20  # transformed-tile bytes (input and product) per chunk: kept in cache between GEMMs
SCORE_THRESHOLDS = (8, 4, 12)  # forward, input gradient, filter gradient (see ``chooses``)
MIN_TILE_USE = 0.5
MIN_MACS = 1 << 21  # below this many direct multiply-adds, Winograd's ~40 us of numpy calls lose to im2col


def _filter_transform(w, t):
    """``U = G g G^T`` for every (in, out) channel pair: (a*a, Cin, Cout), C-contiguous."""
    _, g, _ = t.matrices(w.dtype)
    r, _, c, oc = w.shape
    u = np.matmul(g, w.reshape(r, r * c * oc)).reshape(t.a, r, c * oc)
    return np.matmul(g, u).reshape(t.a * t.a, c, oc)


def _padded(x, pads, t, th, tw, tag):
    """``x`` placed at offset (top, left) of a zero-bordered (B, th*m + r-1, tw*m + r-1, C) buffer; negative
    pads crop. Returns ``x`` itself when its tiles fit exactly."""
    b, h, w, c = x.shape
    pt, _, pl, _ = pads
    hp, wp = th * t.m + t.r - 1, tw * t.m + t.r - 1
    if pt == pl == 0 and (h, w) == (hp, wp):
        return x
    # the interior's size is in the tag: a smaller interior would leave another call's pixels in the border
    buf = scratch.zero_bordered((tag, h, w, tuple(pads)), (b, hp, wp, c), x.dtype, (max(pt, 0), max(pl, 0)))
    r0, c0 = max(-pt, 0), max(-pl, 0)
    r1, c1 = min(h, hp - pt), min(w, wp - pl)
    buf[:, max(pt, 0):max(pt, 0) + r1 - r0, max(pl, 0):max(pl, 0) + c1 - c0] = x[:, r0:r1, c0:c1]
    return buf


def _pitched(tag, rows, cols, dtype):
    """A (rows, cols) scratch view whose rows lie an odd number of cache lines apart.

    The transforms' GEMMs walk the a*a (or m*a) rows of a tile buffer at once; rows a power of two of bytes
    apart (F(4x4, 5x5) on 8 images of 16 tiles and 32 channels: 16 KB) share the L1 cache's sets and evict
    each other: those GEMMs measured 1.2-1.5x slower than on rows one cache line further apart (the F(4x4, 5x5)
    input transform 1.35 vs 1.09 ms per 50 images, the output adjoint 1.33 vs 0.92 ms).
    """
    item = np.dtype(dtype).itemsize
    lines = -(-cols * item // 64)
    pitch = (lines + 1 - lines % 2) * 64 // item
    return scratch.growable(tag, rows * pitch, dtype)[:rows * pitch].reshape(rows, pitch)[:, :cols]


def _apply_both_sides(mat, tiles, mid, out):
    """``mat @ tile @ mat^T`` for every tile of ``tiles`` (k, k, X) into ``out`` (j, j, X), via ``mid`` (k, j, X).

    Each step is one GEMM per slab of the other axis (N = X): as one flat GEMM of N = k*X, the first step
    measured 2x slower.
    """
    np.matmul(mat, tiles.transpose(1, 0, 2), out=mid)  # along tile rows
    np.matmul(mat, mid.transpose(1, 0, 2), out=out)  # along columns


def _input_transform(src, t, th, tw, tiles=None):
    """``V = B^T d B`` of every a x a tile of the padded chunk ``src``: (a*a, tiles, C) in ``tiles`` (an
    (a*a, tiles * C) view with contiguous rows, e.g. a chunk of ``TransformedInput``) or a scratch buffer."""
    b, _, _, c = src.shape
    _, _, bt = t.matrices(src.dtype)
    a, m = t.a, t.m
    size = b * th * tw * c
    if tiles is None:
        tiles = _pitched("winograd-tiles", a * a, size, src.dtype)
    s = src.strides
    view = np.lib.stride_tricks.as_strided(src, (a, a, b, th, tw, c), (s[1], s[2], s[0], s[1] * m, s[2] * m, s[3]))
    np.copyto(tiles.reshape(a, a, b, th, tw, c), view)
    tiles = tiles.reshape(a, a, size)
    _apply_both_sides(bt, tiles, _pitched("winograd-mid", a * a, size, src.dtype).reshape(a, a, size), tiles)
    return tiles.reshape(a * a, b * th * tw, c)


def _tile_grid(arr, m):
    """``arr`` (B, th*m, tw*m, C) viewed as (B, th, m, tw, m, C): whole m x m tiles."""
    b, h, w, c = arr.shape
    st = arr.strides
    return np.lib.stride_tricks.as_strided(arr, (b, h // m, m, w // m, m, c), (st[0], st[1] * m, st[1], st[2] * m,
                                                                               st[2], st[3]))


def _output_transform(prod, t, out):
    """``Y = A^T M A`` of the products ``prod`` (a*a, tiles, Cout), written (cropped) into ``out`` (B, H, W, C)."""
    at = t.matrices(prod.dtype)[0]
    a, m = t.a, t.m
    b, oh, ow, oc = out.shape
    th, tw = tile_count(oh, t), tile_count(ow, t)
    size = b * th * tw * oc
    y = _pitched("winograd-out", m * m, size, prod.dtype).reshape(m, m, size)
    _apply_both_sides(at, prod.reshape(a, a, size), _pitched("winograd-mid", a * m, size, prod.dtype).reshape(
        a, m, size), y)
    y = y.reshape(m, m, b, th, tw, oc).transpose(2, 3, 0, 4, 1, 5)
    if (oh, ow) == (th * m, tw * m):  # one copy in the output's order, so its writes run sequentially
        np.copyto(_tile_grid(out, m), y)
        return
    # cropped tiles: the whole grid into scratch, then its interior (two copies beat one per cropped row/column)
    grid = scratch.growable("winograd-out-grid", b * th * m * tw * m * oc, prod.dtype)[
        :b * th * m * tw * m * oc].reshape(b, th * m, tw * m, oc)
    np.copyto(_tile_grid(grid, m), y)
    np.copyto(out, grid[:, :oh, :ow])


def _chunk(per_image_bytes, n):
    return max(1, min(n, CHUNK_BYTES // max(per_image_bytes, 1)))


def _chunks(start, stop, step):
    """Ranges of at most ``step`` images covering ``start..stop``, of even sizes: a thread's 25 images in chunks
    of 8 would leave a 1-image chunk, whose GEMMs and transforms run at a fraction of the speed."""
    count = -(-(stop - start) // step)
    if count <= 0:
        return iter(())
    bounds = [start + (stop - start) * i // count for i in range(count + 1)]
    return zip(bounds[:-1], bounds[1:])


def kept_input_bytes(x_shape, w_shape, pads, dtype):
    """The bytes of the input transform ``conv2d(..., keep_input=True)`` keeps (a*a values per tile and input
    channel, without its rows' padding): deep-MNIST conv2 (batch 50) 6.3 MB, the Keras MNIST CNN's conv2 (batch
    128) 20.3 MB."""
    n, h, w, c = x_shape
    r = w_shape[0]
    oh, ow = h + pads[0] + pads[1] - r + 1, w + pads[2] + pads[3] - r + 1
    t = transform(r, oh, ow)
    return t.a * t.a * n * tile_count(oh, t) * tile_count(ow, t) * c * np.dtype(dtype).itemsize


class TransformedInput:
    """The input transform ``V`` of a whole batch, kept by ``conv2d(..., keep_input=True)`` for ``filter_grad``
    (the plan rewrite ``conv2d_keep_input``): a fresh array per call, never scratch, so no other kernel
    overwrites it in between. Rows (one per transform position) lie an odd number of cache lines apart, as
    ``_pitched``'s: deep-MNIST conv2's 100 KB rows would otherwise all share the L1 cache's sets.

    Example:
        >>> y, kept = conv2d(x, w, pads, keep_input=True)
        >>> dw = filter_grad(x, dy, pads, w.shape, kept)   # no second input transform
    """

    def __init__(self, t, pads, x_shape, dtype):
        n, h, w, c = x_shape
        r = t.r
        self.t, self.pads, self.x_shape, self.dtype = t, tuple(pads), tuple(x_shape), np.dtype(dtype)
        self.tiles_per_image = (tile_count(h + pads[0] + pads[1] - r + 1, t) *
                                tile_count(w + pads[2] + pads[3] - r + 1, t))
        cols = n * self.tiles_per_image * c
        lines = -(-cols * self.dtype.itemsize // 64)
        pitch = (lines + 1 - lines % 2) * 64 // self.dtype.itemsize
        self.rows = np.empty(t.a * t.a * pitch, self.dtype).reshape(t.a * t.a, pitch)[:, :cols]

    @property
    def nbytes(self):
        return self.rows.base.nbytes

    def chunk(self, start, stop):
        """The (a*a, tiles * C) view of images ``start:stop``."""
        per = self.tiles_per_image * self.x_shape[3]
        return self.rows[:, start * per:stop * per]

    def serves(self, x, pads, w_shape):
        """Whether ``filter_grad(x, ..., pads, w_shape)`` may read this transform: same input, padding, kernel
        size and transform (``x`` is the array the forward pass transformed: the plan passes the same value)."""
        r = w_shape[0]
        oh = x.shape[1] + pads[0] + pads[1] - r + 1
        ow = x.shape[2] + pads[2] + pads[3] - r + 1
        return tuple(x.shape) == self.x_shape and x.dtype == self.dtype and tuple(pads) == self.pads and \
            r == self.t.r and transform(r, oh, ow) is self.t


def conv2d(x, w, pads, keep_input=False):
    """Stride-1, dilation-1 correlation of ``x`` (N, H, W, Cin) with ``w`` (r, r, Cin, Cout), numpy only.

    Args:
        pads: (top, bottom, left, right) zero padding; negative values crop the input.
        keep_input: also return the input transform (a ``TransformedInput``) for ``filter_grad``.

    Returns:
        (N, H + top + bottom - r + 1, W + left + right - r + 1, Cout), ``x``'s dtype (and, with ``keep_input``,
        the ``TransformedInput``).
    """
    n, h, wd, c = x.shape
    r, oc = w.shape[0], w.shape[3]
    oh, ow = h + pads[0] + pads[1] - r + 1, wd + pads[2] + pads[3] - r + 1
    t = transform(r, oh, ow)
    th, tw = tile_count(oh, t), tile_count(ow, t)
    u = _filter_transform(w, t)
    out = np.empty((n, oh, ow, oc), dtype=x.dtype)
    step = _chunk(t.a * t.a * th * tw * (c + oc) * x.itemsize, n)
    kept = TransformedInput(t, pads, x.shape, x.dtype) if keep_input else None

    def images(start, stop):
        for s, e in _chunks(start, stop, step):
            v = _input_transform(_padded(x[s:e], pads, t, th, tw, "winograd-pad"), t, th, tw,
                                 None if kept is None else kept.chunk(s, e))
            prod = _pitched("winograd-prod", v.shape[0], v.shape[1] * oc, x.dtype).reshape(v.shape[0], -1, oc)
            np.matmul(v, u, out=prod)
            _output_transform(prod, t, out[s:e])

    over_batch(images, n, n * th * tw * t.a * t.a * c * oc, uses_blas=True)
    return out if kept is None else (out, kept)


def _output_adjoint(dy, t, th, tw):
    """``dM = A dY A^T`` of every m x m tile of ``dy`` (B, H, W, C), zero beyond its edge: the adjoint of
    ``_output_transform``, (a*a, tiles, C) in a scratch buffer."""
    at = t.matrices(dy.dtype)[0]
    a, m = t.a, t.m
    b, oh, ow, oc = dy.shape
    size = b * th * tw * oc
    dyt = _pitched("winograd-dy", m * m, size, dy.dtype).reshape(m, m, b, th, tw, oc)
    if (oh, ow) != (th * m, tw * m):  # cropped tiles: dy into a zero-bordered grid, gathered from there
        grid = scratch.zero_bordered(("winograd-dy-grid", oh, ow), (b, th * m, tw * m, oc), dy.dtype, (0, 0))
        grid[:, :oh, :ow] = dy
        dy = grid
    np.copyto(dyt.transpose(2, 3, 0, 4, 1, 5), _tile_grid(dy, m))
    dm = _pitched("winograd-dm", a * a, size, dy.dtype).reshape(a, a, size)
    _apply_both_sides(at.T, dyt.reshape(m, m, size), _pitched("winograd-mid", m * a, size, dy.dtype).reshape(
        m, a, size), dm)
    return dm.reshape(a * a, b * th * tw, oc)


def _fold(parts, m, dst):
    """Overlap-adds tiles along one axis: ``dst[..., t*m + i, :] = sum of parts[i, ..., t, :]`` for the k offsets
    ``i`` of ``parts`` (k, ..., n, Q) into ``dst`` (..., n*m + k - m, Q): one copy for the offsets below ``m``
    (they cover each position once), one add for each of the other k - m."""
    k, n = parts.shape[0], parts.shape[-2]
    np.copyto(dst[..., :n * m, :].reshape(dst.shape[:-2] + (n, m, dst.shape[-1])), np.moveaxis(parts[:m], 0, -2))
    dst[..., n * m:, :] = 0
    for i in range(m, k):
        part = dst[..., i:i + n * m:m, :]
        np.add(part, parts[i], out=part)


def _input_adjoint(dv, t, th, tw, out):
    """``dD = B dV B^T`` of the tiles ``dv`` (a*a, tiles, C), overlapping tiles summed into ``out``
    (B, th*m + r-1, tw*m + r-1, C): the adjoint of ``_input_transform``.

    Separably: ``B`` along the tile rows, overlapping rows summed (copies of whole tile rows: tw*C long), then
    ``B`` along the columns of the half-summed grid (th*m + r-1 rows high instead of th*a) and columns summed;
    measured 1.3x faster than both transforms on whole tiles followed by a*a - m*m strided adds (deep-MNIST
    conv2's shape, F(4x4, 5x5): 1.6 vs 2.1 ms per 50 images on one core).
    """
    bt = t.matrices(dv.dtype)[2]
    a, m = t.a, t.m
    b, hp, wp, c = out.shape
    x, z = dv.shape[1] * c, hp * tw * c
    rows = _pitched("winograd-mid", a * a, x, dv.dtype).reshape(a, a, x)
    np.matmul(bt.T, dv.reshape(a, a, x).transpose(1, 0, 2), out=rows.transpose(1, 0, 2))  # row offsets i
    half = _pitched("winograd-fold", a, b * z, dv.dtype)
    _fold(rows.reshape(a, a, b, th, tw * c), m, half.reshape(a, b, hp, tw * c))
    cols = _pitched("winograd-fold-cols", a, b * z, dv.dtype)
    # one GEMM per image: as one flat GEMM over all images, measured 1.5x slower
    np.matmul(bt.T, half.reshape(a, b, z).transpose(1, 0, 2), out=cols.reshape(a, b, z).transpose(1, 0, 2))
    _fold(cols.reshape(a, b * hp, tw, c), m, out.reshape(b * hp, wp, c))


def input_grad(w, dy, pads, x_shape):
    """The gradient of ``conv2d(x, w, pads)`` with respect to ``x`` (shape ``x_shape``), given ``dy``.

    A stride-1 convolution's input gradient is the convolution of ``dy`` with the spatially flipped filter,
    its channels swapped, padded by ``r - 1 - pad`` on each side (negative: ``dy``'s border is cropped). Where
    that convolution has more transformed elements than the forward pass (VALID: its output is r - 1 larger
    than ``dy``), the forward pass's adjoint on its own tiles runs instead: ``dV[xi, nu] = (A dY A^T)[xi, nu] @
    U[xi, nu]^T``, then ``B dV B^T``, overlapping tiles summed. Measured on one core: MNIST CNN conv2 (VALID
    3x3, 26x26, 32->64, batch 128) adjoint 17.0 ms, flipped 19.4 ms; VALID 5x5 18x18 32->64 (batch 50) 4.7
    vs 7.4 ms; where both have as many (SAME), the flipped convolution: 28x28 3x3 (batch 32) adjoint 5.5 ms,
    flipped 5.1 ms, deep-MNIST conv2 (14x14 5x5) 4.7 vs 4.5 ms (the adjoint's sums of overlapping tiles).
    """
    n, h, wd, c = x_shape
    r, oc = w.shape[0], w.shape[3]
    oh, ow = dy.shape[1:3]
    t = transform(r, oh, ow)
    a, m = t.a, t.m
    th, tw = tile_count(oh, t), tile_count(ow, t)
    if transformed_elements(transform(r, h, wd), h, wd) <= transformed_elements(t, oh, ow):
        flipped = np.ascontiguousarray(w[::-1, ::-1].transpose(0, 1, 3, 2))
        return conv2d(dy, flipped, tuple(r - 1 - p for p in pads))
    hp, wp = th * m + r - 1, tw * m + r - 1
    ut = np.ascontiguousarray(_filter_transform(w, t).transpose(0, 2, 1))
    dx = np.empty(x_shape, dtype=dy.dtype)
    pt, _, pl, _ = pads
    r0, c0 = max(-pt, 0), max(-pl, 0)  # the rows and columns of x inside the padded tile grid
    r1, c1 = min(h, hp - pt), min(wd, wp - pl)
    direct = pt == pl == 0 and (h, wd) == (hp, wp)
    step = _chunk(a * a * th * tw * (c + oc) * dy.itemsize, n)

    def images(start, stop):
        for s, e in _chunks(start, stop, step):
            dm = _output_adjoint(dy[s:e], t, th, tw)
            dv = _pitched("winograd-tiles", a * a, dm.shape[1] * c, dy.dtype).reshape(a * a, -1, c)
            np.matmul(dm, ut, out=dv)
            if direct:
                _input_adjoint(dv, t, th, tw, dx[s:e])
                continue
            grid = scratch.growable("winograd-grid", (e - s) * hp * wp * c, dy.dtype)[
                :(e - s) * hp * wp * c].reshape(e - s, hp, wp, c)
            _input_adjoint(dv, t, th, tw, grid)
            part = dx[s:e]
            if (r0, c0, r1, c1) != (0, 0, h, wd):  # input pixels cropped by negative padding: no gradient
                part.fill(0)
            part[:, r0:r1, c0:c1] = grid[:, max(pt, 0):max(pt, 0) + r1 - r0, max(pl, 0):max(pl, 0) + c1 - c0]

    over_batch(images, n, n * th * tw * a * a * c * oc, uses_blas=True)
    return dx


def filter_grad(x, dy, pads, w_shape, kept=None):
    """The gradient of ``conv2d(x, w, pads)`` with respect to ``w`` (shape ``w_shape``), given ``dy``; with
    ``kept`` (the forward pass's ``TransformedInput`` of ``x``, when it ``serves`` this call) its tiles are read
    instead of transforming ``x`` again."""
    n = x.shape[0]
    r, _, c, oc = w_shape
    oh, ow = dy.shape[1:3]
    t = transform(r, oh, ow)
    g = t.matrices(dy.dtype)[1]
    a = t.a
    th, tw = tile_count(oh, t), tile_count(ow, t)
    step = _chunk(a * a * th * tw * (c + oc) * x.itemsize, n)

    def images(start, stop):
        du = np.zeros((a * a, c, oc), dtype=dy.dtype)
        for s, e in _chunks(start, stop, step):
            if kept is None:
                v = _input_transform(_padded(x[s:e], pads, t, th, tw, "winograd-pad"), t, th, tw)
            else:
                v = kept.chunk(s, e).reshape(a * a, -1, c)
            du += np.matmul(v.transpose(0, 2, 1), _output_adjoint(dy[s:e], t, th, tw))
        return du

    du = sum_over_batch(images, n, n * th * tw * a * a * c * oc, uses_blas=True).reshape(a, a, c * oc)
    return np.matmul(g.T, np.matmul(g.T, du).transpose(1, 0, 2)).transpose(1, 0, 2).reshape(r, r, c, oc)


def pads_of(conf, x_shape, w_shape):
    """(top, bottom, left, right) zero padding of a convolution's normalized NHWC ``conf``."""
    strides, padding, dilations = conf
    _, _, (pt, pb), (pl, pr) = Window(w_shape[:2], strides, padding, dilations).plan(x_shape[1], x_shape[2])
    return pt, pb, pl, pr


def handles(x_shape, w_shape, conf, dtype):
    """Whether the routines here compute this convolution: stride 1, no dilation, a square kernel with a
    transform (3x3, 5x5), float32 or float64, no empty dimension."""
    strides, _, dilations = conf
    r = w_shape[0]
    return r == w_shape[1] and r in TRANSFORMS and tuple(strides) == (1, 1) and tuple(dilations) == (1, 1) \
        and np.dtype(dtype) in (np.float32, np.float64) and min(x_shape) > 0 and min(w_shape) > 0


def _tile_use(t, oh, ow):
    """The fraction of the computed tile outputs that are kept (the rest is cropped)."""
    return oh * ow / float(tile_count(oh, t) * t.m * tile_count(ow, t) * t.m)


def chooses(x_shape, w_shape, conf, dtype):
    """Whether (forward, input gradient, filter gradient) of this CPU convolution run as Winograd.

    Winograd saves multiplies in the GEMM over channels but adds transforms over each tile's channels, so it
    pays with enough channels on both sides, and when few of the computed tile outputs are cropped. Measured on
    one core (``bench/conv_kernels.py``-style sweeps over h, w in {8, 14, 28}, Cin in {1..128}, Cout in
    {16..128}): with one input channel im2col wins everything (Winograd 0.1-0.6x: im2col's one-channel patch
    copy is cheap and its GEMM already small); with 3 only the input gradient wins (5x5: 1.1-1.3x); from 8-16
    channels on, Winograd wins 1.2-3x. The score ``min(Cin, Cout) * tile_use * r^2 / 9`` must reach
    ``SCORE_THRESHOLDS`` (the input gradient's im2col carries a col2im pass, so it is beaten earlier, the filter
    gradient's GEMM has a long inner dimension, so it is beaten later), and at least ``MIN_TILE_USE`` of the
    tile outputs must be kept. Small convolutions (under ``MIN_MACS``) stay on im2col: measured on one core,
    a 8x8x16 -> 16 3x3 layer takes 20 us as im2col and 38 us as Winograd, 8x8x32 -> 32 at batch 4 78 vs 65 us.
    Re-measured for 5x5 kernels with F(4x4, 5x5) (SAME, h = w in {8, 14, 28}, batch 128 / 50 / 50, one core):
    every kernel the rule sends to Winograd runs at least as fast as im2col (closest: 14x14 4 -> 32 forward,
    1.0x; 2 -> 32 input gradient 1.2x); it leaves some winners on im2col: filter gradients with 4 input channels
    (1.1-1.4x) and with few output channels (32 -> 4: 2.3-2.8x, the score's ``min(Cin, Cout)`` is conservative
    there).
    """
    if not handles(x_shape, w_shape, conf, dtype):
        return False, False, False
    r = w_shape[0]
    n, h, w, _ = x_shape
    pt, pb, pl, pr = pads_of(conf, x_shape, w_shape)
    oh, ow = h + pt + pb - r + 1, w + pl + pr - r + 1
    if oh <= 0 or ow <= 0 or n * oh * ow * w_shape[2] * w_shape[3] * r * r < MIN_MACS:
        return False, False, False
    channels = min(w_shape[2], w_shape[3]) * r * r / 9.0
    use = _tile_use(transform(r, oh, ow), oh, ow)
    # the input gradient tiles x or, where that needs more work, dy (``input_grad``)
    uses = (use, max(use, _tile_use(transform(r, h, w), h, w)), use)
    return tuple(u >= MIN_TILE_USE and channels * u >= threshold for u, threshold in zip(uses, SCORE_THRESHOLDS))
