"""2-D pooling (NHWC): max_pool and avg_pool with SAME/VALID padding, forward and backward vectorized.

Every kernel loops over the kernel positions only: each position is one strided slice of the input
(``Window.taps`` clips it to the unpadded input), combined with numpy ufuncs into the output. For the
common 2x2 stride-2 window that is 4 slices; this measured 2x faster than ``reshape(...).max(axis=(2, 4))``
(and ~2x faster than PyTorch's CPU max_pool2d forward+backward on a [128, 24, 24, 64] batch).
As in TF, the max-pool gradient goes to the first maximum of each window (row-major order), and SAME
average pooling divides by the number of valid (non-padding) inputs in each window. Max pooling and its
gradients split the batch across the cores and walk each part in L2-sized blocks of images
(``batch_parallel.over_batch``): the gradient's several passes then reread cached data. MaxPool's forward with
argmax and its argmax gradient run ``max_pool_2x2``'s kernels for 2x2 stride-2 windows (the same bits, ~1.3-1.9x
faster forward).

Example:
    >>> p = kf.nn.max_pool(x, ksize=[1, 2, 2, 1], strides=[1, 2, 2, 1], padding="VALID")
    >>> a = kf.nn.avg_pool(x, ksize=3, strides=1, padding="SAME")
"""
import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.batch_parallel import l2_block, over_batch
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.max_pool_2x2 import is_2x2, mark_nan_maxima, max_pool_with_argmax_2x2, \
    max_pool_grad_from_argmax_2x2
from kflow.engine.ops.conv_args import to_nhwc, from_nhwc
from kflow.engine.ops.window_geometry import Window, four_tuple, normalize_padding


def _layout(x, win):
    n, h, w, c = x.shape
    oh, ow = win.plan(h, w)[:2]
    if oh <= 0 or ow <= 0:
        raise ValueError("pooling: the %s window does not fit in the input of shape %s with padding %r"
                         % (win.ksize, x.shape, win.padding))
    return (n, oh, ow, c), win.taps(h, w, oh, ow)


def _lowest(dtype):
    return -np.inf if np.dtype(dtype).kind == "f" else np.iinfo(dtype).min


def _max_pool_into(x, out, taps):
    """Fills ``out`` with the window maxima of ``x`` (one strided slice per kernel position)."""
    xp = devices.array_module(x)
    started = False
    for _, _, orow, irow, ocol, icol in taps:
        src = x[:, irow, icol]
        if not started and (orow.stop - orow.start, ocol.stop - ocol.start) == out.shape[1:3]:
            out[...] = src  # a tap that covers every output starts the running maximum
            started = True
            continue
        if not started:
            out.fill(_lowest(x.dtype))
            started = True
        dst = out[:, orow, ocol]
        xp.maximum(dst, src, out=dst)


def _max_pool_kernel(x, window):
    xp = devices.array_module(x)
    shape, taps = _layout(x, window)
    out = xp.empty(shape, dtype=x.dtype)
    over_batch(lambda s, e: _max_pool_into(x[s:e], out[s:e], taps), len(x), x.size, xp, l2_block(x))
    return out


def _max_pool_grad_fn(op, grad):
    return [_max_pool_grad(op.inputs[0], op.outputs[0], grad, op.attrs["window"])]


MAX_POOL = OpDef("MaxPool", _max_pool_kernel, grad=_max_pool_grad_fn)


def _max_pool_grad(x, y, dy, window):
    return make_op(MAX_POOL_GRAD, [x, y, dy], [(dy.dtype, x.shape)], "MaxPoolGrad",
                   params={"window": window}).outputs[0]


def _first_max_hits(x, y, taps):
    """Yields ``(tap, hit)``: for each kernel position, where its input is its window's first maximum.

    ``taken`` marks windows whose maximum an earlier position already claimed, so among tied maxima the
    first position (row-major, as in TF) gets the gradient. Bool masks: 4x less memory traffic than
    routing float gradients (measured 20% faster).
    """
    xp = devices.array_module(x)
    taken = xp.zeros(y.shape, dtype=bool)
    last = len(taps) - 1
    for k, tap in enumerate(taps):
        _, _, orow, irow, ocol, icol = tap
        hit = x[:, irow, icol] == y[:, orow, ocol]
        seen = taken[:, orow, ocol]
        if k:
            xp.greater(hit, seen, out=hit)  # hit and not seen
        if k < last:
            xp.logical_or(seen, hit, out=seen)
        yield tap, hit


