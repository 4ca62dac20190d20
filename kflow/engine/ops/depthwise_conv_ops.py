"""Depthwise 2-D convolution (NHWC): depthwise_conv2d(_native), its two backprops, separable_conv2d and
atrous_conv2d.

Each input channel ``c`` is convolved with its own ``channel_multiplier`` filters ``w[:, :, c, :]``; output
channel ``c * multiplier + m``. The kernels loop over kernel positions only (``Window.taps``: the output and
input ranges of each tap that lie inside the image, so no padded copy is made), each tap one broadcast
multiply-add over the whole batch. The gradients are the two backprop ops, whose own gradients are again
depthwise convolutions and backprops, so second order works.

Example:
    >>> y = kf.nn.depthwise_conv2d(x, w, strides=[1, 1, 1, 1], padding="SAME")   # w: [3, 3, C, 2] -> 2C channels
    >>> z = kf.nn.separable_conv2d(x, w, pointwise, strides=[1, 1, 1, 1], padding="SAME")
"""
from kflow.engine import devices
from kflow.engine.op_def import OpDef
from kflow.engine.operation import make_op, build_error
from kflow.engine.ops.conv_args import ConvolutionGrads, backprop_op, prepare_2d, to_nhwc, from_nhwc, sizes_to_nhwc
from kflow.engine.ops.conv_ops import conv2d
from kflow.engine.ops.params import ints
from kflow.engine.ops.window_geometry import Window


def _window(conf, w_shape):
    strides, padding, dilations = conf
    return Window(w_shape[:2], strides, padding, dilations)


def _taps(op_type, conf, x_shape, w_shape):
    if x_shape[3] != w_shape[2]:
        raise ValueError("%s: input depth %d does not match the filter's in_channels %d (input shape %s, filter shape "
                         "%s)" % (op_type, x_shape[3], w_shape[2], tuple(x_shape), tuple(w_shape)))
    win = _window(conf, w_shape)
    oh, ow = win.plan(x_shape[1], x_shape[2])[:2]
    if oh <= 0 or ow <= 0:
        raise ValueError("%s: the %s window (dilations %s) does not fit in the input of shape %s with padding %r"
                         % (op_type, w_shape[:2], win.dilations, tuple(x_shape), win.padding))
    return oh, ow, win.taps(x_shape[1], x_shape[2], oh, ow)


def _depthwise_kernel(x, w, conf):
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("DepthwiseConv2dNative: input and filter must be 4-D, got shapes %s and %s"
                         % (x.shape, w.shape))
    oh, ow, taps = _taps("DepthwiseConv2dNative", conf, x.shape, w.shape)
    xp = devices.array_module(x, w)
    n, c, m = x.shape[0], w.shape[2], w.shape[3]
    out = xp.zeros((n, oh, ow, c, m), dtype=x.dtype)
    for i, j, orow, irow, ocol, icol in taps:
        out[:, orow, ocol] += x[:, irow, icol, :, None] * w[i, j]
    return out.reshape(n, oh, ow, c * m)


def _split_dy(dy, w_shape):
    n, oh, ow, _ = dy.shape
    return dy.reshape(n, oh, ow, w_shape[2], w_shape[3])


def _input_grad_kernel(w, dy, sizes, conf):
    x_shape = ints(sizes)
    oh, ow, taps = _taps("DepthwiseConv2dNativeBackpropInput", conf, x_shape, w.shape)
    _check_dy("DepthwiseConv2dNativeBackpropInput", dy.shape, (x_shape[0], oh, ow, w.shape[2] * w.shape[3]))
    xp = devices.array_module(w, dy)
    d5 = _split_dy(dy, w.shape)
    dx = xp.zeros(x_shape, dtype=dy.dtype)
    for i, j, orow, irow, ocol, icol in taps:
        dx[:, irow, icol] += xp.einsum("nhwcm,cm->nhwc", d5[:, orow, ocol], w[i, j])
    return dx


def _filter_grad_kernel(x, dy, sizes, conf):
    w_shape = ints(sizes)
    oh, ow, taps = _taps("DepthwiseConv2dNativeBackpropFilter", conf, x.shape, w_shape)
    _check_dy("DepthwiseConv2dNativeBackpropFilter", dy.shape, (x.shape[0], oh, ow, w_shape[2] * w_shape[3]))
    xp = devices.array_module(x, dy)
    d5 = _split_dy(dy, w_shape)
    dw = xp.zeros(w_shape, dtype=dy.dtype)
    for i, j, orow, irow, ocol, icol in taps:
        dw[i, j] = xp.einsum("nhwc,nhwcm->cm", x[:, irow, icol], d5[:, orow, ocol])
    return dw


def _check_dy(op_type, dy_shape, expected):
    if tuple(dy_shape) != tuple(expected):
        raise ValueError("%s: out_backprop has shape %s, but the convolution gives %s" % (op_type, tuple(dy_shape),
                                                                                       tuple(expected)))


# lambdas: the graph builders are defined below, after the OpDefs they make
_GRADS = ConvolutionGrads(lambda *a: _depthwise(*a), lambda *a: _backprop_input(*a),
                          lambda *a: _backprop_filter(*a))
DEPTHWISE_CONV2D = OpDef("DepthwiseConv2dNative", _depthwise_kernel, grad=_GRADS.conv)
DEPTHWISE_BACKPROP_INPUT = OpDef("DepthwiseConv2dNativeBackpropInput", _input_grad_kernel,
                                 grad=_GRADS.backprop_input)
