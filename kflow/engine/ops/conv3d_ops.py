"""3-D convolution and pooling (NDHWC): conv3d with its two backprops, max_pool3d and avg_pool3d.

The kernels loop over the window's taps only: for each kernel position ``(a, b, c)`` the output block whose
inputs lie inside the volume (``Window.axis_ranges`` per axis, so padding is never materialized) gets one
GEMM (convolution) or one elementwise max/add (pooling) over the whole batch. Gradients are the backprop
ops; the convolution backprops are linear and differentiate into convolutions again (second order works).

Example:
    >>> y = kf.nn.conv3d(volumes, w, strides=[1, 1, 1, 1, 1], padding="SAME")      # w: [3, 3, 3, C, OC]
    >>> p = kf.nn.max_pool3d(y, ksize=[1, 2, 2, 2, 1], strides=[1, 2, 2, 2, 1], padding="VALID")
"""
import itertools

import numpy as np

from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops import array_ops
from kflow.engine.ops.conv_args import ConvolutionGrads, backprop_op, prepare_3d, same_or_valid, triple
from kflow.engine.ops.params import make_param_op, data_grads, ints
from kflow.engine.ops.window_geometry import Window


def _taps(conf, ksize, in_sizes):
    """``(out_sizes, [(tap, out_slices, in_slices)])`` for the taps that touch the input."""
    strides, padding, dilations = conf
    win = Window(ksize, strides, padding, dilations)
    outs = [win.out_size(s, axis) for axis, s in enumerate(in_sizes)]
    if min(outs) <= 0:
        raise ValueError("the %s window (dilations %s) does not fit in the input of spatial size %s with padding %r"
                         % (tuple(ksize), dilations, tuple(in_sizes), padding))
    ranges = [win.axis_ranges(axis, s, o) for axis, (s, o) in enumerate(zip(in_sizes, outs))]
    taps = []
    for tap in itertools.product(*[range(k) for k in ksize]):
        r = [ranges[axis][t] for axis, t in enumerate(tap)]
        if all(x is not None for x in r):
            taps.append((tap, (slice(None),) + tuple(x[0] for x in r), (slice(None),) + tuple(x[1] for x in r)))
    return outs, taps


# ---- conv3d ---------------------------------------------------------------------------------------------------
def _conv3d_kernel(x, w, conf):
    if x.ndim != 5 or w.ndim != 5 or x.shape[4] != w.shape[3]:
        raise ValueError("Conv3D: needs a 5-D input and filter with matching in_channels, got shapes %s and %s"
                         % (x.shape, w.shape))
    outs, taps = _taps(conf, w.shape[:3], x.shape[1:4])
    xp = devices.array_module(x, w)
    out = xp.zeros((x.shape[0], *outs, w.shape[4]), dtype=x.dtype)
    for tap, o, i in taps:
        out[o] += x[i] @ w[tap]
    return out


def _conv3d_input_grad_kernel(w, dy, sizes, conf):
    x_shape = ints(sizes)
    outs, taps = _taps(conf, w.shape[:3], x_shape[1:4])
    _check_dy("Conv3DBackpropInputV2", dy.shape, (x_shape[0], *outs, w.shape[4]))
    xp = devices.array_module(w, dy)
    dx = xp.zeros(x_shape, dtype=dy.dtype)
    for tap, o, i in taps:
        dx[i] += dy[o] @ w[tap].T
    return dx


def _conv3d_filter_grad_kernel(x, dy, sizes, conf):
    w_shape = ints(sizes)
    outs, taps = _taps(conf, w_shape[:3], x.shape[1:4])
    _check_dy("Conv3DBackpropFilterV2", dy.shape, (x.shape[0], *outs, w_shape[4]))
    xp = devices.array_module(x, dy)
    dw = xp.zeros(w_shape, dtype=dy.dtype)
    for tap, o, i in taps:
        dw[tap] = xp.tensordot(x[i], dy[o], axes=([0, 1, 2, 3], [0, 1, 2, 3]))
    return dw


def _check_dy(op_type, dy_shape, expected):
    if tuple(dy_shape) != tuple(expected):
        raise ValueError("%s: out_backprop has shape %s, but the convolution gives %s"
                         % (op_type, tuple(dy_shape), tuple(expected)))


# lambdas: the graph builders are defined below, after the OpDefs they make
_GRADS = ConvolutionGrads(lambda *a: _conv3d(*a), lambda *a: _backprop_input(*a),
                          lambda *a: _backprop_filter(*a))