def _max_pool_grad_kernel(x, y, dy, window):
    xp = devices.array_module(x, dy)
    _, taps = _layout(x, window)
    write = _each_input_once(x, window, taps)
    dx = (xp.empty if write else xp.zeros)(x.shape, dtype=dy.dtype)
    over_batch(lambda s, e: _route_max_grad(x[s:e], y[s:e], dy[s:e], dx[s:e], taps, write), len(x),
               x.size, xp, l2_block(x))
    return dx


def _each_input_once(x, window, taps):
    """Windows that do not overlap and cover every input (e.g. 2x2 stride 2 on an even size) let each kernel
    position write its slice of the input gradient once, with no zero fill and no accumulation."""
    disjoint = window.strides[0] >= window.ksize[0] and window.strides[1] >= window.ksize[1]
    covered = sum((t[2].stop - t[2].start) * (t[4].stop - t[4].start) for t in taps)
    return disjoint and covered == x.shape[1] * x.shape[2]


def _route_max_grad(x, y, dy, dx, taps, write):
    """Sends each window's gradient ``dy`` to its first maximum in ``dx`` (written or accumulated)."""
    xp = devices.array_module(x, dy)
    for (_, _, orow, irow, ocol, icol), hit in _first_max_hits(x, y, taps):
        dst = dx[:, irow, icol]
        if write:
            xp.multiply(dy[:, orow, ocol], hit, out=dst)
        else:
            dst += dy[:, orow, ocol] * hit


def _max_pool_grad_grad_fn(op, grad):
    x, y, _ = op.inputs
    gg = make_op(MAX_POOL_GRAD_GRAD, [x, y, grad], [(grad.dtype, y.shape)], "MaxPoolGradGrad",
                 params={"window": op.attrs["window"]}).outputs[0]
    return [None, None, gg]


MAX_POOL_GRAD = OpDef("MaxPoolGrad", _max_pool_grad_kernel, grad=_max_pool_grad_grad_fn)


def _max_pool_grad_grad_kernel(x, y, ggx, window):
    xp = devices.array_module(x, ggx)
    out = xp.zeros(y.shape, dtype=ggx.dtype)
    taps = _layout(x, window)[1]

    def part(s, e):
        for (_, _, orow, irow, ocol, icol), hit in _first_max_hits(x[s:e], y[s:e], taps):
            dst = out[s:e, orow, ocol]
            dst += ggx[s:e, irow, icol] * hit
    over_batch(part, len(x), x.size, xp, l2_block(x))
    return out


def _max_pool_grad_grad_grad_fn(op, grad):
    x, y, _ = op.inputs
    return [None, None, _max_pool_grad(x, y, grad, op.attrs["window"])]


MAX_POOL_GRAD_GRAD = OpDef("MaxPoolGradGrad", _max_pool_grad_grad_kernel, grad=_max_pool_grad_grad_grad_fn)


# ---- max pooling that keeps its argmax (for the plan rewrite in engine/max_pool_argmax_rewrite.py) -----------
def keeps_argmax(x_shape, window):
    """Whether :func:`max_pool_with_argmax` handles inputs of ``x_shape`` (static dims; None: unknown) with
    ``window``: the first kernel position covers every window (no top/left padding) and a window has at most
    255 positions (indices are uint8)."""
    ksize = window.ksize
    if ksize[0] * ksize[1] > 255:
        return False
    if window.padding == "VALID":
        return True
    if window.padding != "SAME":
        return False
    h, w = x_shape[1], x_shape[2]
    if h is None or w is None:  # SAME pads 0 or 1 in all (bottom/right) for every size only when ksize <= 2
        return ksize[0] <= 2 and ksize[1] <= 2
    _, _, (pt, _), (pl, _) = window.plan(h, w)
    return pt == 0 and pl == 0