DEPTHWISE_BACKPROP_FILTER = OpDef("DepthwiseConv2dNativeBackpropFilter", _filter_grad_kernel,
                                  grad=_GRADS.backprop_filter)


def _depthwise(x, w, conf, name=None):
    xd, wd = x.shape.dims, w.shape.dims
    out = [None] * 4
    if xd is not None:
        out[0] = xd[0]
        if wd is not None and None not in wd[:2]:
            win = _window(conf, wd)
            out[1], out[2] = win.out_size(xd[1], 0), win.out_size(xd[2], 1)
    if wd is not None and None not in wd[2:]:
        out[3] = wd[2] * wd[3]
    if xd is not None and wd is not None and None not in (xd[3], wd[2]) and xd[3] != wd[2]:
        raise build_error("DepthwiseConv2dNative", name, [x, w], "depthwise_conv2d: input depth %d does not match the "
                          "filter's in_channels %d (input shape %s, filter shape %s)" % (xd[3], wd[2], x.shape,
                                                                                        w.shape))
    if any(d is not None and d <= 0 for d in out[1:3]):
        raise build_error("DepthwiseConv2dNative", name, [x, w], "depthwise_conv2d: the filter %s does not fit in "
                          "the input %s with padding %r" % (w.shape, x.shape, conf[1]))
    return make_op(DEPTHWISE_CONV2D, [x, w], [(x.dtype, out)], name or "DepthwiseConv2dNative",
                   params={"conf": conf}).outputs[0]


def _backprop_input(sizes, w, dy, conf, name=None):
    return backprop_op(DEPTHWISE_BACKPROP_INPUT, [w, dy], sizes, conf, name)


def _backprop_filter(x, sizes, dy, conf, name=None):
    return backprop_op(DEPTHWISE_BACKPROP_FILTER, [x, dy], sizes, conf, name)


# ---- public API (TF1 signatures) ----------------------------------------------------------------------------
def depthwise_conv2d_native(input, filter, strides, padding, data_format="NHWC", dilations=None,  # noqa: A002
                            name=None):
    """The DepthwiseConv2dNative op: ``filter`` is [height, width, in_channels, channel_multiplier].

    Example:
        >>> kf.nn.depthwise_conv2d_native(x, w, [1, 1, 1, 1], "VALID")
    """
    (x, w), conf, fmt = prepare_2d("DepthwiseConv2dNative", name, [input, filter], strides, padding, dilations,
                                   data_format)
    return from_nhwc(_depthwise(to_nhwc(x, fmt), w, conf, name), fmt)


def depthwise_conv2d(input, filter, strides, padding, rate=None, name=None, data_format=None,  # noqa: A002
                     dilations=None):
    """Depthwise convolution; ``rate`` (or ``dilations``) [rh, rw] gives an atrous depthwise convolution.

    Example:
        >>> kf.nn.depthwise_conv2d(x, w, strides=[1, 2, 2, 1], padding="SAME")
    """
    rate = dilations if rate is None else rate
    return depthwise_conv2d_native(input, filter, strides, padding, data_format or "NHWC", rate, name)


def depthwise_conv2d_native_backprop_input(input_sizes, filter, out_backprop, strides, padding,  # noqa: A002
                                           data_format="NHWC", dilations=None, name=None):
    """The gradient of depthwise_conv2d_native with respect to its input (of shape ``input_sizes``)."""
    (w, dy), conf, fmt = prepare_2d("DepthwiseConv2dNativeBackpropInput", name, [filter, out_backprop], strides,
                                    padding, dilations, data_format)
    return from_nhwc(_backprop_input(sizes_to_nhwc(input_sizes, fmt), w, to_nhwc(dy, fmt), conf, name), fmt)


def depthwise_conv2d_native_backprop_filter(input, filter_sizes, out_backprop, strides, padding,  # noqa: A002
                                            data_format="NHWC", dilations=None, name=None):
    """The gradient of depthwise_conv2d_native with respect to its filter (of shape ``filter_sizes``)."""
    (x, dy), conf, fmt = prepare_2d("DepthwiseConv2dNativeBackpropFilter", name, [input, out_backprop], strides,
                                    padding, dilations, data_format)
    return _backprop_filter(to_nhwc(x, fmt), filter_sizes, to_nhwc(dy, fmt), conf, name)


def separable_conv2d(input, depthwise_filter, pointwise_filter, strides, padding, rate=None, name=None,  # noqa: A002
                     data_format=None, dilations=None):
    """A depthwise convolution followed by a 1x1 ``pointwise_filter`` [1, 1, in * multiplier, out] convolution.

    Example:
        >>> kf.nn.separable_conv2d(x, dw, pw, strides=[1, 1, 1, 1], padding="SAME")
    """
    depth = depthwise_conv2d(input, depthwise_filter, strides, padding, rate, None, data_format, dilations)
    return conv2d(depth, pointwise_filter, strides=[1, 1, 1, 1], padding="VALID", data_format=data_format or "NHWC",
                  name=name)


def atrous_conv2d(value, filters, rate, padding, name=None):
    """A dilated ("atrous") convolution with dilation ``rate`` in height and width, stride 1.

    Example:
        >>> kf.nn.atrous_conv2d(x, w, rate=2, padding="SAME")
    """
    if int(rate) < 1:
        raise ValueError("atrous_conv2d: rate must be >= 1, got %r" % (rate,))
    return conv2d(value, filters, strides=[1, 1, 1, 1], padding=padding, dilations=[1, int(rate), int(rate), 1],
                  name=name)