CONV3D = OpDef("Conv3D", _conv3d_kernel, grad=_GRADS.conv)
CONV3D_BACKPROP_INPUT = OpDef("Conv3DBackpropInputV2", _conv3d_input_grad_kernel,
                              grad=_GRADS.backprop_input)
CONV3D_BACKPROP_FILTER = OpDef("Conv3DBackpropFilterV2", _conv3d_filter_grad_kernel,
                               grad=_GRADS.backprop_filter)


def _static_out(x, ksize, conf, channels):
    xd = x.shape.dims
    if xd is None:
        return [None] * 5
    out = [xd[0]]
    for axis in range(3):
        k = ksize[axis] if ksize is not None else None
        if k is None or xd[1 + axis] is None:
            out.append(None)
        else:
            out.append(Window(ksize, conf[0], conf[1], conf[2]).out_size(xd[1 + axis], axis))
    return out + [channels]


def _conv3d(x, w, conf, name=None):
    wd = w.shape.dims
    out = _static_out(x, wd[:3] if wd is not None and None not in wd[:3] else None, conf,
                      wd[4] if wd is not None else None)
    if any(d is not None and d <= 0 for d in out[1:4]):
        raise build_error("Conv3D", name, [x, w], "Conv3D: the filter %s does not fit in the input %s with padding "
                          "%r" % (w.shape, x.shape, conf[1]))
    return make_op(CONV3D, [x, w], [(x.dtype, out)], name or "Conv3D", params={"conf": conf}).outputs[0]


def _backprop_input(sizes, w, dy, conf, name=None):
    return backprop_op(CONV3D_BACKPROP_INPUT, [w, dy], sizes, conf, name)


def _backprop_filter(x, sizes, dy, conf, name=None):
    return backprop_op(CONV3D_BACKPROP_FILTER, [x, dy], sizes, conf, name)


def conv3d(input, filter=None, strides=None, padding=None, data_format="NDHWC", dilations=None,  # noqa: A002
           name=None, filters=None):
    """3-D convolution of ``input`` [batch, depth, height, width, in] with ``filter`` [kd, kh, kw, in, out].

    Example:
        >>> kf.nn.conv3d(x, w, strides=[1, 2, 2, 2, 1], padding="SAME")
    """
    (x, w), conf = prepare_3d("Conv3D", name, [input, filters if filter is None else filter], (5, 5), strides,
                              padding, dilations, data_format)
    xd, wd = x.shape.dims, w.shape.dims
    if xd is not None and wd is not None and None not in (xd[4], wd[3]) and xd[4] != wd[3]:
        raise build_error("Conv3D", name, [x, w], "Conv3D: input depth %d does not match the filter's in_channels %d"
                          " (input shape %s, filter shape %s)" % (xd[4], wd[3], x.shape, w.shape))
    return _conv3d(x, w, conf, name)


def conv3d_backprop_input_v2(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                             data_format="NDHWC", dilations=None, name=None):
    """The gradient of conv3d with respect to its input (of shape ``input_sizes``)."""
    (w, dy), conf = prepare_3d("Conv3DBackpropInputV2", name, [filter, out_backprop], (5, 5), strides, padding,
                               dilations, data_format)
    return _backprop_input(input_sizes, w, dy, conf, name)


def conv3d_backprop_filter_v2(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                              data_format="NDHWC", dilations=None, name=None):
    """The gradient of conv3d with respect to its filter (of shape ``filter_sizes``)."""
    (x, dy), conf = prepare_3d("Conv3DBackpropFilterV2", name, [input, out_backprop], (5, 5), strides, padding,
                               dilations, data_format)
    return _backprop_filter(x, filter_sizes, dy, conf, name)


# ---- 3-D pooling ----------------------------------------------------------------------------------------------
def _pool_conf(ksize, strides, padding):
    return triple(ksize, "ksize"), (triple(strides, "strides"), same_or_valid(padding), (1, 1, 1))


def _max_pool3d_kernel(x, ksize, conf):
    outs, taps = _taps(conf, ksize, x.shape[1:4])
    xp = devices.array_module(x)
    out = xp.full((x.shape[0], *outs, x.shape[4]), -np.inf, dtype=x.dtype)
    for _, o, i in taps:
        xp.maximum(out[o], x[i], out=out[o])
    return out