def same_window(a, b):
    """Whether windows ``a`` and ``b`` are the same geometry: a MaxPool and its gradient share one Window when
    built together, but ops of an imported meta graph each hold their own copy."""
    return a is b or vars(a) == vars(b)


def max_pool_with_argmax(x, window):
    """``(max_pool(x), argmax)``: ``argmax`` (uint8, the output's shape) is the kernel position (row-major) of
    each window's first maximum, as the gradient routes it (``max_pool_2x2.NO_POSITION`` where the maximum is
    NaN). Costs the forward ~1.7x, saves the gradient recomputing it from ``x`` and ``y``: 2x2 pooling forward
    + backward measured 9.5 -> 7.8 ms on [128, 24, 24, 64] and 1.64 -> 1.40 ms on [50, 28, 28, 32] (2 cores). 2x2
    stride-2 pools take ``max_pool_2x2``'s separable kernel (the same bits).
    """
    if is_2x2(window, x.dtype) and x.size:
        _layout(x, window)  # its error for a window that does not fit
        return max_pool_with_argmax_2x2(x, window.padding)
    return max_pool_with_argmax_by_taps(x, window)


def max_pool_with_argmax_by_taps(x, window):
    """:func:`max_pool_with_argmax` for any window: one pass per kernel position."""
    shape, taps = _layout(x, window)
    out = np.empty(shape, dtype=x.dtype)
    argmax = np.empty(shape, dtype=np.uint8)
    over_batch(lambda s, e: _max_and_argmax_into(x[s:e], out[s:e], argmax[s:e], taps), len(x), x.size, np,
               l2_block(x))
    return out, argmax


def _max_and_argmax_into(x, out, argmax, taps):
    for k, (_, _, orow, irow, ocol, icol) in enumerate(taps):
        src = x[:, irow, icol]
        if k == 0:  # covers every window (keeps_argmax)
            out[...] = src
            argmax.fill(0)
            continue
        dst = out[:, orow, ocol]
        # strictly greater: a tie keeps the earlier position; positions only grow, so max() records this one
        better = np.greater(src, dst).view(np.uint8)
        np.maximum(dst, src, out=dst)
        np.multiply(better, np.uint8(k), out=better)
        arg = argmax[:, orow, ocol]
        np.maximum(arg, better, out=arg)
    mark_nan_maxima(out, argmax)


def max_pool_grad_from_argmax(x, argmax, dy, window):
    """MaxPoolGrad given the forward's ``argmax`` (:func:`max_pool_with_argmax`); ``x`` is read for its shape."""
    if is_2x2(window, dy.dtype) and x.size:
        write = _each_input_once(x, window, _layout(x, window)[1])
        return max_pool_grad_from_argmax_2x2(x.shape, argmax, dy,
                                             window.padding, accumulate=not write)
    return max_pool_grad_from_argmax_by_taps(x, argmax, dy, window)


def max_pool_grad_from_argmax_by_taps(x, argmax, dy, window):
    """:func:`max_pool_grad_from_argmax` for any window: one pass per kernel position."""
    _, taps = _layout(x, window)
    write = _each_input_once(x, window, taps)
    dx = (np.empty if write else np.zeros)(x.shape, dtype=dy.dtype)

    def part(s, e):
        for k, (_, _, orow, irow, ocol, icol) in enumerate(taps):
            hit = argmax[s:e, orow, ocol] == k
            if write:
                np.multiply(dy[s:e, orow, ocol], hit, out=dx[s:e, irow, icol])
            else:
                dst = dx[s:e, irow, icol]
                dst += dy[s:e, orow, ocol] * hit

    over_batch(part, len(x), x.size, np, l2_block(x))
    return dx


def _counts(xp, win, h, w, oh, ow, dtype):
    """Valid inputs per window, [oh, ow] (SAME windows at the border hold fewer than kh*kw)."""
    def axis(a, size, out):
        c = np.zeros(out)
        for r in win.axis_ranges(a, size, out):
            if r is not None:
                c[r[0]] += 1
        return c
    return xp.asarray(np.outer(axis(0, h, oh), axis(1, w, ow)).astype(dtype)[None, :, :, None])


