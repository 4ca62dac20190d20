"""2-D convolutions (NHWC): conv2d, conv2d_transpose, conv1d and the two convolution backprops.

The forward pass is im2col + one GEMM: the patches of a batch chunk are a strided view of the (padded)
input, copied into a contiguous ``(rows, KH*KW*C)`` matrix and multiplied by the ``(KH*KW*C, OC)``
filter. Chunks of about ``CHUNK_BYTES`` keep the patch matrix in cache and reuse one buffer, which
measured ~1.5x faster than one huge matrix (fresh 100 MB buffers page-fault on every step). Narrow patch
matrices (few input channels: K = KH*KW*C <= ``SMALL_K``) take chunks of a few images (or output rows of
one), sized so the patches and the GEMM's output rows stay cached, and an ``epilogue`` (the fused bias +
relu) runs on each output chunk while it is cached: the deep-MNIST conv1 (5x5, 1 -> 32, batch 50) with its
bias and relu went from 1.8 to 1.3 ms on one core, 1.2 to 1.0 ms in its two-thread training step. The filter
gradient is ``cols^T @ dY`` over the same chunks; the input gradient multiplies ``dY`` by each kernel
position's filter slab and adds the product into ``dX`` while it is cached (col2im: a loop over KH*KW only).
Stride-1 3x3 and 5x5 convolutions with enough channels run as Winograd on the CPU instead (``winograd``:
its ``chooses`` says which of the three kernels, from measurements).

Example:
    >>> y = kf.nn.conv2d(images, kernel, strides=[1, 1, 1, 1], padding="SAME")
    >>> up = kf.nn.conv2d_transpose(y, kernel2, output_shape=[8, 56, 56, 3], strides=[1, 2, 2, 1])
"""
import types

import numpy as np

from kflow.engine import devices, scratch
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops import shape_ops, winograd
from kflow.engine.ops.batch_parallel import l2_block, over_batch, sum_over_batch
from kflow.engine.ops.constant_op import convert_to_tensor
from kflow.engine.ops.conv_args import ConvolutionGrads, backprop_op, prepare_2d, to_nhwc, from_nhwc, sizes_to_nhwc
from kflow.engine.ops.params import make_param_op, param_kernel, partial_shape, ints
from kflow.engine.ops.window_geometry import Window

CHUNK_BYTES = 4 << 20  # patch-matrix bytes per chunk on the CPU (measured best between 2 and 8 MB)
TAP_MAJOR_CHANNELS = 3  # input channels up to which patches are copied tap-major (see _im2col_chunks)
SMALL_K = 32  # patch widths (KH*KW*C) whose chunks are sized to the L2 cache instead
# patches + output rows per chunk of such a narrow GEMM (see _chunk_rows): 256 KB was best on one core, but in
# the deep-MNIST training step (two threads, 25 images each) its one-image chunks cost more calls than the L2
# saved: conv1 + bias + relu took 1.48 ms at 256 KB, 1.02 at 1 MB, 1.13 at 2 MB (1.15-1.22 before narrow chunks)
SMALL_CHUNK_BYTES = 1 << 20
# dY + dX rows per chunk of the CPU input gradient, for >= 16 input channels and fewer (measured best on the
# Keras MNIST CNN's conv2, the deep-MNIST conv2 and a 3-channel 5x5 layer; bench/conv_kernels.py)
COL2IM_BYTES, SMALL_COL2IM_BYTES = 2 << 20, 512 << 10
GPU_CHUNK_BYTES = 1 << 30  # on a GPU one big GEMM per call is best