def _max_pool3d_grad_kernel(x, y, dy, ksize, conf):
    """Each window's gradient goes to its first maximal input (taps in order), as TF's MaxPool3DGrad."""
    _, taps = _taps(conf, ksize, x.shape[1:4])
    xp = devices.array_module(x)
    dx = xp.zeros(x.shape, dtype=dy.dtype)
    taken = xp.zeros(y.shape, dtype=bool)
    for _, o, i in taps:
        hit = (x[i] == y[o]) & ~taken[o]
        dx[i] += xp.where(hit, dy[o], 0)
        taken[o] |= hit
    return dx


def _counts(xp, ksize, conf, in_sizes, dtype):
    outs, taps = _taps(conf, ksize, in_sizes)
    count = xp.zeros((1, *outs, 1), dtype=dtype)
    for _, o, _ in taps:
        count[o] += 1
    return taps, count


def _avg_pool3d_kernel(x, ksize, conf):
    xp = devices.array_module(x)
    taps, count = _counts(xp, ksize, conf, x.shape[1:4], x.dtype)
    out = xp.zeros((x.shape[0], *count.shape[1:4], x.shape[4]), dtype=x.dtype)
    for _, o, i in taps:
        out[o] += x[i]
    return out / count


def _avg_pool3d_grad_kernel(dy, sizes, ksize, conf):
    x_shape = ints(sizes)
    xp = devices.array_module(dy)
    taps, count = _counts(xp, ksize, conf, x_shape[1:4], dy.dtype)
    scaled = dy / count
    dx = xp.zeros(x_shape, dtype=dy.dtype)
    for _, o, i in taps:
        dx[i] += scaled[o]
    return dx


def _pool_attrs(op):
    return {"ksize": op.attrs["ksize"], "conf": op.attrs["conf"]}


def _max_pool3d_grad(op, grad):
    x = op.inputs[0]
    return [make_op(MAX_POOL3D_GRAD, [x, op.outputs[0], grad], [(x.dtype, x.shape)], params=_pool_attrs(op))
            .outputs[0]]


def _avg_pool3d_grad(op, grad):
    x = op.inputs[0]
    return [make_param_op(AVG_POOL3D_GRAD, [grad], [array_ops.shape(x)], [(x.dtype, x.shape)],
                          kernel_params=_pool_attrs(op)).outputs[0]]


def _avg_pool3d_grad_grad(op, grad):
    return data_grads(op, [make_op(AVG_POOL3D, [grad], [(grad.dtype, op.inputs[0].shape)],
                                   params=_pool_attrs(op)).outputs[0]])


MAX_POOL3D = OpDef("MaxPool3D", _max_pool3d_kernel, grad=_max_pool3d_grad)
MAX_POOL3D_GRAD = OpDef("MaxPool3DGrad", _max_pool3d_grad_kernel)  # second order: not defined, as in TF1
AVG_POOL3D = OpDef("AvgPool3D", _avg_pool3d_kernel, grad=_avg_pool3d_grad)
AVG_POOL3D_GRAD = OpDef("AvgPool3DGrad", _avg_pool3d_grad_kernel, grad=_avg_pool3d_grad_grad)


def _pool3d(op_def, value, ksize, strides, padding, data_format, name):
    (x,), _ = prepare_3d(op_def.type, name, [value], (5,), strides, padding, None, data_format)
    try:
        k, conf = _pool_conf(ksize, strides, padding)
    except ValueError as e:
        raise build_error(op_def.type, name, [x], "%s: %s" % (op_def.type, e)) from None
    out = _static_out(x, k, conf, x.shape.dims[4] if x.shape.dims is not None else None)
    if any(d is not None and d <= 0 for d in out[1:4]):
        raise build_error(op_def.type, name, [x], "%s: the window %s does not fit in the input %s with padding %r"
                          % (op_def.type, k, x.shape, conf[1]))
    return make_op(op_def, [x], [(x.dtype, out)], name or op_def.type, params={"ksize": k, "conf": conf}).outputs[0]


def max_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """3-D max pooling over ``ksize`` windows ([1, d, h, w, 1] or 3 ints).

    Example:
        >>> kf.nn.max_pool3d(x, [1, 2, 2, 2, 1], [1, 2, 2, 2, 1], "VALID")
    """
    return _pool3d(MAX_POOL3D, input, ksize, strides, padding, data_format, name)


def avg_pool3d(input, ksize, strides, padding, data_format="NDHWC", name=None):  # noqa: A002
    """3-D average pooling; with SAME padding each window averages its valid inputs only."""
    return _pool3d(AVG_POOL3D, input, ksize, strides, padding, data_format, name)


