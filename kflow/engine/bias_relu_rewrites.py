"""The bias + relu plan rewrites: a product's bias and relu in place, and the fused relu-gradient + bias-gradient.

Forward (``conv2d_bias_relu``, ``conv2d_bias``, ``matmul_bias_relu``, ``matmul_bias``): Conv2D or MatMul, then
BiasAdd (NHWC / 2-D) or an ``Add`` of a 1-D bias along the last axis (TF1 code writes ``conv + b``), then
optionally Relu. The fused kernel runs the product's own kernel (whatever convolution algorithm it picks),
then adds the bias and clamps at zero in place on its fresh output, one cache-sized block of images at a time:
no second and third output buffers, and the relu rereads cached data.

Gradient (``relu_grad_bias_grad``): ReluGrad whose output is summed per channel by BiasAddGrad (or the
``+ b`` gradient's SumToShapeOf down to a 1-D bias). One pass per cache-sized block writes ``g * (y > 0)``
and adds the block's sums, so the bias gradient no longer rereads the whole masked gradient. Both kernels walk
rows of ~1024 elements (``_row_width``) rather than rows of one pixel's channels: numpy pays per row, and
that made most of the gain (bench/rewrite_kernels.py: 1.2-1.9x on the CNN layers' relu + bias gradients,
1.1-1.4x on their bias + relu).

The rewrites register themselves (``rewrites.register``) when this module is imported (by the plan).

Example:
    >>> h = kf.nn.relu(kf.nn.conv2d(x, w, [1, 1, 1, 1], "SAME") + b)   # one fused kernel in the plan
"""
import math

import numpy as np

from kflow.engine import rewrites
from kflow.engine.ops.batch_parallel import over_batch, sum_over_batch, l2_block
from kflow.engine.ops.nn_ops import zero_row

_PRODUCTS = {"MatMul": "matmul", "Conv2D": "conv2d"}
# products whose kernel takes ``epilogue=fn`` and applies it to each output block while cached (conv_ops)
_TAKES_EPILOGUE = {"Conv2D"}
WIDE_ROW = 1024  # elements per row of the blocked per-channel passes
EPILOGUE_PIECE = 1 << 15  # elements per piece of the bias + relu epilogue (128 KB of float32: L2-resident)
SMALL = 1 << 16  # elements up to which one plain pass beats the blocked walk's setup (a Dense layer's output)