def _chunk(xp, n, bytes_per_image):
    limit = CHUNK_BYTES if xp is np else GPU_CHUNK_BYTES
    return max(1, min(n, limit // max(bytes_per_image, 1)))


def _buffer(xp, tag, size, dtype):
    """A scratch vector of ``size`` elements: reused across calls on the CPU (``scratch``), fresh on a GPU."""
    return scratch.growable(tag, size, dtype)[:size] if xp is np else xp.empty(size, dtype=dtype)


def _window(conf, kh, kw):
    strides, padding, dilations = conf
    return Window((kh, kw), strides, padding, dilations)


def _chunk_rows(xp, k, oc, itemsize):
    """Patch-matrix rows per chunk: ``CHUNK_BYTES`` of patches, or for narrow patches (``k <= SMALL_K``) the
    patches and output rows that fit ``SMALL_CHUNK_BYTES``."""
    if xp is not np:
        return max(1, GPU_CHUNK_BYTES // (k * itemsize))
    if k <= SMALL_K:
        return max(1, SMALL_CHUNK_BYTES // ((k + oc) * itemsize))
    return max(1, CHUNK_BYTES // (k * itemsize))


def _im2col_chunks(x, win, oc):
    """Yields ``(start, stop, cols)``: the patches of output pixels ``start:stop`` (of the output flattened to
    (pixels, OC), (image, row, column) order) as a (pixels, K) matrix (C- or, for one input channel,
    Fortran-contiguous). A chunk holds whole images, or output rows of one image when an image is larger
    than a chunk; ``oc``, the output channels, sizes the chunks of narrow patch matrices."""
    xp = devices.array_module(x)
    n, h, w, c = x.shape
    kh, kw = win.ksize
    oh, ow, (pt, pb), (pl, pr) = win.plan(h, w)
    k = kh * kw * c
    if (kh, kw, win.strides, pt + pb + pl + pr) == (1, 1, (1, 1), 0):  # 1x1 convolution: x is the matrix
        yield 0, n * h * w, x.reshape(n * h * w, c)
        return
    chunk_rows = _chunk_rows(xp, k, oc, x.itemsize)
    b = max(1, min(n, chunk_rows // max(oh * ow, 1)))  # images per chunk
    lines = max(1, oh if b > 1 else min(oh, chunk_rows // max(ow, 1)))  # output rows per chunk
    # images padded (and viewed as patches) at once: one strided view serves several cache-sized chunks
    hp, wp = h + pt + pb, w + pl + pr
    group = b * max(1, _chunk(xp, n, hp * wp * c * x.itemsize) // b)
    flat = _buffer(xp, "im2col", b * lines * ow * k, x.dtype)
    padded = pt + pb + pl + pr > 0
    if padded:  # zero borders are written once; each group only overwrites the interior
        pshape = (min(group, n), hp, wp, c)
        pbuf = scratch.zero_bordered("im2col-pad", pshape, x.dtype, (pt, pl)) if xp is np else \
            xp.zeros(pshape, dtype=x.dtype)
    (sh, sw), (dh, dw) = win.strides, win.dilations
    # few input channels: a tap-major (K, rows) buffer makes each copy run along an output row instead of
    # one element per (tap, channel); the GEMMs take its transpose as is (conv1 of the MNIST CNN: 8x faster)
    tap_major = c <= TAP_MAJOR_CHANNELS
    strided = xp.lib.stride_tricks.as_strided
    for g in range(0, n, group):
        ge = min(n, g + group)
        src = x[g:ge]
        if padded:
            pbuf[:ge - g, pt:pt + h, pl:pl + w] = src
            src = pbuf[:ge - g]
        st = src.strides
        if tap_major:  # the KW column shifts of every input row and channel first, then each tap's rows
            # are one block of that copy (whole output rows, contiguous at stride 1): 1.4x faster than
            # per-tap row copies for one channel
            shifted = _buffer(xp, "im2col-shifts", kw * c * (ge - g) * hp * ow, x.dtype).reshape(
                kw, c, ge - g, hp, ow)
            xp.copyto(shifted, strided(src, shifted.shape, (st[2] * dw, st[3], st[0], st[1], st[2] * sw)))
            ss = shifted.strides
            view = strided(shifted, (kh, kw, c, ge - g, oh, ow),
                           (ss[3] * dh, ss[0], ss[1], ss[2], ss[3] * sh, ss[4]))
        else:
            view = strided(src, (ge - g, oh, ow, kh, kw, c),
                           (st[0], st[1] * sh, st[2] * sw, st[1] * dh, st[2] * dw, st[3]))
        for s in range(g, ge, b):
            e = min(ge, s + b)
            for r in range(0, oh, lines):
                re = min(oh, r + lines)
                rows = (e - s) * (re - r) * ow
                mat = flat[:rows * k]
                if tap_major:
                    xp.copyto(mat.reshape(kh, kw, c, e - s, re - r, ow), view[:, :, :, s - g:e - g, r:re])
                else:
                    xp.copyto(mat.reshape(e - s, re - r, ow, kh, kw, c), view[s - g:e - g, r:re])
                start = (s * oh + r) * ow
                yield start, start + rows, (mat.reshape(k, rows).T if tap_major else mat.reshape(rows, k))


def _geometry_error(op_type, win, x_shape, oh, ow):
    if oh > 0 and ow > 0:
        return None
    return ValueError("%s: the window %s (dilations %s) does not fit in the input of shape %s with padding %r "
                      "(negative output size)" % (op_type, win.ksize, win.dilations, tuple(x_shape), win.padding))


def _check_depth(op_type, x_shape, w_shape, what="input"):
    if x_shape[3] != w_shape[2]:
        raise ValueError("%s: %s depth %d does not match the filter's in_channels %d (%s shape %s, filter shape "
                         "%s)" % (op_type, what, x_shape[3], w_shape[2], what, tuple(x_shape), tuple(w_shape)))


def _conv2d_kernel(x, w, conf, epilogue=None):
    """``conf``: the op's normalized NHWC (strides, padding, dilations). ``epilogue(block)``, when given, is
    applied in place to each block of output pixels (a C-contiguous (pixels, OC) view) right after it is
    computed, while it is cached (the fused bias + relu of ``bias_relu_rewrites``)."""
    return _conv2d(x, w, conf, epilogue, False)[0]


def conv2d_keeping_input(x, w, conf, epilogue=None):
    """Conv2D's kernel for plans whose filter gradient reads the forward pass's Winograd input transform (the
    rewrite ``conv2d_keep_input``): ``(output, winograd.TransformedInput or None)``, the transform kept where both
    the forward pass and the filter gradient of this convolution run as Winograd (``winograd.chooses``) and it
    takes at most ``winograd.MAX_KEPT_BYTES``."""
    return _conv2d(x, w, conf, epilogue, True)


def _conv2d(x, w, conf, epilogue, keep_input):
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("Conv2D: input and filter must be 4-D, got shapes %s and %s" % (x.shape, w.shape))
    _check_depth("Conv2D", x.shape, w.shape)
    n, h, wd, c = x.shape
    kh, kw, _, oc = w.shape
    win = _window(conf, kh, kw)
    oh, ow = win.plan(h, wd)[:2]
    err = _geometry_error("Conv2D", win, x.shape, oh, ow)
    if err is not None:
        raise err
    xp = devices.array_module(x, w)
    forward, _, filter_grad = winograd.chooses(x.shape, w.shape, conf, x.dtype) if xp is np else (False,) * 3
    if forward:
        pads = winograd.pads_of(conf, x.shape, w.shape)
        keep = keep_input and filter_grad and \
            winograd.kept_input_bytes(x.shape, w.shape, pads, x.dtype) <= winograd.MAX_KEPT_BYTES
        out, kept = winograd.conv2d(x, w, pads, True) if keep else (winograd.conv2d(x, w, pads), None)
        if epilogue is not None:
            over_batch(lambda s, e: epilogue(out[s:e].reshape(-1, oc)), n, out.size, np, l2_block(out))
        return out, kept
    out = xp.empty((n, oh, ow, oc), dtype=x.dtype)
    wm = w.reshape(kh * kw * c, oc)

    def images(start, stop):
        rows = out[start:stop].reshape(-1, oc)
        for s, e, cols in _im2col_chunks(x[start:stop], win, oc):
            xp.matmul(cols, wm, out=rows[s:e])
            if epilogue is not None:
                epilogue(rows[s:e])

    over_batch(images, n, n * oh * ow * kh * kw * c, xp, uses_blas=True)
    return out, None


# lambdas: the graph builders are defined below, after the OpDefs they make
_GRADS = ConvolutionGrads(lambda *a: _conv(*a, None), lambda *a: _backprop_input(*a, None),
                          lambda *a: _backprop_filter(*a, None))
CONV2D = OpDef("Conv2D", _conv2d_kernel, grad=_GRADS.conv, splits=True)


def _filter_grad_kernel(x, dy, sizes, conf, kept=None):
    """``kept``: the forward pass's ``winograd.TransformedInput`` of ``x`` (or None), read where it serves."""
    kh, kw, c, oc = ints(sizes)
    win = _window(conf, kh, kw)
    _check_dy("Conv2DBackpropFilter", win, x.shape, dy.shape, oc)
    xp = devices.array_module(x, dy)
    if xp is np and winograd.chooses(x.shape, (kh, kw, c, oc), conf, dy.dtype)[2]:
        pads = winograd.pads_of(conf, x.shape, (kh, kw, c, oc))
        if kept is not None and not kept.serves(x, pads, (kh, kw, c, oc)):
            kept = None
        return winograd.filter_grad(x, dy, pads, (kh, kw, c, oc), kept)

    def images(start, stop):
        acc = xp.zeros((kh * kw * c, oc), dtype=dy.dtype)
        rows = dy[start:stop].reshape(-1, oc)
        for s, e, cols in _im2col_chunks(x[start:stop], win, oc):
            acc += cols.T @ rows[s:e]
        return acc

    return sum_over_batch(images, len(x), dy.size * kh * kw * c, xp, uses_blas=True).reshape(kh, kw, c, oc)


def filter_grad_reading_kept(op):
    """The kernel ``k(kept, *op.inputs)`` of Conv2DBackpropFilter ``op`` given the forward pass's ``kept``
    transform of its input (``conv2d_keeping_input``; None: not kept), for the plan rewrite ``conv2d_keep_input``.

    Example:
        >>> k = filter_grad_reading_kept(grad_op)
        >>> dw = k(kept, x, dy, sizes)
    """
    def kernel(kept, x, dy, sizes, conf):
        return _filter_grad_kernel(x, dy, sizes, conf, kept)
    declared = types.SimpleNamespace(bind=None, kernel=kernel)
    return param_kernel(declared, op.attrs["params"], 1 + op.attrs["n_data"], {"conf": op.attrs["conf"]})


def _check_dy(op_type, win, x_shape, dy_shape, oc):
    oh, ow = win.plan(x_shape[1], x_shape[2])[:2]
    expected = (x_shape[0], oh, ow, oc)
    if tuple(dy_shape) != expected:
        raise ValueError("%s: out_backprop has shape %s but the convolution of an input of shape %s with a %s "
                         "window, strides %s and padding %r gives %s" % (
                             op_type, tuple(dy_shape), tuple(x_shape), win.ksize, win.strides, win.padding,
                             expected))


CONV2D_BACKPROP_FILTER = OpDef("Conv2DBackpropFilter", _filter_grad_kernel, grad=_GRADS.backprop_filter,
                               splits=True)


def _input_grad_kernel(w, dy, sizes, conf):
    n, h, wd, c = ints(sizes)
    kh, kw, _, oc = w.shape
    _check_depth("Conv2DBackpropInput", (n, h, wd, c), w.shape, "input_sizes")
    win = _window(conf, kh, kw)
    _check_dy("Conv2DBackpropInput", win, (n, h, wd, c), dy.shape, oc)
    xp = devices.array_module(w, dy)
    if xp is np and winograd.chooses((n, h, wd, c), w.shape, conf, dy.dtype)[1]:
        return winograd.input_grad(w, dy, winograd.pads_of(conf, (n, h, wd, c), w.shape), (n, h, wd, c))
    oh, ow = dy.shape[1:3]
    taps = win.taps(h, wd, oh, ow)
    if not taps or n * oh * ow == 0:
        return xp.zeros((n, h, wd, c), dtype=dy.dtype)
    dx = xp.empty((n, h, wd, c), dtype=dy.dtype)  # each chunk is zeroed just before its adds, while cached
    # (T, OC, C): one matrix per kernel position that touches the input (others read only padding)
    wk = xp.ascontiguousarray(w.reshape(kh * kw, c, oc)[[i * kw + j for i, j, *_ in taps]].transpose(0, 2, 1))
    # on the CPU one tap's product at a time, added to dX at once while it is cached (col2im): 1.3x faster
    # for 3 input channels, 3% for 32; all taps' products in one batched GEMM on a GPU, and for one input
    # channel (products of one column each: the batched GEMM measured 1.4x faster)
    per_tap = xp is np and c > 1
    if per_tap:
        b = max(1, min(n, (COL2IM_BYTES if c >= 16 else SMALL_COL2IM_BYTES) // (oh * ow * (c + oc) * dy.itemsize)))
    else:
        b = _chunk(xp, n, len(taps) * oh * ow * c * dy.itemsize)

    def images(start, stop):
        flat = _buffer(xp, "col2im", (1 if per_tap else len(taps)) * min(b, stop - start) * oh * ow * c, dy.dtype)
        for s in range(start, stop, b):
            e = min(stop, s + b)
            rows = (e - s) * oh * ow
            part = dx[s:e]
            part.fill(0)
            src = dy[s:e].reshape(rows, oc)
            if per_tap:
                d = flat[:rows * c].reshape(rows, c)
                for t, (_, _, orow, irow, ocol, icol) in enumerate(taps):
                    xp.matmul(src, wk[t], out=d)
                    part[:, irow, icol] += d.reshape(e - s, oh, ow, c)[:, orow, ocol]
                continue
            d = flat[:len(taps) * rows * c].reshape(len(taps), rows, c)
            xp.matmul(src.reshape(1, rows, oc), wk, out=d)
            d = d.reshape(len(taps), e - s, oh, ow, c)
            for t, (_, _, orow, irow, ocol, icol) in enumerate(taps):
                part[:, irow, icol] += d[t][:, orow, ocol]

    over_batch(images, n, len(taps) * n * oh * ow * c, xp, uses_blas=True)
    return dx


CONV2D_BACKPROP_INPUT = OpDef("Conv2DBackpropInput", _input_grad_kernel, grad=_GRADS.backprop_input,
                              splits=True)


# ---- graph builders (NHWC, normalized configuration) ------------------------------------------------------
def _static_out(x_dims, w_dims, conf):
    if x_dims is None:
        return [None] * 4
    kh, kw = (w_dims[0], w_dims[1]) if w_dims is not None else (None, None)
    if kh is None or kw is None:
        return [x_dims[0], None, None, w_dims[3] if w_dims is not None else None]
    win = _window(conf, kh, kw)
    return [x_dims[0], win.out_size(x_dims[1], 0), win.out_size(x_dims[2], 1), w_dims[3] if w_dims else None]


def _conv(x, w, conf, name):
    xd, wd = x.shape.dims, w.shape.dims
    if xd is not None and wd is not None and xd[3] is not None and wd[2] is not None and xd[3] != wd[2]:
        raise build_error("Conv2D", name, [x, w], "Conv2D: input depth %d does not match the filter's in_channels "
                          "%d (input shape %s, filter shape %s)" % (xd[3], wd[2], x.shape, w.shape))
    out = _static_out(xd, wd, conf)
    if any(d is not None and d <= 0 for d in out[1:3]):
        raise build_error("Conv2D", name, [x, w], "Conv2D: negative dimension size: the %sx%s filter (dilations %s) "
                          "does not fit in the input %s with padding %r" % (wd[0], wd[1], conf[2], x.shape, conf[1]))
    return make_op(CONV2D, [x, w], [(x.dtype, out)], name or "Conv2D", params={"conf": conf}).outputs[0]


def _backprop_input(sizes, w, dy, conf, name):
    out = partial_shape(sizes)
    if out is not None and len(out) != 4:
        raise build_error("Conv2DBackpropInput", name, [w, dy], "input_sizes must have 4 entries, got %s" % (out,))
    return make_param_op(CONV2D_BACKPROP_INPUT, [w, dy], [sizes], [(dy.dtype, out)], name or "Conv2DBackpropInput",
                         kernel_params={"conf": conf}).outputs[0]


def _backprop_filter(x, sizes, dy, conf, name):
    return backprop_op(CONV2D_BACKPROP_FILTER, [x, dy], sizes, conf, name)


# ---- public API (TF1 signatures) ----------------------------------------------------------------------------
def conv2d(input, filter=None, strides=None, padding=None, use_cudnn_on_gpu=True,  # noqa: A002 - TF's names
           data_format="NHWC", dilations=None, name=None, filters=None):
    """2-D convolution of ``input`` [batch, height, width, in_channels] with ``filter``
    [filter_height, filter_width, in_channels, out_channels].

    Args:
        strides: an int, [h, w], or TF1's [1, h, w, 1].
        padding: "SAME", "VALID", or explicit [[0, 0], [top, bottom], [left, right], [0, 0]].
        data_format: "NHWC" (default) or "NCHW" (computed in NHWC between two transposes).
        dilations: an int, [h, w] or [1, h, w, 1] (atrous convolution).

    Example:
        >>> kf.nn.conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")   # [8, 28, 28, 3] -> [8, 14, 14, OC]
    """
    filter = filters if filter is None else filter
    (x, w), conf, fmt = prepare_2d("Conv2D", name, [input, filter], strides, padding, dilations, data_format)
    return from_nhwc(_conv(to_nhwc(x, fmt), w, conf, name), fmt)


def conv2d_backprop_input(input_sizes, filter=None, out_backprop=None, strides=None, padding=None,  # noqa: A002
                          use_cudnn_on_gpu=True, data_format="NHWC", dilations=None, name=None, filters=None):
    """The gradient of conv2d with respect to its input, for an input of shape ``input_sizes``."""
    filter = filters if filter is None else filter
    (w, dy), conf, fmt = prepare_2d("Conv2DBackpropInput", name, [filter, out_backprop], strides, padding,
                                    dilations, data_format)
    return from_nhwc(_backprop_input(sizes_to_nhwc(input_sizes, fmt), w, to_nhwc(dy, fmt), conf, name), fmt)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, use_cudnn_on_gpu=True,  # noqa: A002
                           data_format="NHWC", dilations=None, name=None):
    """The gradient of conv2d with respect to its filter, for a filter of shape ``filter_sizes``."""
    (x, dy), conf, fmt = prepare_2d("Conv2DBackpropFilter", name, [input, out_backprop], strides, padding,
                                    dilations, data_format)
    return _backprop_filter(to_nhwc(x, fmt), filter_sizes, to_nhwc(dy, fmt), conf, name)


def conv2d_transpose(value=None, filter=None, output_shape=None, strides=None, padding="SAME",  # noqa: A002
                     data_format="NHWC", name=None, input=None, filters=None, dilations=None):  # noqa: A002
    """Transposed ("deconvolution") 2-D convolution: the gradient of conv2d with respect to its input.

    ``filter`` is [height, width, output_channels, in_channels]; ``output_shape`` (a list or a 1-D tensor)
    is the shape of the result.

    Example:
        >>> kf.nn.conv2d_transpose(x, w, [8, 28, 28, 16], strides=[1, 2, 2, 1])   # x: [8, 14, 14, C]
    """
    value = input if value is None else value
    filter = filters if filter is None else filter
    (v, w), conf, fmt = prepare_2d("Conv2DBackpropInput", name, [value, filter], strides, padding, dilations,
                                   data_format)
    vd, wd, od = v.shape.dims, w.shape.dims, partial_shape(output_shape)
    ch = 3 if fmt == "NHWC" else 1
    if vd is not None and wd is not None and None not in (vd[ch], wd[3]) and vd[ch] != wd[3]:
        raise build_error("Conv2DBackpropInput", name, [v, w], "conv2d_transpose: input depth %d does not match "
                          "the filter's in_channels (last dimension) %d (value shape %s, filter shape %s)"
                          % (vd[ch], wd[3], v.shape, w.shape))
    if od is not None and wd is not None and len(od) == 4 and None not in (od[ch], wd[2]) and od[ch] != wd[2]:
        raise build_error("Conv2DBackpropInput", name, [v, w], "conv2d_transpose: output_shape depth %d does not "
                          "match the filter's output channels %d (output_shape %s, filter shape %s)"
                          % (od[ch], wd[2], od, w.shape))
    out = _backprop_input(sizes_to_nhwc(output_shape, fmt), w, to_nhwc(v, fmt), conf, name or "conv2d_transpose")
    return from_nhwc(out, fmt)


def conv1d(value=None, filters=None, stride=None, padding=None, use_cudnn_on_gpu=None, data_format="NWC",
           name=None, input=None, dilations=None):  # noqa: A002
    """1-D convolution of ``value`` [batch, width, in_channels] with ``filters`` [width, in, out] (via conv2d).

    Example:
        >>> kf.nn.conv1d(x, w, stride=1, padding="SAME")
    """
    value = input if value is None else value
    if (data_format or "NWC").upper() not in ("NWC", "NHWC"):
        raise ValueError("conv1d: only data_format 'NWC' is supported, got %r" % (data_format,))
    stride = stride if isinstance(stride, int) else [int(v) for v in stride][1 if len(stride) == 3 else 0]
    dil = 1 if dilations is None else (dilations if isinstance(dilations, int) else list(dilations)[-2 if len(
        dilations) == 3 else 0])
    x = shape_ops.expand_dims(convert_to_tensor(value), 1)
    w = shape_ops.expand_dims(convert_to_tensor(filters), 0)
    y = conv2d(x, w, strides=[1, stride], padding=padding, dilations=[1, dil], name=name)
    return shape_ops.squeeze(y, [1])