def _avg_pool_kernel(x, window):
    xp = devices.array_module(x)
    shape, taps = _layout(x, window)
    out = xp.zeros(shape, dtype=x.dtype)
    for _, _, orow, irow, ocol, icol in taps:
        dst = out[:, orow, ocol]
        dst += x[:, irow, icol]
    out /= _counts(xp, window, x.shape[1], x.shape[2], shape[1], shape[2], x.dtype)
    return out


def _avg_pool_grad_fn(op, grad):
    x = op.inputs[0]
    dx = make_op(AVG_POOL_GRAD, [grad, x], [(grad.dtype, x.shape)], "AvgPoolGrad",
                 params={"window": op.attrs["window"]}).outputs[0]
    return [dx]


AVG_POOL = OpDef("AvgPool", _avg_pool_kernel, grad=_avg_pool_grad_fn)


def _avg_pool_grad_kernel(dy, x, window):
    xp = devices.array_module(dy)
    shape, taps = _layout(x, window)
    g = dy / _counts(xp, window, x.shape[1], x.shape[2], shape[1], shape[2], dy.dtype)
    dx = xp.zeros(x.shape, dtype=dy.dtype)
    for _, _, orow, irow, ocol, icol in taps:
        dst = dx[:, irow, icol]
        dst += g[:, orow, ocol]
    return dx


def _avg_pool_grad_grad_fn(op, grad):
    y = make_op(AVG_POOL, [grad], [(grad.dtype, op.inputs[0].shape)], "AvgPool",
                params={"window": op.attrs["window"]}).outputs[0]
    return [y, None]


AVG_POOL_GRAD = OpDef("AvgPoolGrad", _avg_pool_grad_kernel, grad=_avg_pool_grad_grad_fn)


# ---- graph builders ---------------------------------------------------------------------------------------
def _pool(op_def, value, ksize, strides, padding, data_format, name):
    op_type = op_def.type
    x = convert_to_tensor(value)
    if x.shape.ndims is not None and x.shape.ndims != 4:
        raise build_error(op_type, name, [x], "%s: input must be 4-D [batch, height, width, channels], got shape "
                          "%s" % (op_type, x.shape))
    if op_type == "AvgPool" and not x.dtype.is_floating:
        raise build_error(op_type, name, [x], "AvgPool: input must be floating point, got %s" % x.dtype.name,
                          TypeError)
    fmt = (data_format or "NHWC").upper()
    try:
        if fmt not in ("NHWC", "NCHW"):
            raise ValueError("data_format must be 'NHWC' or 'NCHW', got %r" % (data_format,))
        win = Window(four_tuple(ksize, "ksize", fmt), four_tuple(strides, "strides", fmt),
                     normalize_padding(padding, fmt))
    except ValueError as e:
        raise build_error(op_type, name, [x], "%s: %s" % (op_type, e)) from None
    x = to_nhwc(x, fmt)
    d = x.shape.dims
    out = None
    if d is not None:
        out = [d[0], win.out_size(d[1], 0), win.out_size(d[2], 1), d[3]]
        if any(v is not None and v <= 0 for v in out[1:3]):
            raise build_error(op_type, name, [x], "%s: negative dimension size: the %s window does not fit in the "
                              "input %s with padding %r" % (op_type, win.ksize, x.shape, padding))
    y = make_op(op_def, [x], [(x.dtype, out)], name or op_type, params={"window": win}).outputs[0]
    return from_nhwc(y, fmt)


def max_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002 - TF's argument name
    """Max pooling over windows of ``ksize`` (an int, [h, w] or [1, h, w, 1]) moved by ``strides``.

    Example:
        >>> kf.nn.max_pool(x, [1, 2, 2, 1], [1, 2, 2, 1], "VALID")   # [8, 28, 28, 32] -> [8, 14, 14, 32]
    """
    return _pool(MAX_POOL, input if value is None else value, ksize, strides, padding, data_format, name)


def avg_pool(value=None, ksize=None, strides=None, padding=None, data_format="NHWC", name=None,
             input=None):  # noqa: A002
    """Average pooling; with SAME padding each window is averaged over its valid (non-padding) inputs.

    Example:
        >>> kf.nn.avg_pool(x, 2, 2, "SAME")
    """
    return _pool(AVG_POOL, input if value is None else value, ksize, strides, padding, data_format, name)