def _row_width(x):
    """A row width for per-channel work on ``x`` (C-contiguous, else 0): a multiple of its channels that divides
    one image, near ``WIDE_ROW`` elements. numpy's per-row cost dominates rows of 32-64 channels: the bias sum of a
    [128, 24, 24, 64] gradient took 2.0 ms over rows of 64 and 0.36 ms over rows of 1024 (then folded)."""
    c = x.shape[-1]
    if not x.flags.c_contiguous or c == 0 or len(x) == 0:
        return 0  # callers keep the array's own rows
    return c * math.gcd(x.size // len(x) // c, max(1, WIDE_ROW // c))


# ---- forward: product + bias (+ relu) ------------------------------------------------------------------
def _bias_of(add, product):
    """The 1-D bias that ``add`` adds along the last axis of ``product``, or None."""
    if add.type == "BiasAdd":
        ok = add.inputs[0] is product and not add.attrs.get("channels_first")
        return add.inputs[1] if ok else None
    x, y = add.inputs
    if (x is product) == (y is product):
        return None
    bias = y if x is product else x
    pd, bd = product.shape.dims, bias.shape.dims
    if pd is None or bd is None or len(pd) < 2 or len(bd) != 1 or bias.dtype is not product.dtype:
        return None
    c = pd[-1]
    out = add.outputs[0].shape.dims
    if c is None or bd[0] != c or out is None or len(out) != len(pd):
        return None  # only a bias along the channels: the sum then has the product's shape
    return bias


def bias_relu_of(op, view):
    """The bias (and relu) that the product ``op`` (Conv2D or MatMul) can be fused with, as a rewrite's
    ``(name, ops, inputs, outputs, make_kernel)`` (see ``rewrites.Rewrite``), or None. ``make_kernel(kernels,
    keeps=False)``: with ``keeps``, ``kernels[0]`` returns ``(output, kept)`` and the fused kernel returns
    ``kept`` last (``winograd_keep_input_rewrite`` passes the forward pass's input transform through)."""
    kind = _PRODUCTS.get(op.type)
    if kind is None or op.op_def.view or op.op_def.state_output or not view.on_cpu(op):
        return None  # the epilogue writes into the product's output: it must be a fresh array
    product = op.outputs[0]
    add = view.sole_consumer(product, ("BiasAdd", "Add"))
    if add is None or not view.on_cpu(add):
        return None
    bias = _bias_of(add, product)
    if bias is None:
        return None
    ops, out = [op, add], add.outputs[0]
    relu = view.sole_consumer(out, ("Relu",))
    if relu is not None and view.on_cpu(relu):
        ops.append(relu)
        out = relu.outputs[0]
    name = kind + ("_bias_relu" if len(ops) == 3 else "_bias")
    n, with_relu = len(op.inputs), len(ops) == 3
    # dropped values whose shape a gradient reads (``unbroadcast`` of ``conv + b``) get the result: same shape
    outputs = [out] + [t for t in (product, add.outputs[0]) if t is not out and view.shape_read(t)]
    aliases = len(outputs) - 1
    return name, ops, list(op.inputs) + [bias], outputs, \
        lambda kernels, keeps=False: _bias_relu_kernel(kernels[0], n, with_relu, aliases,
                                                       op.type in _TAKES_EPILOGUE, keeps)


def _bias_relu_kernel(product, n_inputs, relu, aliases=0, takes_epilogue=False, keeps=False):
    """The kernel ``k(*product_inputs, bias)``: ``product``'s output with ``bias`` added (and relu) in place;
    with ``aliases``, a tuple of that result repeated ``1 + aliases`` times. With ``takes_epilogue`` the product
    kernel applies them itself (``product(*inputs, epilogue=fn)``) to each block it has just written, while
    it is cached. With ``keeps``, ``product`` returns ``(output, kept)`` and the kernel's values end with
    ``kept``."""
    def kernel(*args):
        bias = args[n_inputs]
        in_product = takes_epilogue and bias.shape[-1:] == bias.shape
        if in_product:
            result = product(*args[:n_inputs], epilogue=block_epilogue(bias, relu))
        else:
            result = product(*args[:n_inputs])
        out, kept = result if keeps else (result, None)
        if not in_product:
            _add_bias_relu(out, bias, relu)
        if keeps:
            return (out,) * (1 + aliases) + (kept,)
        return (out,) * (1 + aliases) if aliases else out
    return kernel


def _add_bias_relu(out, bias, relu):
    """``out = relu(out + bias)`` (or ``out + bias``) in place, in cache-sized blocks of images."""
    if out.size <= SMALL:
        np.add(out, bias, out=out)
        if relu:
            np.maximum(out, 0, out=out)
        return
    if out.flags.c_contiguous and bias.shape == out.shape[-1:]:
        epilogue = block_epilogue(bias, relu)
        over_batch(lambda start, stop: epilogue(out[start:stop]), len(out), out.size, np, l2_block(out))
        return

    def part(start, stop):
        block = out[start:stop]
        np.add(block, bias, out=block)
        if relu:
            np.maximum(block, 0, out=block)

    over_batch(part, len(out), out.size, np, l2_block(out))


def block_epilogue(bias, relu):
    """``fn(block)``: adds the 1-D ``bias`` along the last axis of a C-contiguous ``block`` (and clamps at zero),
    in place, over flat pieces of ``EPILOGUE_PIECE`` elements against a repeated bias and a zero vector of the
    same length: numpy's ``maximum`` of an array and a scalar ran 2-4x slower than of two arrays (0.46 vs
    0.22 ms on 1.25M float32), and per-row overhead made rows of one pixel's channels slower still.

    Example:
        >>> block_epilogue(b, relu=True)(out[:8])   # out[:8] = max(out[:8] + b, 0)
    """
    c = len(bias)
    span = c * max(1, EPILOGUE_PIECE // max(c, 1))
    wide = np.tile(bias, span // max(c, 1))
    zeros = zero_row(span, wide.dtype) if relu else None

    def apply(block):
        if block.shape[-1:] != (c,):
            raise ValueError("BiasAdd (fused): the bias has %d values but the product's output block has shape %s "
                             "(its last axis must match)" % (c, block.shape))
        if c == 0 or block.size == 0:
            return
        flat = block.reshape(-1)
        for s in range(0, flat.size, span):
            piece = flat[s:s + span]
            np.add(piece, wide[:piece.size], out=piece)
            if relu:
                np.maximum(piece, zeros[:piece.size], out=piece)
    return apply


rewrites.register(rewrites.Rewrite("product_bias_relu", bias_relu_of))


# ---- gradient: relu gradient + bias gradient -----------------------------------------------------------
def channel_sum_of(relu_grad, view):
    """The BiasAddGrad (NHWC) or ``+ b`` gradient's SumToShapeOf (down to a 1-D bias along the last axis) that
    sums the output of ``relu_grad`` per channel, or None."""
    grad = relu_grad.outputs[0]
    dims = grad.shape.dims
    for s in view.readers(grad, ("BiasAddGrad", "SumToShapeOf")):
        if not view.on_cpu(s) or s.inputs[0] is not grad:
            continue
        if s.type == "BiasAddGrad" and s.attrs.get("channels_first"):
            continue
        if s.type == "SumToShapeOf":
            bd = s.inputs[1].shape.dims
            if dims is None or len(dims) < 2 or dims[-1] is None or bd is None or list(bd) != [dims[-1]]:
                continue  # a sum over the leading axes only: a per-channel bias gradient
        return s
    return None


def _match_relu_grad_bias_grad(op, view):
    if op.type != "ReluGrad" or not view.on_cpu(op):
        return None
    s = channel_sum_of(op, view)
    if s is None:
        return None
    return ("relu_grad_bias_grad", [op, s], list(op.inputs), [op.outputs[0], s.outputs[0]],
            lambda kernels: relu_grad_bias_grad)


def relu_grad_bias_grad(g, y):
    """``(g * (y > 0), its sum over every axis but the last)`` in one blocked pass."""
    if g.shape != y.shape:
        raise ValueError("ReluGrad: gradient shape %s does not match the relu output shape %s"
                         % (g.shape, y.shape))
    c = g.shape[-1] if g.ndim else 1
    if g.ndim < 2 or g.size <= SMALL:  # no batch axis to split, or one cached pass
        dg = np.multiply(g, y > 0)
        return dg, dg.reshape(-1, c).sum(axis=0, dtype=g.dtype) if c else np.zeros(0, g.dtype)
    dg = np.empty(g.shape, g.dtype)
    width = _row_width(dg) or c
    if width == 0:  # no channels: nothing to sum
        np.multiply(g, y > 0, out=dg)
        return dg, np.zeros(0, g.dtype)
    block = max(1, l2_block(g) // 2)  # reads g and y

    def part(start, stop):
        acc = np.zeros(width, g.dtype)
        for s in range(start, stop, block):
            e = min(stop, s + block)
            d = dg[s:e]
            np.multiply(g[s:e], y[s:e] > 0, out=d)
            acc += d.reshape(-1, width).sum(axis=0, dtype=g.dtype)
        return acc

    return dg, sum_over_batch(part, len(g), g.size).reshape(-1, c).sum(axis=0, dtype=g.dtype)


rewrites.register(rewrites.Rewrite("relu_grad_bias_grad", _match_relu_grad_bias_grad))
